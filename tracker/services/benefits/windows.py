"""The dates a measurement compares, and which deliveries must be measured together.

One delivery: work starts at the first push to Jira, or `lead_weeks` before the delivery date
for ideas delivered outside Jira. The pre window is the `pre_weeks` before work started (the
queue as it was, before anyone changed anything); the post window starts `settle_weeks` after
delivery (people learn a new macro or process) and lasts `post_weeks`. Days between the windows
belong to neither.

Deliveries on one queue whose spans overlap cannot be told apart: any delivery strictly inside
another's span (after its pre window began, before its post window ended) changes what that one
compares. Such deliveries form a group, measured once from before the earliest work start to
after the latest delivery, and the change is shared between them (never counted twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.benefit_settings import BenefitSettings


@dataclass(frozen=True)
class Delivery:
    suggestion_id: int
    queue_id: int
    delivered_on: date
    work_started: date
    expected: float | None


@dataclass(frozen=True)
class Span:
    pre_start: date
    pre_end: date  # exclusive: the earliest work start
    post_start: date
    post_end: date  # exclusive

    def holds(self, day: date) -> bool:
        """Whether a delivery on `day` changes what this span compares."""
        return self.pre_start < day < self.post_end


@dataclass(frozen=True)
class Group:
    deliveries: tuple[Delivery, ...]
    span: Span

    @property
    def ids(self) -> list[int]:
        return [delivery.suggestion_id for delivery in self.deliveries]

    def shares(self) -> dict[int, float]:
        """Each delivery's part of the measured change: by expected improvement when every
        member has one above zero, else equal parts."""
        expected = [delivery.expected for delivery in self.deliveries]
        if all(value is not None and value > 0 for value in expected):
            total = sum(value or 0.0 for value in expected)
            return {
                delivery.suggestion_id: (delivery.expected or 0.0) / total
                for delivery in self.deliveries
            }
        return {delivery.suggestion_id: 1 / len(self.deliveries) for delivery in self.deliveries}


def work_start(delivered_on: date, first_push: date | None, settings: BenefitSettings) -> date:
    if first_push is not None and first_push <= delivered_on:
        return first_push
    return delivered_on - timedelta(weeks=settings.lead_weeks)


def span_of(deliveries: Sequence[Delivery], settings: BenefitSettings) -> Span:
    started = min(delivery.work_started for delivery in deliveries)
    last = max(delivery.delivered_on for delivery in deliveries)
    post_start = last + timedelta(weeks=settings.settle_weeks)
    return Span(
        pre_start=started - timedelta(weeks=settings.pre_weeks),
        pre_end=started,
        post_start=post_start,
        post_end=post_start + timedelta(weeks=settings.post_weeks),
    )


def group(deliveries: Sequence[Delivery], settings: BenefitSettings) -> list[Group]:
    """The deliveries of one queue in groups measured together (most are alone)."""
    ordered = sorted(deliveries, key=lambda d: (d.delivered_on, d.suggestion_id))
    groups: list[list[Delivery]] = []
    for delivery in ordered:
        if groups:
            current = groups[-1]
            span = span_of(current, settings)
            latest = max(member.delivered_on for member in current)
            alone = span_of([delivery], settings)
            if span.holds(delivery.delivered_on) or alone.holds(latest):
                current.append(delivery)
                continue
        groups.append([delivery])
    return [Group(tuple(members), span_of(members, settings)) for members in groups]
