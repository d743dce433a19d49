"""What delivered ideas saved, over the API: one idea's measurement and the portfolio, with the
pages' rule (vendor staff see only their own organisation's benefits; anything else is a 404)."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from tracker.api.common import PAGE_QUERY, bp, page_requested, to_json
from tracker.api.inputs import actor
from tracker.api.openapi import Query, operation
from tracker.api.schemas.benefits import (
    BenefitGroupPublic,
    BenefitHeadline,
    BenefitItemPublic,
    BenefitPortfolioPublic,
    CalibrationPublic,
    SuggestionBenefitPublic,
)
from tracker.api.schemas.planning import BenefitTotalPublic, page_fields
from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import BenefitState, Suggestion
from tracker.permissions import Permission, requires
from tracker.services.benefits import calibration, portfolio, reads

TAG = "benefits"
_TEXT = {"type": "string", "maxLength": portfolio.AREA_MAX}
_QUERY: dict[str, Query | str] = {
    "area": Query("Only ideas of this area", _TEXT),
    "organisation": Query(
        "'internal' or a vendor organisation's id",
        {"type": "string", "pattern": r"^(internal|[0-9]{1,10})$"},
    ),
    "quarter": Query(
        "Only ideas delivered in this quarter, YYYY-Qn",
        {"type": "string", "pattern": r"^[0-9]{4}-Q[1-4]$"},
    ),
    "state": Query(
        "Only ideas in this measurement state",
        {"type": "string", "enum": [state.value for state in BenefitState]},
    ),
    **PAGE_QUERY,
}


@bp.get("/suggestions/<int:suggestion_id>/benefit")
@requires(Permission.VIEW_BENEFITS)
@operation(
    "What a delivered idea saved, with its interval; 404 when the idea or its benefit is not "
    "shared with the caller",
    response=SuggestionBenefitPublic,
    tag=TAG,
)
def suggestion_benefit(suggestion_id: int) -> Response:
    session = get_session()
    benefit = reads.benefit_of(session, actor=actor(), suggestion_id=suggestion_id)
    suggestion = session.get(Suggestion, suggestion_id)
    assert suggestion is not None  # benefit_of raised NotFound otherwise
    return to_json(SuggestionBenefitPublic.model_validate(reads.as_json(suggestion, benefit)))


@bp.get("/benefits")
@requires(Permission.VIEW_BENEFITS)
@operation(
    "The portfolio of delivered ideas: agent hours saved in total and by area, organisation, "
    "initiative and quarter, and a page of the ideas",
    response=BenefitPortfolioPublic,
    query=_QUERY,
    tag=TAG,
)
def benefit_portfolio() -> Response:
    filters = portfolio.PortfolioFilters.from_args(request.args)
    page, per_page = page_requested()
    settings = current_settings()
    found = portfolio.portfolio(
        get_session(),
        actor=actor(),
        filters=filters,
        page=page,
        per_page=per_page,
        confidence=settings.benefits.confidence,
    )
    table = calibration.table(get_session(), viewer=actor(), settings=settings)
    return to_json(
        BenefitPortfolioPublic(
            **page_fields(found.page),
            totals=BenefitHeadline(
                ideas=found.ideas,
                states=dict(found.states),
                confidence=found.confidence,
                hours=BenefitTotalPublic.of(found.total),
                other_metrics=found.other_metrics,
            ),
            by_area=[BenefitGroupPublic.of(g) for g in found.by_area],
            by_organisation=[BenefitGroupPublic.of(g) for g in found.by_organisation],
            by_initiative=[BenefitGroupPublic.of(g) for g in found.by_initiative],
            by_quarter=[BenefitGroupPublic.of(g) for g in found.by_quarter],
            items=[BenefitItemPublic.of(row) for row in found.page.items],
            filters=filters.as_args(),
            calibration=[CalibrationPublic.of(row) for row in table.by_source + table.by_area],
        )
    )
