"""The home page's "Queues that moved": recent signals of the queues the reader may see, for PMs,
admins and stakeholders, each with a way to start an idea from it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tests.helpers.kpis import make_queue, put_signal
from tests.helpers.pages import text_of
from tracker.models import Role, utcnow


def add_signal(app: Flask, queue_id: int, *, days_ago: int = 1, **fields: object) -> int:
    return put_signal(app, queue_id, detected_at=utcnow() - timedelta(days=days_ago), **fields)


@pytest.fixture
def moved(app: Flask) -> tuple[int, int]:
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    return queue.id, add_signal(app, queue.id)


def test_a_pm_sees_the_queues_that_moved_with_a_start_idea_link(client, login_as, moved):
    queue_id, signal_id = moved
    login_as(Role.PM)

    page = client.get("/").text

    assert "Queues that moved" in page
    assert f'href="/queues/{queue_id}">Spam appeals (EN)</a>' in page
    assert (
        "Spam appeals (EN) : Level shift from 2026-03-02: incoming to agents 1,160.0 → 1,860.0 "
        "tickets a week (+70.0 agent hours a week) worse"
    ) in text_of(page)
    assert f"/suggestions/new?queue_id={queue_id}&amp;signal={signal_id}" in page


def test_one_event_moving_several_metrics_is_told_once(app, client, login_as, moved):
    queue_id, with_hours = moved
    add_signal(app, queue_id, metric="incoming", agent_hours=None, baseline=2000.0, value=2700.0)
    login_as(Role.PM)

    page = client.get("/").text

    assert text_of(page).count("Level shift from 2026-03-02") == 1
    assert "incoming 2,000.0 → 2,700.0 tickets a week; incoming to agents" in text_of(page) or (
        "incoming to agents 1,160.0 → 1,860.0 tickets a week (+70.0 agent hours a week); "
        "incoming 2,000.0" in text_of(page)
    )
    # The idea starts from the move that costs agent hours.
    assert page.count("Start an idea from this") == 1
    assert f"signal={with_hours}" in page


def test_old_signals_and_hidden_queues_are_left_out(app, client, login_as, moved):
    other = make_queue(app, "Refunds", description="")
    assert other.id is not None
    add_signal(app, other.id, days_ago=60, metric="incoming")
    login_as(Role.STAKEHOLDER)

    page = client.get("/").text

    assert "Spam appeals (EN)" in page
    assert "Refunds" not in page  # detected 60 days ago; recent_days is 28


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.VENDOR])
def test_agents_and_vendors_get_no_such_list(client, login_as, moved, role):
    login_as(role)
    assert "Queues that moved" not in client.get("/").text
