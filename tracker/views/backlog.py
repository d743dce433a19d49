"""The ranked backlog, the impact-effort matrix, CSV import and export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, current_app, flash, render_template, request, stream_with_context
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, SelectChoice

from tracker.config import current_settings
from tracker.db import get_session, session_scope
from tracker.errors import ValidationFailed
from tracker.inputs import has_control
from tracker.models import Status, User, utcnow
from tracker.pagination import requested_page
from tracker.permissions import Permission, allowed, requires
from tracker.services.suggestions import (
    backlog,
    csv_export,
    csv_import,
    matrix,
    score_inputs,
)
from tracker.views.forms import apply_errors

bp = Blueprint("backlog", __name__)

PER_PAGE_OPTIONS = (25, 50, 100)
# Idea statuses drawn with the pill colours other pages use for states: muted while waiting,
# blue while someone works on it, green when it went well, red when it was turned down.
STATUS_PILLS = {
    Status.NEW: "state-pending",
    Status.UNDER_REVIEW: "state-in_progress",
    Status.ACCEPTED: "state-ready",
    Status.IN_DELIVERY: "state-running",
    Status.DELIVERED: "state-done",
    Status.DECLINED: "state-failed",
    Status.DUPLICATE: "state-unknown",
    Status.PARKED: "state-waiting",
}
SORT_LABELS = (
    ("score", "Score"),
    ("votes", "Votes"),
    ("hours", "Hours saved a week"),
    ("created", "Submitted (age)"),
    ("updated", "Last updated"),
    ("title", "Title"),
)
# What each order means in words, for the count line and the table caption.
_SORT_WORDS = {
    ("score", "desc"): "Ranked by score (unscored last), then votes, then newest.",
    ("score", "asc"): "Lowest score first (unscored before any score).",
    ("votes", "desc"): "Most votes first.",
    ("votes", "asc"): "Fewest votes first.",
    ("hours", "desc"): "Most agent hours saved a week first (no estimate last).",
    ("hours", "asc"): "Fewest agent hours saved a week first (no estimate last).",
    ("created", "desc"): "Newest first.",
    ("created", "asc"): "Oldest first.",
    ("updated", "desc"): "Most recently updated first.",
    ("updated", "asc"): "Least recently updated first.",
    ("title", "asc"): "By title, A to Z.",
    ("title", "desc"): "By title, Z to A.",
}
# The status filter's groups, as the form offers them (the first is the default view).
STATUS_GROUPS = (
    (backlog.OPEN, "Open: new, under review, accepted, in delivery"),
    (backlog.CLOSED, "Closed: declined, duplicate, parked, delivered"),
    (backlog.ALL_STATUSES, "All except merged duplicates"),
    (backlog.ANY_STATUS, "All, including merged duplicates"),
)
# Room left in the form-field limit for the CSRF token and the other fields.
_FORM_MARGIN = 16 * 1024


class ImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField("CSV file")
    # The dry run's upload, sent back with the import so the file need not be chosen twice.
    csv_text = HiddenField()
    filename = HiddenField()
    mode = RadioField(
        "If a row has an error",
        choices=[SelectChoice(mode.value, mode.label) for mode in csv_import.ImportMode],
        default=csv_import.ImportMode.ALL_OR_NOTHING.value,
    )


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _areas() -> list[str]:
    return list(current_settings().suggestions.areas)


@bp.get("/backlog")
@requires(Permission.VIEW_SUGGESTIONS)
def index() -> str:
    session = get_session()
    actor = _actor()
    filters = backlog.BacklogFilters.from_args(request.args, actor=actor)
    page, per_page = requested_page()
    found = backlog.backlog_page(
        session, actor=actor, filters=filters, page=page, per_page=per_page
    )
    choices = backlog.filter_choices(
        session,
        actor=actor,
        filters=filters,
        areas=_areas(),
        show_initiatives=allowed(actor, Permission.VIEW_INITIATIVES),
    )
    return render_template(
        "backlog/index.html",
        page=found,
        filters=filters,
        choices=choices,
        per_page_options=PER_PAGE_OPTIONS,
        format_score=score_inputs.format_score,
        status_groups=STATUS_GROUPS,
        sort_labels=SORT_LABELS,
        sort_description=_SORT_WORDS[filters.sort, filters.direction],
        status_pills=STATUS_PILLS,
        internal=backlog.INTERNAL,
    )


@bp.get("/backlog/export.csv")
@requires(Permission.VIEW_SUGGESTIONS)
def export() -> Response:
    actor = _actor()
    # Every parameter is read before the first byte: a bad one is a 422 naming it, never a
    # 200 whose file stops after the header row.
    filters = backlog.BacklogFilters.from_args(request.args, actor=actor)
    base_url = current_settings().base_url

    def body() -> Iterator[bytes]:
        # Flask tears the request down (closing its session) before a streamed body is read,
        # so the download reads through a session of its own, closed when the body ends.
        with (
            session_scope() as session,
            backlog.export_rows(session, actor=actor, filters=filters) as rows,
        ):
            yield b""  # the query has run
            for chunk in csv_export.export_lines(rows, base_url=base_url):
                yield chunk.encode("utf-8")

    chunks = body()
    next(chunks)  # run the query now, while a failure can still be an error page
    filename = f"backlog-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # the rows depend on who asked
        },
    )


@bp.get("/matrix")
@requires(Permission.VIEW_SUGGESTIONS)
def matrix_page() -> str:
    area = str(request.args.get("area") or "").strip()[:80]
    framework = current_settings().scoring.framework
    found = matrix.build(get_session(), actor=_actor(), framework=framework, area=area)
    return render_template(
        "backlog/matrix.html",
        matrix=found,
        area=area,
        areas=_areas(),
        max_dots=matrix.MAX_DOTS,
        format_input=score_inputs.format_input,
    )


@bp.get("/suggestions/import/template.csv")
@requires(Permission.SUBMIT_SUGGESTIONS)
def import_template() -> Response:
    return Response(
        csv_import.template_csv().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="suggestions-template.csv"'},
    )


@bp.route("/suggestions/import", methods=["GET", "POST"])
@requires(Permission.SUBMIT_SUGGESTIONS)
def import_csv() -> tuple[str, int]:
    form = ImportForm()
    if not form.is_submitted():
        return _import_page(form)
    if not form.validate():
        return _import_page(form, status=422)
    text, filename = _uploaded_text(form)
    if text is None:
        return _import_page(form, status=422)
    try:
        csv_file = csv_import.parse(text)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        form.csv_text.data = ""
        return _import_page(form, status=422)
    session = get_session()
    if request.form.get("action") != "import":
        report = csv_import.ImportReport(
            csv_import.check(csv_file, areas=_areas()), csv_file.ignored_columns, committed=False
        )
        return _import_page(form, report=report, text=text, filename=filename, dry_run=True)
    mode = csv_import.ImportMode(form.mode.data or csv_import.ImportMode.ALL_OR_NOTHING)
    report = csv_import.import_rows(
        session, actor=_actor(), csv_file=csv_file, areas=_areas(), mode=mode
    )
    if not report.committed:
        return _import_page(form, report=report, text=text, filename=filename, status=422)
    flash(f"Imported {report.imported} suggestion(s) from {filename}.", "success")
    return _import_page(ImportForm(formdata=None), report=report)


def _uploaded_text(form: ImportForm) -> tuple[str | None, str]:
    """The CSV text and its file name: a new upload wins over the copy kept from a dry run."""
    upload = form.file.data
    if upload is not None and upload.filename:
        # The name goes back in a hidden field: one the input guard would refuse is not kept.
        filename = "the file" if has_control(upload.filename) else upload.filename
        try:
            return csv_import.decode(upload.read()), filename
        except ValidationFailed as exc:
            apply_errors(form, exc)
            return None, filename
    if form.csv_text.data:
        return str(form.csv_text.data), str(form.filename.data or "the file")
    form.file.errors = [*form.file.errors, "Choose a CSV file to upload."]
    return None, ""


def _import_page(
    form: ImportForm,
    *,
    report: csv_import.ImportReport | None = None,
    text: str = "",
    filename: str = "",
    dry_run: bool = False,
    status: int = 200,
) -> tuple[str, int]:
    limit = current_app.config.get("MAX_FORM_MEMORY_SIZE") or 0
    kept = bool(text) and (not limit or len(text.encode("utf-8")) <= limit - _FORM_MARGIN)
    form.csv_text.data = text if kept else ""
    form.filename.data = filename if kept else ""
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "dry_run": dry_run,
        "filename": filename,
        "kept": kept,
        "too_big_to_keep": bool(text) and not kept,
        "columns": csv_import.FIELDS,
        "required": csv_import.REQUIRED,
        "areas": _areas(),
        "max_rows": csv_import.MAX_ROWS,
    }
    return render_template("backlog/import.html", **context), status
