"""/roadmap: now / next / later columns of initiatives and ideas, filtered by area, and the same
roadmap as Markdown. The columns are services/roadmap's; this module only translates HTTP."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import User, utcnow
from tracker.permissions import Permission, requires
from tracker.services.roadmap import board, export
from tracker.views.downloads import private_download

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")


def _roadmap() -> board.Roadmap:
    """The viewer's roadmap under the query string's filters; a bad area is a 422 naming it."""
    settings = current_settings()
    filters = board.RoadmapFilters.from_args(request.args, areas=settings.suggestions.areas)
    viewer: User = current_user._get_current_object()
    return board.roadmap(
        get_session(), viewer=viewer, filters=filters, sync=settings.sync, now=utcnow()
    )


@bp.get("")
@requires(Permission.VIEW_SUGGESTIONS)
def index() -> str:
    found = _roadmap()
    settings = current_settings()
    return render_template(
        "roadmap/index.html",
        roadmap=found,
        areas=settings.suggestions.areas,
        permalink=export.permalink(settings.base_url, found),
        idea_facts=export.idea_facts,
        later_note=export.later_note(found),
        Column=board.Column,
    )


@bp.get("/export.md")
@requires(Permission.VIEW_SUGGESTIONS)
def export_markdown() -> Response:
    found = _roadmap()
    body = export.markdown(found, base_url=current_settings().base_url)
    return private_download(
        body, mimetype="text/markdown", filename=f"roadmap-{utcnow():%Y-%m-%d}.md"
    )
