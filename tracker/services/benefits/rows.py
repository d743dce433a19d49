"""Benefit rows written from a group's measurement: figures as this idea's share, the windows,
and the before/after chart's weeks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlmodel import Session

from tracker.models import Benefit, BenefitState, Suggestion
from tracker.models.benefits import FINAL_STATES
from tracker.services.benefits import estimator
from tracker.services.benefits.windows import Delivery, Group, Span
from tracker.services.kpis.metrics import AGENT_HOURS, Metric


@dataclass
class Outcome:
    """One group's measurement, as improvements of the whole group."""

    state: BenefitState
    reason: str = ""
    method: str = ""
    change: float | None = None
    low: float | None = None
    high: float | None = None
    pre_weeks: int = 0
    post_weeks: int = 0
    chart: dict[str, Any] = field(default_factory=dict)
    controls: list[int] = field(default_factory=list)


def expected_of(suggestion: Suggestion) -> float | None:
    """The improvement a week the idea promised: its own figure, or for agent hours the hours
    saved its evidence works out to."""
    if suggestion.expected_benefit is not None:
        return suggestion.expected_benefit
    if (suggestion.benefit_metric or AGENT_HOURS) == AGENT_HOURS:
        return suggestion.hours_saved_per_week
    return None


def chart_of(
    treated: np.ndarray, span: Span, metric: Metric, result: estimator.Estimate | None
) -> dict[str, Any]:
    """The before/after chart's weeks (see Benefit.chart): 7-day blocks from the start of each
    part of the span, each the weekday-balanced level of its days with data."""
    weeks: list[str] = []
    values: list[float | None] = []
    phases: list[str] = []
    parts = (
        ("pre", span.pre_start, span.pre_end),
        ("gap", span.pre_end, span.post_start),
        ("post", span.post_start, span.post_end),
    )
    for phase, start, end in parts:
        day = start
        while day < end:
            stop = min(day + timedelta(days=7), end)
            block = treated[(day - span.pre_start).days : (stop - span.pre_start).days]
            present = block[~np.isnan(block)]
            level: float | None = None
            if len(present) >= 3:
                level = float(present.mean() * (7 if metric.aggregate == "sum" else 1))
            weeks.append(day.isoformat())
            values.append(None if level is None else round(level, 3))
            phases.append(phase)
            day = stop
    chart: dict[str, Any] = {"weeks": weeks, "values": values, "phase": phases}
    if result is not None:
        chart.update(
            pre_level=round(result.pre_level, 3),
            post_level=round(result.post_level, 3),
            counterfactual=round(result.counterfactual, 3),
        )
    return chart


def store(
    existing: dict[int, Benefit],
    session: Session,
    idea: Suggestion,
    outcome: Outcome,
    *,
    now: datetime,
    metric: Metric | None = None,
    group: Group | None = None,
    share: float = 1.0,
    delivery: Delivery | None = None,
    confidence: float = 0.95,
    delivered_on: date | None = None,  # when there is no `delivery` (no queue, no metric)
) -> None:
    assert idea.id is not None
    row = existing.get(idea.id)
    if row is None:
        row = Benefit(suggestion_id=idea.id)
        existing[idea.id] = row
    settled = outcome.state in FINAL_STATES
    row.queue_id = idea.queue_id
    row.metric = metric.name if metric else (idea.benefit_metric or AGENT_HOURS)
    row.unit = metric.unit if metric else "hours"
    row.expected = expected_of(idea)
    row.state = outcome.state.value
    row.reason = outcome.reason
    row.method = outcome.method
    row.measured = None if outcome.change is None else outcome.change * share
    row.ci_low = None if outcome.low is None else outcome.low * share
    row.ci_high = None if outcome.high is None else outcome.high * share
    row.group_measured = outcome.change if group and len(group.deliveries) > 1 else None
    row.pre_weeks, row.post_weeks = outcome.pre_weeks, outcome.post_weeks
    row.control_queue_ids = list(outcome.controls)
    row.chart = {**outcome.chart, "confidence": confidence} if outcome.chart else {}
    row.share = share
    row.shared_with = [i for i in group.ids if i != idea.id] if group else []
    if delivery is not None and group is not None:
        span = group.span
        row.work_started, row.delivered_on = delivery.work_started, delivery.delivered_on
        row.pre_start, row.pre_end = span.pre_start, span.pre_end
        row.post_start, row.post_end = span.post_start, span.post_end
        row.post_weeks_target = (span.post_end - span.post_start).days // 7
    else:
        row.delivered_on = delivered_on
    row.stale = False
    row.computed_at = now
    row.settled_at = (row.settled_at or now) if settled else None
    session.add(row)
