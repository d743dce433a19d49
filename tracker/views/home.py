"""The signed-in landing page and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import text

from tracker.db import get_session
from tracker.permissions import Permission, public, requires

bp = Blueprint("home", __name__)


@bp.get("/")
@requires(Permission.VIEW_WORKSPACE)
def index() -> str:
    return render_template("home/index.html")


@bp.get("/healthz")
@public
def health() -> tuple[dict[str, Any], int]:
    try:
        get_session().exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:  # any database failure means "not ready"
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
