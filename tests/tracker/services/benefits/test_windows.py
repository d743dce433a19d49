"""Which dates a measurement compares, and which deliveries are measured together."""

from __future__ import annotations

from datetime import date, timedelta

from tracker.benefit_settings import BenefitSettings
from tracker.services.benefits.windows import Delivery, group, span_of, work_start

RULES = BenefitSettings()


def _delivery(ident: int, on: date, *, pushed: date | None = None, expected: float | None = 10):
    return Delivery(ident, 1, on, work_start(on, pushed, RULES), expected)


def test_work_starts_at_the_first_push_or_lead_weeks_before_a_delivery_by_hand() -> None:
    on = date(2026, 6, 1)
    assert work_start(on, date(2026, 4, 20), RULES) == date(2026, 4, 20)
    assert work_start(on, None, RULES) == on - timedelta(weeks=2)
    # A first push dated after delivery (clocks, data repaired by hand) bounds nothing.
    assert work_start(on, date(2026, 7, 1), RULES) == on - timedelta(weeks=2)


def test_windows_are_eight_weeks_before_work_and_eight_after_a_week_of_settling_in() -> None:
    span = span_of([_delivery(1, date(2026, 6, 1))], RULES)
    assert span.pre_start == date(2026, 3, 23)
    assert span.pre_end == date(2026, 5, 18)
    assert span.post_start == date(2026, 6, 8)
    assert span.post_end == date(2026, 8, 3)


def test_deliveries_far_apart_are_measured_alone() -> None:
    first = _delivery(1, date(2026, 1, 5))
    later = _delivery(2, date(2026, 9, 7))
    assert [g.ids for g in group([later, first], RULES)] == [[1], [2]]


def test_a_delivery_inside_anothers_span_joins_its_group_and_they_share_the_change() -> None:
    first = _delivery(1, date(2026, 6, 1), expected=30)
    second = _delivery(2, date(2026, 6, 22), expected=10)
    (together,) = group([first, second], RULES)
    assert together.ids == [1, 2]
    # From before the earliest work start to after the latest delivery has settled.
    assert together.span.pre_end == date(2026, 5, 18)
    assert together.span.post_start == date(2026, 6, 29)
    assert together.shares() == {1: 0.75, 2: 0.25}


def test_a_later_delivery_whose_baseline_holds_an_earlier_one_joins_it() -> None:
    first = _delivery(1, date(2026, 6, 1))
    # Delivered after the first's post window ended, but its pre window reaches back past the
    # first delivery: its baseline would straddle the first change.
    second = _delivery(2, date(2026, 8, 3))
    assert [g.ids for g in group([first, second], RULES)] == [[1, 2]]


def test_shares_are_equal_when_an_expectation_is_missing() -> None:
    first = _delivery(1, date(2026, 6, 1), expected=None)
    second = _delivery(2, date(2026, 6, 8), expected=50)
    (together,) = group([first, second], RULES)
    assert together.shares() == {1: 0.5, 2: 0.5}
