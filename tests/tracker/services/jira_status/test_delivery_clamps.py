"""Jira's clock is not ours: a status time taken from Jira is clamped to at most the sync's
`now` and never before the idea's submission, for status events, status_since and the idea's
delivered_at; the digest's lead times then count the clamped times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import true
from sqlmodel import select

from tests.helpers.delivery import T0, Seeded, apply, done, seed, snap
from tracker import db
from tracker.models import JiraLink, Role, Status, StatusEvent, Suggestion, User
from tracker.services.jira_status import lead_times

SUBMITTED = T0 - timedelta(days=10)
SYNC_NOW = T0 + timedelta(days=1)


@pytest.fixture
def submitter(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUBMITTER)


def submitted_at(app: Flask, seeded: Seeded, moment: datetime) -> None:
    with db.session_scope(app) as session:
        suggestion = session.get(Suggestion, seeded.suggestion_id)
        assert suggestion is not None
        suggestion.created_at = moment
        session.add(suggestion)


def state_of(app: Flask, seeded: Seeded) -> tuple[Suggestion, JiraLink, list[StatusEvent]]:
    with db.session_scope(app) as session:
        suggestion = session.get(Suggestion, seeded.suggestion_id)
        link = session.get(JiraLink, seeded.stories[0].link_id)
        assert suggestion is not None
        assert link is not None
        events = list(session.exec(select(StatusEvent).where(StatusEvent.link_id == link.id)))
        return suggestion, link, events


def a_seeded_idea(app: Flask, author_id: int) -> Seeded:
    seeded = seed(app, author_id, points=(3,), status_name="In Progress")
    submitted_at(app, seeded, SUBMITTED)
    return seeded


def test_a_done_time_after_the_sync_is_the_syncs_now(app, submitter):
    seeded = a_seeded_idea(app, submitter.id)
    ahead = SYNC_NOW + timedelta(hours=3)  # Jira's clock runs ahead (or names no zone)

    apply(app, [done(seeded.stories[0], at=ahead)], now=SYNC_NOW)

    suggestion, link, [event] = state_of(app, seeded)
    assert suggestion.status is Status.DELIVERED
    assert suggestion.delivered_at == SYNC_NOW
    assert link.status_since == SYNC_NOW
    assert event.changed_at == SYNC_NOW


def test_a_done_time_before_the_submission_is_the_submission(app, submitter):
    seeded = a_seeded_idea(app, submitter.id)
    early = SUBMITTED - timedelta(days=2)

    apply(app, [done(seeded.stories[0], at=early)], now=SYNC_NOW)

    suggestion, link, [event] = state_of(app, seeded)
    assert suggestion.delivered_at == SUBMITTED
    assert link.status_since == SUBMITTED
    assert event.changed_at == SUBMITTED


def test_a_change_without_its_history_is_clamped_too(app, submitter):
    seeded = a_seeded_idea(app, submitter.id)
    story = seeded.stories[0]

    apply(app, [snap(story, "Done", "done", updated=SYNC_NOW + timedelta(days=2))], now=SYNC_NOW)

    suggestion, link, [event] = state_of(app, seeded)
    assert (event.changed_at, link.status_since, suggestion.delivered_at) == (SYNC_NOW,) * 3


def test_a_future_dated_change_seen_again_keeps_its_time_and_is_no_change(app, submitter):
    seeded = a_seeded_idea(app, submitter.id)
    snapshot = done(seeded.stories[0], at=SYNC_NOW + timedelta(hours=3))
    apply(app, [snapshot], now=SYNC_NOW)

    again = apply(app, [snapshot], now=SYNC_NOW + timedelta(minutes=5))

    assert (again.checked, again.recorded, again.changed, again.events) == (1, 0, 0, 0)
    _, link, _ = state_of(app, seeded)
    assert link.status_since == SYNC_NOW


def test_times_within_bounds_are_jiras_own(app, submitter):
    seeded = a_seeded_idea(app, submitter.id)
    at = T0 + timedelta(hours=5)
    apply(app, [done(seeded.stories[0], at=at)], now=SYNC_NOW)
    suggestion, link, [event] = state_of(app, seeded)
    assert (event.changed_at, link.status_since, suggestion.delivered_at) == (at, at, at)


def test_the_digests_lead_times_count_the_clamped_times(app, submitter):
    early = a_seeded_idea(app, submitter.id)
    ahead = a_seeded_idea(app, submitter.id)
    apply(app, [done(early.stories[0], at=SUBMITTED - timedelta(days=2))], now=SYNC_NOW)
    apply(app, [done(ahead.stories[0], at=SYNC_NOW + timedelta(days=30))], now=SYNC_NOW)

    with db.session_scope(app) as session:
        found = lead_times.lead_times(
            session, scope=true(), period_end=SYNC_NOW + timedelta(seconds=1)
        )

    # Unclamped, one would be left out (done before submitted) and the other not yet counted
    # (done after the period's end); clamped, they took 0 and 11 days.
    assert found["submitted_to_done"] == {"count": 2, "median_days": 5.5, "p90_days": 9.9}
