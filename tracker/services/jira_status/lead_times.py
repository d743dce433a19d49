"""Lead times of ideas between their steps: submitted -> decided -> in Jira -> done.

The rule, chosen so that a weekly figure is stable and means the same every week:

- Each step pair counts the suggestions (in the digest's scope) whose *later* step happened in
  the WINDOW_DAYS before the end of the period, whatever the period's own length. A week holds
  too few decisions for a median to mean much, and a trailing window moves smoothly from one
  digest to the next.
- The timestamps are the suggestion's own: created_at, decided_at (the latest decision: accepted,
  declined, parked or merged; reopening an idea clears it), in_jira_at (first story pushed) and
  delivered_at (all stories done). A pair with its earlier step missing or later than the later
  one (data repaired by hand) is left out.
- Median and 90th percentile use linear interpolation between the closest ranks (what
  spreadsheets call PERCENTILE.INC and PostgreSQL percentile_cont), in days with one decimal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tracker.models import Suggestion

WINDOW_DAYS = 90

# name -> (earlier step, later step)
STEPS: dict[str, tuple[Any, Any]] = {
    "submitted_to_decided": (col(Suggestion.created_at), col(Suggestion.decided_at)),
    "decided_to_in_jira": (col(Suggestion.decided_at), col(Suggestion.in_jira_at)),
    "in_jira_to_done": (col(Suggestion.in_jira_at), col(Suggestion.delivered_at)),
    "submitted_to_done": (col(Suggestion.created_at), col(Suggestion.delivered_at)),
}


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The value at `fraction` (0-1) of sorted values, interpolating between closest ranks."""
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stat(days: Sequence[float]) -> dict[str, Any]:
    """{"count", "median_days", "p90_days"}; the figures are None when there is nothing to count."""
    ordered = sorted(days)
    if not ordered:
        return {"count": 0, "median_days": None, "p90_days": None}
    return {
        "count": len(ordered),
        "median_days": round(percentile(ordered, 0.5), 1),
        "p90_days": round(percentile(ordered, 0.9), 1),
    }


def days_between(session: Session, earlier: Any, later: Any) -> ColumnElement[float]:
    """`later - earlier` in (fractional) days, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC timestamps as text; julianday() reads that format.
        return cast(func.julianday(later) - func.julianday(earlier), Float)
    return cast(func.extract("epoch", later - earlier) / 86400.0, Float)


def lead_times(
    session: Session, *, scope: ColumnElement[bool], period_end: datetime
) -> dict[str, dict[str, Any]]:
    """One Stat per step pair (see the module docstring), from one pass over the suggestions.

    Only the durations of the trailing window travel to Python, at most four floats per idea.
    """
    since = period_end - timedelta(days=WINDOW_DAYS)

    def counted(later: Any) -> ColumnElement[bool]:
        return and_(later >= since, later < period_end)

    durations = [
        case(
            (
                and_(counted(later), earlier.is_not(None), later >= earlier),
                days_between(session, earlier, later),
            ),
            else_=None,
        )
        for earlier, later in STEPS.values()
    ]
    laters = {later for _, later in STEPS.values()}
    found: dict[str, list[float]] = {name: [] for name in STEPS}
    rows = session.execute(
        sa_select(*durations).where(scope, or_(*(counted(later) for later in laters)))
    ).all()
    for row in rows:
        for name, days in zip(STEPS, row, strict=True):
            if days is not None:
                found[name].append(float(days))
    return {name: stat(days) for name, days in found.items()}
