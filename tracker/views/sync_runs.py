"""Admin page of the Jira status sync: recent runs, how the sync stands, and buttons to run one.

A run started here goes to a background thread under the scheduler job's lease (through the
Jira port, sync/pull/manual.py), so the page answers at once and never runs beside a scheduled
sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import SyncKind, SyncRun, utcnow
from tracker.pagination import requested_page
from tracker.permissions import Permission, requires
from tracker.services import jira_sites, ports
from tracker.services.jira_status import sync_runs

bp = Blueprint("sync_runs", __name__, url_prefix="/admin/sync")

KIND_LABELS = {SyncKind.INCREMENTAL.value: "Incremental", SyncKind.FULL.value: "Full reconcile"}
# The state's badge: a succeeded run looks like other finished work, an interrupted one failed.
STATE_BADGES = {"succeeded": "done", "running": "running", "failed": "failed"}


@dataclass(frozen=True)
class RunRow:
    run: SyncRun
    kind: str
    duration: str
    state: str

    @property
    def badge(self) -> str:
        return STATE_BADGES.get(self.state, "failed")


def _duration(run: SyncRun) -> str:
    seconds = sync_runs.duration_seconds(run)
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _row(run: SyncRun, holders: Sequence[sync_runs.LeaseHolder]) -> RunRow:
    kind = KIND_LABELS.get(run.kind, run.kind)
    return RunRow(run, kind, _duration(run), sync_runs.shown_state(run, holders))


@bp.get("")
@requires(Permission.MANAGE_USERS)
def index() -> str:
    session = get_session()
    number, size = requested_page()
    page = sync_runs.recent_runs(session, page=number, per_page=size)
    moment = utcnow()
    settings = current_settings()
    overview = sync_runs.overview(session, now=moment)
    return render_template(
        "admin/sync.html",
        page=page,
        rows=[_row(run, overview.holders) for run in page.items],
        overview=overview,
        next_due=sync_runs.next_due(session, sync=settings.sync, now=moment),
        scheduled=ports.jira(current_app).sync_enabled(),
        configured=bool(settings.jira.base_url),
        site_notes=jira_sites.site_notes(session, base_url=settings.jira.base_url),
    )


@bp.post("/run")
@requires(Permission.MANAGE_USERS)
def start() -> Response:
    jira = ports.jira(current_app)
    try:
        kind = SyncKind(request.form.get("kind", ""))
    except ValueError:
        flash("Choose an incremental sync or a full reconcile.", "error")
        return redirect(url_for("sync_runs.index"))
    reason = jira.sync_refusal(kind)
    if reason:
        flash(reason, "error")
        return redirect(url_for("sync_runs.index"))
    jira.start_sync(kind=kind, owner=jira.worker_name("web"))
    label = "A full reconcile" if kind is SyncKind.FULL else "A sync"
    flash(f"{label} has started; reload the page to see how it went.", "success")
    return redirect(url_for("sync_runs.index"))
