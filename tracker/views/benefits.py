"""/benefits: what delivered ideas saved, in total and by area, organisation, initiative and
quarter, with CSV and Markdown exports of the same filters. The portfolio is
services/benefits/portfolio.py's; this module only translates HTTP."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import User, utcnow
from tracker.pagination import requested_page
from tracker.permissions import Permission, requires
from tracker.services.benefits import calibration, portfolio, portfolio_exports
from tracker.services.benefits.reads import figure
from tracker.views.downloads import private_download

bp = Blueprint("benefits", __name__, url_prefix="/benefits")

PER_PAGE = 50


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _portfolio(page: int = 1, per_page: int = PER_PAGE) -> portfolio.Portfolio:
    """The viewer's portfolio under the query string's filters; a bad filter is a 422 page
    naming it, before any row is read."""
    filters = portfolio.PortfolioFilters.from_args(request.args)
    settings = current_settings()
    return portfolio.portfolio(
        get_session(),
        actor=_actor(),
        filters=filters,
        page=page,
        per_page=per_page,
        confidence=settings.benefits.confidence,
        areas=settings.suggestions.areas,
    )


def _download(body: str, mimetype: str, extension: str) -> Response:
    return private_download(
        body, mimetype=mimetype, filename=f"benefits-{utcnow():%Y-%m-%d}.{extension}"
    )


@bp.get("")
@requires(Permission.VIEW_BENEFITS)
def index() -> str:
    page, per_page = requested_page(PER_PAGE)
    found = _portfolio(page, per_page)
    return render_template(
        "benefits/index.html",
        found=found,
        calibration=calibration.table(get_session(), viewer=_actor(), settings=current_settings()),
        filters=found.filters,
        figure=figure,
        total_words=portfolio_exports.total_words,
        quarter_label=portfolio.quarter_label,
        internal=portfolio.INTERNAL,
    )


@bp.get("/export.csv")
@requires(Permission.VIEW_BENEFITS)
def export_csv() -> Response:
    found = _portfolio()
    body = portfolio_exports.csv_text(found, base_url=current_settings().base_url)
    return _download(body, "text/csv", "csv")


@bp.get("/export.md")
@requires(Permission.VIEW_BENEFITS)
def export_markdown() -> Response:
    found = _portfolio()
    body = portfolio_exports.markdown(found, base_url=current_settings().base_url)
    return _download(body, "text/markdown", "md")
