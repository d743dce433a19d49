"""`tracker benefits measure [--all]`: the scheduler's pass now, under its lease."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Flask

from sync.jobs.benefits import BENEFIT_JOB
from tests.helpers.benefits import delivered_idea
from tests.helpers.kpis import make_queue, put_values
from tracker import db
from tracker.models import Benefit, BenefitState, Role, User
from tracker.services import leases


def _delivered_on_a_queue_with_data(app: Flask, author: User) -> int:
    queue = make_queue(app, "Spam appeals")
    start, delivered = date(2026, 3, 1), date(2026, 6, 1)
    days = [start + timedelta(days=n) for n in range(200)]
    solved = {
        d: (300.0 if d.weekday() < 5 else 100.0) * (0.8 if d >= delivered else 1) for d in days
    }
    put_values(app, queue.id, "manual_solved", solved)
    put_values(app, queue.id, "aht_minutes", dict.fromkeys(days, 6.0))
    with db.session_scope(app) as session:
        idea = delivered_idea(session, author=author, queue_id=queue.id, delivered_on=delivered)
        assert idea.id is not None
        return idea.id


def _state(app: Flask, suggestion_id: int) -> str | None:
    with db.session_scope(app) as session:
        row = session.get(Benefit, suggestion_id)
        return row.state if row is not None else None


def test_measure_does_the_due_ideas_then_nothing_until_more_are_due(
    app: Flask, tracker: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    idea = _delivered_on_a_queue_with_data(app, make_user(Role.SUBMITTER))
    first = tracker("benefits", "measure")
    assert "Measured 1 idea(s) of 1 due" in first.output
    assert _state(app, idea) == BenefitState.MEASURED.value
    again = tracker("benefits", "measure")
    assert "Measured 0 idea(s) of 0 due" in again.output
    every = tracker("benefits", "measure", "--all")
    assert "Measured 1 idea(s) of 1 due" in every.output


def test_measure_is_not_doubled_beside_the_scheduler(
    app: Flask, tracker: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    idea = _delivered_on_a_queue_with_data(app, make_user(Role.SUBMITTER))
    with db.session_scope(app) as session:
        assert leases.acquire(
            session, name=BENEFIT_JOB, owner="scheduler-elsewhere", lease=timedelta(minutes=5)
        )
    result = tracker("benefits", "measure", expect=1)
    assert "being refreshed elsewhere" in result.output
    assert _state(app, idea) is None
