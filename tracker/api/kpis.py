"""KPI rows in: POST /api/v1/kpis, for PMs, admins and integration accounts.

The rows go through the ingest service (services/kpis/ingest.py), like the CSV page and the
warehouse pull; the request commits once. When mode "all" refuses a load (any row rejected) the
answer is a 422 carrying the report, and the load's record is kept so it shows on the loads page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from tracker.api.common import bp, to_json
from tracker.api.inputs import actor, json_object, parse
from tracker.api.openapi import operation
from tracker.api.schemas.kpis import KpiLoadReportPublic, KpiLoadRequest
from tracker.config import current_settings
from tracker.db import get_session, keep_changes
from tracker.errors import ValidationFailed
from tracker.models import LoadChannel
from tracker.permissions import Permission, requires
from tracker.services.kpis.ingest import KpiRow, load_rows

TAG = "kpis"


def _check_size(data: dict[str, Any], limit: int) -> None:
    """Our own sentence for too many rows: the configured limit, not the schema's ceiling."""
    rows = data.get("rows")
    if isinstance(rows, list) and len(rows) > limit:
        sentence = f"Send at most {limit:,} rows a call; split the rows into several calls."
        raise ValidationFailed("Too many rows.", fields={"rows": sentence})


@bp.post("/kpis")
@requires(Permission.INGEST_KPIS)
@operation(
    "Send KPI values (one metric of one queue on one day a row), or check them with dry_run. "
    "The same row again changes nothing; a new value for it replaces the old one. When mode "
    "all stores nothing because rows were rejected, the answer is a 422 with this report",
    body=KpiLoadRequest,
    response=KpiLoadReportPublic,
    tag=TAG,
)
def kpis_create() -> Response:
    data = json_object()
    settings = current_settings()
    _check_size(data, settings.kpis.max_api_rows)
    wanted = parse(KpiLoadRequest, data)
    rows = (
        KpiRow(number, row.queue, row.day, row.metric, row.value)
        for number, row in enumerate(wanted.rows, start=1)
    )
    report = load_rows(
        get_session(),
        rows=rows,
        channel=LoadChannel.API,
        settings=settings,
        actor=actor(),
        mode=wanted.mode,
        dry_run=wanted.dry_run,
    )
    public = KpiLoadReportPublic.of(report)
    if report.applied or report.dry_run:
        return to_json(public)
    keep_changes()  # the savepoint has undone the rows; the load's record stays
    message = f"Nothing was stored: {report.rejected:,} row(s) were rejected (mode all)."
    body = public.model_dump(mode="json") | {
        "error": message,
        "message": message,
        "fields": {"rows": message + " See `rejections`, or send with mode valid."},
    }
    response = jsonify(body)
    response.status_code = 422
    return response
