"""The digest's "Measured this period": delivered ideas whose benefit settled in the period.

A Benefit row settles when it first reaches measured or inconclusive (Benefit.settled_at); it is
reported in the digest whose period holds that moment, if it is still in one of those states.
Who sees which rows: the digest's scope (submitters' and vendors' digests are about their own
ideas), narrowed by the benefit rule (services/benefits/visibility.py), so a vendor never reads
what another organisation's idea saved, even one it may open. A submitter's section holds the
ideas they submitted, not those they only voted on: what an idea saved is its author's news.

The total line is for PMs and stakeholders: agent hours only, summed with its interval by
services/benefits/totals.combine over every row of the section, listed or not. One query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import Audience, Benefit, BenefitState, Suggestion
from tracker.services.benefits import reads, totals
from tracker.services.benefits.visibility import benefit_clause
from tracker.services.digests.scope import DigestScope
from tracker.services.digests.standing import LIST_LIMIT
from tracker.services.kpis.metrics import AGENT_HOURS

# Whose digests carry the total: the portfolio's and the followed areas' readers.
WITH_TOTAL = (Audience.PM, Audience.STAKEHOLDER)


def section(
    session: Session,
    scope: DigestScope,
    *,
    start: datetime,
    end: datetime,
    settings: Settings,
) -> tuple[list[dict[str, Any]], int, dict[str, Any] | None]:
    """(items, how many settled in all, the total line or None). Items carry the bare
    suggestion id under "suggestion", for digests.refs to swap for its Ref; newest first."""
    where = [
        col(Benefit.settled_at) >= start,
        col(Benefit.settled_at) < end,
        col(Benefit.state).in_(totals.COUNTED),
        scope.suggestions,
        benefit_clause(scope.viewer),
    ]
    if scope.audience is Audience.SUBMITTER:
        where.append(col(Suggestion.submitter_id) == scope.viewer.id)
    rows = session.exec(
        select(Benefit)
        .join(Suggestion, col(Suggestion.id) == col(Benefit.suggestion_id))
        .where(and_(*where))
        .order_by(col(Benefit.settled_at).desc(), col(Benefit.suggestion_id).desc())
    ).all()
    items = [_item(row) for row in rows[:LIST_LIMIT]]
    total = None
    if scope.audience in WITH_TOTAL:
        total = _total(rows, settings.benefits.confidence)
    return items, len(rows), total


def _item(row: Benefit) -> dict[str, Any]:
    settled = row.settled_at or row.computed_at
    return {
        "suggestion": row.suggestion_id,
        "state": row.state,
        "state_label": BenefitState(row.state).label,
        "summary": reads.describe(row),
        "metric": row.metric,
        "expected": _rounded(row.expected),
        "measured": _rounded(row.measured),
        "ci_low": _rounded(row.ci_low),
        "ci_high": _rounded(row.ci_high),
        "shared": bool(row.shared_with),
        "at": settled.astimezone(UTC).isoformat(),
    }


def _total(rows: Sequence[Benefit], confidence: float) -> dict[str, Any] | None:
    found = totals.combine(row for row in rows if row.metric == AGENT_HOURS)
    if found is None:
        return None
    return {
        "measured": _rounded(found.measured),
        "low": _rounded(found.low),
        "high": _rounded(found.high),
        "expected": _rounded(found.expected),
        "counted": found.counted,
        "expected_missing": found.expected_missing,
        "spans_zero": found.spans_zero,
        "confidence": confidence,
        "text": total_text(found, confidence),
    }


def total_text(found: totals.Total, confidence: float) -> str:
    """ "5 ideas measured 120 h/week, 95% CI 80 to 160 (expected 150 h/week)"."""
    ideas = f"{found.counted} idea{'' if found.counted == 1 else 's'}"
    said = (
        f"{ideas} measured {reads.figure(found.measured)} h/week, {round(confidence * 100)}% CI "
        f"{reads.figure(found.low)} to {reads.figure(found.high)}"
    )
    if found.counted > found.expected_missing:
        said += f" (expected {reads.figure(found.expected)} h/week"
        if found.expected_missing:
            said += f"; {found.expected_missing} without an estimate"
        said += ")"
    return said


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
