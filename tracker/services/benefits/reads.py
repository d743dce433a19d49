"""Reading measurements: one idea's, in words and as JSON, with the benefit visibility rule."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from tracker.errors import NotFound
from tracker.models import Benefit, BenefitState, Status, Suggestion, User
from tracker.services.benefits.visibility import can_see_benefit
from tracker.services.kpis.metrics import AGENT_HOURS

NOT_DELIVERED = "not_delivered"
_HIDDEN = "Suggestion {id} does not exist or its benefit is not shared with you."


def figure(value: float | None) -> str:
    """A weekly figure as people read it: whole numbers from 10 up, one decimal below."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def per_week(benefit: Benefit) -> str:
    return "h/week" if benefit.metric == AGENT_HOURS else f"{benefit.unit or 'units'}/week"


def describe(benefit: Benefit) -> str:
    """The one sentence a PM reads, such as "expected 90 h/week; measured 62 h/week, 95% CI 41
    to 83, after 8 weeks"."""
    unit = per_week(benefit)
    expected = f"expected {figure(benefit.expected)} {unit}" if benefit.expected is not None else ""
    state = BenefitState(benefit.state)
    if state is BenefitState.WAITING:
        done = f"measuring, {benefit.post_weeks} of {benefit.post_weeks_target} weeks"
        return f"{expected}; {done}" if expected else done.capitalize()
    if state is BenefitState.NOT_MEASURABLE:
        told = f"not measurable: {benefit.reason}"
        return f"{expected}; {told}" if expected else told.capitalize()
    measured = (
        f"measured {figure(benefit.measured)} {unit}, "
        f"{round(_level(benefit) * 100)}% CI {figure(benefit.ci_low)} to {figure(benefit.ci_high)}"
        f", after {benefit.post_weeks} weeks"
    )
    if state is BenefitState.INCONCLUSIVE:
        measured += " (inconclusive: the interval spans zero)"
    return f"{expected}; {measured}" if expected else measured.capitalize()


def _level(benefit: Benefit) -> float:
    level = benefit.chart.get("confidence") if benefit.chart else None
    return float(level) if isinstance(level, int | float) else 0.95


def benefit_of(session: Session, *, actor: User, suggestion_id: int) -> Benefit | None:
    """The idea's measurement (None when it has none yet); NotFound when the idea is not
    visible to the actor or its benefit is another vendor organisation's."""
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None or not can_see_benefit(actor, suggestion):
        raise NotFound(_HIDDEN.format(id=suggestion_id))
    return session.get(Benefit, suggestion_id)


def as_json(suggestion: Suggestion, benefit: Benefit | None) -> dict[str, Any]:
    """GET /api/v1/suggestions/{id}/benefit. The *_hours_per_week figures are set when the
    metric is agent hours; `expected`/`measured` carry any metric in its own unit."""
    if benefit is None:
        delivered = suggestion.status is Status.DELIVERED
        return {
            "status": BenefitState.WAITING.value if delivered else NOT_DELIVERED,
            "expected_hours_per_week": _hours(suggestion.hours_saved_per_week),
            "measured_hours_per_week": None,
            "ci_low": None,
            "ci_high": None,
            "method": None,
            "pre_weeks": 0,
            "post_weeks": 0,
            "metric": suggestion.benefit_metric or AGENT_HOURS,
            "reason": (
                "Delivered; the first measurement runs shortly."
                if delivered
                else "Not delivered yet: it is measured once it is."
            ),
        }
    hours = benefit.metric == AGENT_HOURS
    return {
        "status": benefit.state,
        "expected_hours_per_week": _hours(benefit.expected) if hours else None,
        "measured_hours_per_week": _hours(benefit.measured) if hours else None,
        "ci_low": _hours(benefit.ci_low),
        "ci_high": _hours(benefit.ci_high),
        "method": benefit.method or None,
        "pre_weeks": benefit.pre_weeks,
        "post_weeks": benefit.post_weeks,
        "post_weeks_target": benefit.post_weeks_target,
        "metric": benefit.metric,
        "unit": benefit.unit,
        "expected": _hours(benefit.expected),
        "measured": _hours(benefit.measured),
        "reason": benefit.reason,
        "summary": describe(benefit),
        "delivered_on": benefit.delivered_on.isoformat() if benefit.delivered_on else None,
        "work_started": benefit.work_started.isoformat() if benefit.work_started else None,
        "control_queues": len(benefit.control_queue_ids),
        "shared_with": list(benefit.shared_with),
        "share": benefit.share,
        "computed_at": benefit.computed_at.isoformat(),
    }


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
