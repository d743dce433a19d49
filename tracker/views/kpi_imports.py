"""The KPI CSV import page: upload a file, check it with a dry run or load it, see the report."""

from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice

from tracker.config import current_settings
from tracker.db import get_session, keep_changes
from tracker.errors import ValidationFailed
from tracker.inputs import has_control
from tracker.models import User
from tracker.permissions import Permission, requires
from tracker.services.kpis import csv_format, ingest, metrics
from tracker.views.forms import apply_errors

bp = Blueprint("kpi_imports", __name__, url_prefix="/kpis")

MODES = (
    SelectChoice("all", "All rows or nothing: if any row is rejected, store none"),
    SelectChoice("valid", "Only valid rows: store the good rows and list the rest"),
)
# Rejected rows listed on the page; the count above the table is always exact.
SHOWN_REJECTIONS = 500


class KpiImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField("CSV file")
    mode = RadioField("If a row is rejected", choices=MODES, default="all")
    dry_run = BooleanField("Dry run: check and count only, store nothing")


@bp.route("/import", methods=["GET", "POST"])
@requires(Permission.INGEST_KPIS)
def import_csv() -> tuple[str, int]:
    form = KpiImportForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    upload = form.file.data
    if upload is None or not upload.filename:
        form.file.errors = [*form.file.errors, "Choose a CSV file to upload."]
        return _page(form, status=422)
    settings = current_settings()
    actor: User = current_user._get_current_object()
    try:
        report = csv_format.load_csv(
            get_session(),
            data=upload.read(),
            settings=settings,
            actor=actor,
            mode="valid" if form.mode.data == "valid" else "all",
            dry_run=bool(form.dry_run.data),
            source=upload.filename[:60] if not has_control(upload.filename) else "",
        )
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _page(form, status=422)
    if not report.applied and not report.dry_run:
        keep_changes()  # nothing of the rows was stored; the load's record stays
        return _page(form, report=report, status=422)
    if report.applied:
        flash(
            f"Loaded {report.taken:,} value(s): {report.inserted:,} new, "
            f"{report.updated:,} changed, {report.unchanged:,} already stored.",
            "success",
        )
    return _page(form, report=report)


def _page(
    form: KpiImportForm, *, report: ingest.LoadReport | None = None, status: int = 200
) -> tuple[str, int]:
    settings = current_settings()
    return (
        render_template(
            "kpis/import.html",
            form=form,
            report=report,
            shown=SHOWN_REJECTIONS,
            metrics=list(metrics.registry(settings).values()),
            derived=metrics.INPUTS,
            upload_kib=settings.security.max_request_bytes // 1024,
        ),
        status,
    )
