"""Admin page of KPI loads: every CSV import, API call and warehouse pull with its counts,
errors and rejected rows; the configured warehouse sources with a "Pull now" button each.

A pull started here runs in a background thread under the scheduler job's lease (through the
KPI pull port, sync/jobs/kpi_pull_now.py), so the page answers at once and never runs a pull
beside a scheduled one of the same source.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import NotFound
from tracker.models import LoadChannel, utcnow
from tracker.pagination import requested_page
from tracker.permissions import Permission, requires
from tracker.services import ports
from tracker.services.kpis import loads

bp = Blueprint("kpi_loads", __name__, url_prefix="/admin/kpis")

CHANNEL_LABELS = {
    LoadChannel.CSV.value: "CSV file",
    LoadChannel.API.value: "API",
    LoadChannel.PULL.value: "Warehouse pull",
}
# The state's badge, in the classes the sync and push pages use.
STATE_BADGES = {"succeeded": "done", "running": "running", "failed": "failed", "dry_run": "draft"}
STATE_LABELS = {
    "succeeded": "Succeeded",
    "running": "Running",
    "failed": "Failed",
    "dry_run": "Dry run",
}


@bp.get("")
@requires(Permission.INGEST_KPIS)
def index() -> str:
    session = get_session()
    number, size = requested_page()
    settings = current_settings()
    return render_template(
        "kpis/loads.html",
        page=loads.recent_loads(session, page=number, per_page=size),
        sources=loads.source_statuses(
            session,
            sources=settings.kpis.sources,
            scheduled=settings.scheduler.enabled,
            now=utcnow(),
        ),
        channels=CHANNEL_LABELS,
        badges=STATE_BADGES,
        states=STATE_LABELS,
    )


@bp.post("/pull/<name>")
@requires(Permission.INGEST_KPIS)
def pull(name: str) -> Response:
    if name not in current_settings().kpis.sources:
        raise NotFound("No KPI source has this name; the sources are set in [kpis.sources].")
    port = ports.kpi_pulls(current_app)
    reason = port.kpi_pull_refusal(name)
    if reason:
        flash(reason, "error")
        return redirect(url_for("kpi_loads.index"))
    port.start_kpi_pull(source=name, owner=port.worker_name("web"))
    flash(f"A pull of {name} has started; reload the page to see how it went.", "success")
    return redirect(url_for("kpi_loads.index"))
