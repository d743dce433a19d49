"""Lead times: linear-interpolation percentiles, and which suggestions a trailing window counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import true

from tracker import db
from tracker.models import Role, Suggestion, User
from tracker.services.jira_status import lead_times
from tracker.services.jira_status.lead_times import percentile, stat


def test_percentile_interpolates_between_the_closest_ranks() -> None:
    assert percentile([7.0], 0.5) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    # Rank (n - 1) x 0.9 = 8.1 of 0..9 lies a tenth of the way from 9 to 100.
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 0.9) == pytest.approx(18.1)
    assert percentile([1.0, 2.0], 1.0) == 2.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_stat_rounds_to_a_tenth_of_a_day_and_is_empty_without_values() -> None:
    assert stat([]) == {"count": 0, "median_days": None, "p90_days": None}
    assert stat([3.04, 1.0, 2.0]) == {"count": 3, "median_days": 2.0, "p90_days": 2.8}
    assert stat([0.333]) == {"count": 1, "median_days": 0.3, "p90_days": 0.3}


END = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_the_window_counts_later_steps_in_the_90_days_before_the_end(
    app: Flask, make_user: Callable[..., User], make_suggestion: Callable[..., Suggestion]
) -> None:
    author = make_user(Role.SUBMITTER)
    window_start = END - timedelta(days=90)
    # (created, decided): days between them, and whether the decision falls in the window.
    cases = [
        (window_start - timedelta(days=3), window_start),  # 3 days, first instant: in
        (END - timedelta(days=2), END - timedelta(microseconds=1)),  # ~2 days, last instant: in
        (END - timedelta(days=9), END),  # decided at the end: the next digest's
        (window_start - timedelta(days=20), window_start - timedelta(seconds=1)),  # before: out
        (END - timedelta(days=1), END - timedelta(days=5)),  # decided before created: out
        (END - timedelta(days=1), None),  # not decided: out
    ]
    ids = [make_suggestion(author, title=f"Idea {n}").id for n in range(len(cases))]
    with db.session_scope(app) as session:
        for suggestion_id, (created, decided) in zip(ids, cases, strict=True):
            suggestion = session.get(Suggestion, suggestion_id)
            assert suggestion is not None
            suggestion.created_at, suggestion.decided_at = created, decided
            session.add(suggestion)
    with db.session_scope(app) as session:
        found = lead_times.lead_times(session, scope=true(), period_end=END)
    assert found["submitted_to_decided"] == {"count": 2, "median_days": 2.5, "p90_days": 2.9}
    assert found["decided_to_in_jira"] == {"count": 0, "median_days": None, "p90_days": None}
