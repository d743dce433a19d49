"""Measuring delivered ideas: windows (windows.py), control queues, the estimate (estimator.py),
and one Benefit row per idea, kept by `refresh`.

Control queues are the other active queues of the idea's area with no delivery anywhere in the
group's span: their data shows what the queue would have done anyway (seasonality, a campaign,
a policy change). Without one the estimator falls back on the queue's own history.

Figures are stored as improvements (positive is better, whichever way the metric runs), each
idea holding its share of its group's change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import Benefit, BenefitState, Queue, Status, Suggestion
from tracker.services.benefits import estimator
from tracker.services.benefits.rows import Outcome, chart_of, expected_of, store
from tracker.services.benefits.windows import Delivery, Group, Span, group, work_start
from tracker.services.kpis import series
from tracker.services.kpis.metrics import AGENT_HOURS, Metric, every_metric


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def _metric_of(suggestion: Suggestion, metrics: dict[str, Metric]) -> Metric | None:
    return metrics.get(suggestion.benefit_metric or AGENT_HOURS)


def refresh(
    session: Session,
    *,
    settings: Settings,
    now: datetime,
    suggestion_ids: Iterable[int] | None = None,
) -> int:
    """Measure these delivered ideas (every delivered idea when None) again, with the other
    deliveries on their queues; drop the rows of ideas no longer delivered. Returns the rows
    written. Flushes, does not commit."""
    wanted = None if suggestion_ids is None else sorted(set(suggestion_ids))
    if wanted == []:
        return 0
    _drop_undelivered(session, wanted)
    ideas = _delivered(session, wanted)
    if not ideas:
        session.flush()
        return 0
    metrics = every_metric(settings)
    today = local_day(now, settings.timezone)
    queue_ids = sorted({idea.queue_id for idea in ideas if idea.queue_id is not None})
    queues = {
        queue.id: queue
        for queue in session.exec(select(Queue).where(col(Queue.id).in_(queue_ids))).all()
    }
    existing = {
        row.suggestion_id: row
        for row in session.exec(
            select(Benefit).where(col(Benefit.suggestion_id).in_([i.id for i in ideas]))
        ).all()
    }
    by_group: dict[tuple[int, str], list[tuple[Suggestion, Delivery]]] = defaultdict(list)
    written = 0
    for idea in ideas:
        metric = _metric_of(idea, metrics)
        queue = queues.get(idea.queue_id) if idea.queue_id is not None else None
        if queue is None or metric is None:
            reason = (
                "it has no queue to measure it on"
                if queue is None
                else f"its metric '{idea.benefit_metric}' is not in the metric registry"
            )
            day = local_day(idea.delivered_at, settings.timezone) if idea.delivered_at else None
            outcome = Outcome(BenefitState.NOT_MEASURABLE, reason)
            store(existing, session, idea, outcome, now=now, delivered_on=day)
            written += 1
            continue
        by_group[(queue.id or 0, metric.name)].append(
            (idea, _delivery(idea, queue.id or 0, settings))
        )
    neighbours = _area_deliveries(session, queues.values(), settings)
    for (queue_id, name), members in sorted(by_group.items()):
        queue, metric = queues[queue_id], metrics[name]
        ideas_by_id = {idea.id: idea for idea, _ in members}
        for found in group([delivery for _, delivery in members], settings.benefits):
            controls = _controls(queue, found.span, neighbours, settings)
            outcome = measure_group(
                session,
                found,
                queue_id=queue_id,
                controls=controls,
                metric=metric,
                settings=settings,
                today=today,
            )
            shares = found.shares()
            for delivery in found.deliveries:
                idea = ideas_by_id[delivery.suggestion_id]
                store(
                    existing,
                    session,
                    idea,
                    outcome,
                    now=now,
                    metric=metric,
                    group=found,
                    share=shares[delivery.suggestion_id],
                    delivery=delivery,
                    confidence=settings.benefits.confidence,
                )
                written += 1
    session.flush()
    return written


def _drop_undelivered(session: Session, wanted: Sequence[int] | None) -> None:
    delivered = select(Suggestion.id).where(
        col(Suggestion.status) == Status.DELIVERED, col(Suggestion.delivered_at).is_not(None)
    )
    query = delete(Benefit).where(col(Benefit.suggestion_id).not_in(delivered))
    if wanted is not None:
        query = query.where(col(Benefit.suggestion_id).in_(wanted))
    session.execute(query.execution_options(synchronize_session=False))


def _delivered(session: Session, wanted: Sequence[int] | None) -> list[Suggestion]:
    """The delivered ideas asked for, and every other delivered idea on their queues (a group
    is measured whole)."""
    delivered = (
        col(Suggestion.status) == Status.DELIVERED,
        col(Suggestion.delivered_at).is_not(None),
    )
    if wanted is None:
        return list(session.exec(select(Suggestion).where(*delivered)).all())
    asked = list(
        session.exec(select(Suggestion).where(col(Suggestion.id).in_(wanted), *delivered)).all()
    )
    queue_ids = sorted({idea.queue_id for idea in asked if idea.queue_id is not None})
    if not queue_ids:
        return asked
    mates = session.exec(
        select(Suggestion).where(col(Suggestion.queue_id).in_(queue_ids), *delivered)
    ).all()
    return list({idea.id: idea for idea in [*asked, *mates]}.values())


def _delivery(idea: Suggestion, queue_id: int, settings: Settings) -> Delivery:
    assert idea.id is not None
    assert idea.delivered_at is not None
    delivered_on = local_day(idea.delivered_at, settings.timezone)
    pushed = local_day(idea.in_jira_at, settings.timezone) if idea.in_jira_at else None
    return Delivery(
        suggestion_id=idea.id,
        queue_id=queue_id,
        delivered_on=delivered_on,
        work_started=work_start(delivered_on, pushed, settings.benefits),
        expected=expected_of(idea),
    )


def _area_deliveries(
    session: Session, queues: Iterable[Queue], settings: Settings
) -> dict[str, dict[int, list[date]]]:
    """For each area of these queues: its active queues and the days each had a delivery."""
    areas = sorted({queue.area for queue in queues if queue.area})
    found: dict[str, dict[int, list[date]]] = {area: {} for area in areas}
    if not areas:
        return found
    for queue_id, area in session.exec(
        select(Queue.id, Queue.area).where(col(Queue.area).in_(areas), col(Queue.active))
    ).all():
        found[area][queue_id or 0] = []
    rows = session.exec(
        select(Suggestion.queue_id, Suggestion.delivered_at, Queue.area)
        .join(Queue, col(Queue.id) == col(Suggestion.queue_id))
        .where(
            col(Queue.area).in_(areas),
            col(Suggestion.status) == Status.DELIVERED,
            col(Suggestion.delivered_at).is_not(None),
        )
    ).all()
    for queue_id, delivered_at, area in rows:
        if queue_id in found[area] and delivered_at is not None:
            found[area][queue_id].append(local_day(delivered_at, settings.timezone))
    return found


def _controls(
    queue: Queue, span: Span, neighbours: dict[str, dict[int, list[date]]], settings: Settings
) -> list[int]:
    if not queue.area or settings.benefits.max_controls == 0:
        return []
    clean = [
        queue_id
        for queue_id, days in sorted(neighbours.get(queue.area, {}).items())
        if queue_id != queue.id and not any(span.holds(day) for day in days)
    ]
    return clean[: settings.benefits.max_controls]


def _days(values: dict[date, float] | None, start: date, count: int) -> np.ndarray:
    series_ = np.full(count, np.nan)
    for day, value in (values or {}).items():
        offset = (day - start).days
        if 0 <= offset < count:
            series_[offset] = value
    return series_


def _covered(days: np.ndarray, window: slice, minimum: float) -> tuple[bool, int]:
    part = days[window]
    present = int(np.count_nonzero(~np.isnan(part)))
    return present >= minimum * len(part), present


def measure_group(
    session: Session,
    found: Group,
    *,
    queue_id: int,
    controls: Sequence[int],
    metric: Metric,
    settings: Settings,
    today: date,
) -> Outcome:
    """One group's measurement (see the module docstring); never raises for lack of data."""
    span, rules = found.span, settings.benefits
    length = (span.post_end - span.pre_start).days
    pre = slice(0, (span.pre_end - span.pre_start).days)
    post = slice((span.post_start - span.pre_start).days, length)
    read_to = min(span.post_end, today) - timedelta(days=1)
    values = series.daily_values(
        session,
        queue_ids=[queue_id, *controls],
        metric=metric,
        start=span.pre_start,
        end=read_to,
    )
    treated = _days(values.get(queue_id), span.pre_start, length)
    if not values.get(queue_id):
        return Outcome(
            BenefitState.NOT_MEASURABLE,
            f"its queue has no {metric.label.lower()} data around the delivery"
            + (
                " (it needs tickets solved by agents and handle time)"
                if metric.name == AGENT_HOURS
                else ""
            ),
        )
    enough, present = _covered(treated, pre, rules.min_coverage)
    pre_weeks = present // 7
    if not enough:
        return Outcome(
            BenefitState.NOT_MEASURABLE,
            f"only {present} of {pre.stop} days of data before work started "
            f"({span.pre_start.isoformat()} to {(span.pre_end - timedelta(days=1)).isoformat()})",
            pre_weeks=pre_weeks,
            chart=chart_of(treated, span, metric, None),
        )
    elapsed = max(0, (today - span.post_start).days)
    if today < span.post_end:
        return Outcome(
            BenefitState.WAITING,
            f"the window after delivery ends on {span.post_end.isoformat()}",
            pre_weeks=pre_weeks,
            post_weeks=min(elapsed // 7, rules.post_weeks),
            chart=chart_of(treated, span, metric, None),
        )
    enough, present_post = _covered(treated, post, rules.min_coverage)
    if not enough:
        return Outcome(
            BenefitState.NOT_MEASURABLE,
            f"only {present_post} of {length - post.start} days of data after delivery "
            f"({span.post_start.isoformat()} to {(span.post_end - timedelta(days=1)).isoformat()})",
            pre_weeks=pre_weeks,
            post_weeks=present_post // 7,
            chart=chart_of(treated, span, metric, None),
        )
    used = [
        queue
        for queue in controls
        if all(
            _covered(_days(values.get(queue), span.pre_start, length), window, rules.min_coverage)[
                0
            ]
            for window in (pre, post)
        )
    ]
    composite = None
    if used:
        composite = np.sum(
            [_days(values.get(queue), span.pre_start, length) for queue in used], axis=0
        )

    def run(control: np.ndarray | None) -> estimator.Estimate:
        return estimator.estimate(
            treated,
            control,
            pre=pre,
            post=post,
            first_weekday=span.pre_start.weekday(),
            aggregate="sum" if metric.aggregate == "sum" else "mean",
            confidence=rules.confidence,
            samples=rules.samples,
            block_days=7 * rules.block_weeks,
            seed=found.ids[0],
        )

    try:
        try:
            result = run(composite)
        except estimator.ControlsUnusable:
            # The controls' data cannot carry a comparison; the queue's own history still can.
            used, result = [], run(None)
    except estimator.NotEstimable as exc:
        return Outcome(
            BenefitState.NOT_MEASURABLE,
            str(exc),
            pre_weeks=pre_weeks,
            post_weeks=present_post // 7,
            chart=chart_of(treated, span, metric, None),
        )
    sign = -1.0 if metric.lower_is_better else 1.0
    change = sign * result.change
    low, high = sorted((sign * result.low, sign * result.high))
    state = BenefitState.INCONCLUSIVE if low <= 0 <= high else BenefitState.MEASURED
    return Outcome(
        state,
        "" if state is BenefitState.MEASURED else "the interval spans zero",
        method=result.method,
        change=change,
        low=low,
        high=high,
        pre_weeks=pre_weeks,
        post_weeks=present_post // 7,
        chart=chart_of(treated, span, metric, result),
        controls=used if result.method == estimator.DID else [],
    )


def delivered_ids(session: Session) -> list[int]:
    """Every delivered idea, ascending (for a full refresh)."""
    found = session.exec(
        select(Suggestion.id)
        .where(
            col(Suggestion.status) == Status.DELIVERED, col(Suggestion.delivered_at).is_not(None)
        )
        .order_by(col(Suggestion.id))
    ).all()
    return [i for i in found if i is not None]
