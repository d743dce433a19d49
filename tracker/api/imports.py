"""Bulk import of suggestions as JSON rows: a dry run, all or nothing, or only the valid rows.

Each row is checked by the same rules as POST /suggestions (`suggestions.clean_input`) and stored
by `suggestions.create_suggestion`, like the CSV import; the request commits once, so an import
is one transaction. Row numbers count from 1 in the order sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from tracker.api.common import bp, to_json
from tracker.api.inputs import actor, json_object, parse, suggestion_fields
from tracker.api.openapi import operation
from tracker.api.schemas.planning import ImportReport, ImportRequest, ImportRowReport
from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import ValidationFailed
from tracker.permissions import Permission, requires
from tracker.services.suggestions import submissions
from tracker.services.suggestions.csv_import import MAX_ROWS

TAG = "suggestions"
VALID_ONLY = "valid_only"


def _row_errors(raw: dict[str, Any], areas: Sequence[str]) -> dict[str, str]:
    """Every problem of one row by field; {} when it would import."""
    errors: dict[str, str] = {}
    try:
        suggestion_fields(raw)  # unknown fields, evidence links that are not a list
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        submissions.clean_input(raw, areas=areas)
    except ValidationFailed as exc:
        # The shape check's sentence wins: it says what the JSON should look like.
        errors = exc.fields | errors
    return errors


def _check_rows(data: dict[str, Any]) -> None:
    """Sentences of our own for the two ways `rows` can be wrong as a whole."""
    rows = data.get("rows")
    if not isinstance(rows, list):
        return  # missing or not a list: the model's check says so
    if len(rows) > MAX_ROWS:
        sentence = f"Send at most {MAX_ROWS:,} rows at a time; split the import into parts."
        raise ValidationFailed("Too many rows.", fields={"rows": sentence})
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            sentence = f"Row {number} is not a JSON object; send each row as suggestion fields."
            raise ValidationFailed("Some rows are not objects.", fields={"rows": sentence})


def _failed(report: ImportReport) -> Response:
    """A 422 shaped like every API error, with the report beside it (nothing was stored)."""
    fields = {
        f"rows.{row.row}.{name}": sentence
        for row in report.rows
        for name, sentence in row.errors.items()
    }
    response = jsonify(
        {
            "error": f"Nothing was imported: {report.invalid} row(s) have errors.",
            "fields": fields,
            "report": report.model_dump(mode="json"),
        }
    )
    response.status_code = 422
    return response


@bp.post("/suggestions/import")
@requires(Permission.SUBMIT_SUGGESTIONS)
@operation(
    "Import suggestions in bulk, or check them with dry_run. When nothing is imported because of "
    "errors the answer is a 422 whose body carries this report as `report`",
    body=ImportRequest,
    response=ImportReport,
    tag=TAG,
)
def suggestion_import() -> Response:
    data = json_object()
    _check_rows(data)
    wanted = parse(ImportRequest, data)
    areas = current_settings().suggestions.areas
    rows = [
        ImportRowReport(row=number, ok=not errors, errors=errors)
        for number, errors in enumerate((_row_errors(raw, areas) for raw in wanted.rows), 1)
    ]
    report = ImportReport(
        mode=wanted.mode,
        dry_run=wanted.dry_run,
        valid=sum(1 for row in rows if row.ok),
        invalid=sum(1 for row in rows if not row.ok),
        imported=0,
        rows=rows,
    )
    if wanted.dry_run:
        return to_json(report)
    if not report.valid or (report.invalid and wanted.mode != VALID_ONLY):
        return _failed(report)
    session = get_session()
    user = actor()
    for row, raw in zip(rows, wanted.rows, strict=True):
        if row.ok:
            row.id = submissions.create_suggestion(session, actor=user, raw=raw, areas=areas).id
    report.imported = report.valid
    return to_json(report)
