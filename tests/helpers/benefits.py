"""Delivered ideas and their measurements for tests, written straight through the models as
services/benefits/measure.py and a delivery leave them (no KPI data or estimator needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from tracker.models import Benefit, BenefitState, Status, Suggestion, User

DELIVERED_ON = date(2026, 3, 2)


def delivered_idea(
    session: Session,
    *,
    author: User,
    title: str = "Macro for refund requests",
    area: str = "Other",
    queue_id: int | None = None,
    queue: str = "",
    delivered_on: date = DELIVERED_ON,
    **fields: Any,
) -> Suggestion:
    """A delivered suggestion by `author` (their organisation's), flushed so it has an id.
    `fields` set any other Suggestion column (initiative_id, confidential, expected_benefit...)."""
    values: dict[str, Any] = {
        "title": title,
        "problem": "Agents type the same answer many times a day.",
        "proposed_change": "Add a canned macro.",
        "area": area,
        "queue_id": queue_id,
        "queue": queue,
        "submitter_id": author.id,
        "organisation_id": author.organisation_id,
        "status": Status.DELIVERED,
        "delivered_at": datetime.combine(delivered_on, datetime.min.time(), tzinfo=UTC),
    }
    values.update(fields)
    suggestion = Suggestion(**values)
    session.add(suggestion)
    session.flush()
    return suggestion


def put_benefit(session: Session, suggestion: Suggestion, **fields: Any) -> Benefit:
    """Store (or replace) the suggestion's measurement. Unless `fields` say otherwise: measured
    on its queue by difference-in-differences, 60 h/week (95% CI 40 to 80) against 90 expected,
    after 8 of 8 weeks, delivered when the suggestion was."""
    assert suggestion.id is not None
    delivered = suggestion.delivered_at.date() if suggestion.delivered_at else DELIVERED_ON
    values: dict[str, Any] = {
        "suggestion_id": suggestion.id,
        "queue_id": suggestion.queue_id,
        "state": BenefitState.MEASURED.value,
        "metric": "agent_hours",
        "unit": "hours",
        "expected": 90.0,
        "measured": 60.0,
        "ci_low": 40.0,
        "ci_high": 80.0,
        "method": "difference-in-differences",
        "pre_weeks": 8,
        "post_weeks": 8,
        "post_weeks_target": 8,
        "delivered_on": delivered,
        "settled_at": datetime.now(UTC),
    }
    values.update(fields)
    if isinstance(values["state"], BenefitState):
        values["state"] = values["state"].value
    final = (BenefitState.MEASURED.value, BenefitState.INCONCLUSIVE.value)
    if values["state"] not in final and "settled_at" not in fields:
        values["settled_at"] = None
    existing = session.get(Benefit, suggestion.id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    benefit = Benefit(**values)
    session.add(benefit)
    session.flush()
    return benefit
