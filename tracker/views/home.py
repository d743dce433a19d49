"""The signed-in landing page and the health check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text

from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import Role, utcnow
from tracker.permissions import Permission, allowed, public, requires
from tracker.services.kpis import signal_queries

bp = Blueprint("home", __name__)

HOME_SIGNALS = 10


@bp.get("/")
@requires(Permission.VIEW_WORKSPACE)
def index() -> str:
    # "Queues that moved": for those who triage ideas, and stakeholders who follow outcomes.
    moved = []
    if allowed(current_user, Permission.TRIAGE) or current_user.role == Role.STAKEHOLDER:
        settings = current_settings()
        moved = signal_queries.recent_signals(
            get_session(),
            actor=current_user,
            settings=settings,
            since=utcnow() - timedelta(days=settings.kpis.signals.recent_days),
            limit=HOME_SIGNALS * 6,  # one event moves several metrics at once
        )
    events = signal_queries.grouped(moved, limit=HOME_SIGNALS)
    return render_template("home/index.html", moved=events, change=signal_queries.change)


@bp.get("/healthz")
@public
def health() -> tuple[dict[str, Any], int]:
    try:
        get_session().exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:  # any database failure means "not ready"
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
