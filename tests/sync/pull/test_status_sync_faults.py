"""Jira trouble during a status sync, both flavours: the run fails cleanly with the reason in one
sentence, keeps what it applied, the next run asks again from the last success so nothing is
lost, and the scheduled job backs off after failures (with the fake's clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from sync.pull.status_sync import scheduled_full, scheduled_incremental
from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tests.helpers.push_world import PushWorld
from tests.helpers.sync_world import SyncWorld
from tracker import db
from tracker.models import DeliveryState, Status, SyncKind
from tracker.services.jira_status.sync_runs import backoff_until, next_due

MARGIN = timedelta(minutes=10)


@contextmanager
def refused_credentials(fake: FakeJira) -> Iterator[None]:
    """As if the token the tracker holds was revoked in Jira."""
    token, pat = fake.api_token, fake.pat
    fake.api_token, fake.pat = "revoked", "revoked"
    try:
        yield
    finally:
        fake.api_token, fake.pat = token, pat


@contextmanager
def fault(fake: FakeJira, kind: str, **opts: Any) -> Iterator[None]:
    fake.faults.add("*", r"/search(/jql)?$", kind, times=None, **opts)
    try:
        yield
    finally:
        fake.faults.clear()


TROUBLE: dict[str, tuple[Callable[[FakeJira], Any], str]] = {
    "401": (refused_credentials, "Jira refused the credentials: check jira."),
    "403": (lambda f: fault(f, "403"), "The Jira account is not allowed to do POST /rest/api/"),
    "429": (
        lambda f: fault(f, "429", retry_after=2),
        "Jira is limiting the tracker's requests; try again in 2 seconds.",
    ),
    "500": (lambda f: fault(f, "500"), "Jira failed with HTTP 500 on POST /rest/api/"),
    "malformed": (
        lambda f: fault(f, "malformed_json"),
        "with something that is not the JSON expected; check jira.base_url",
    ),
}


def baseline(sw: SyncWorld, count: int = 2) -> list[int]:
    """Stories pushed and synced once (successfully) at T0 + 30 min."""
    story_ids = sw.pushed(count)
    sw.fake.advance(minutes=30)
    assert sw.sync().state == "succeeded"
    return story_ids


@pytest.mark.parametrize("trouble", list(TROUBLE))
def test_a_failed_run_records_why_and_the_next_one_catches_up(sw: SyncWorld, trouble: str) -> None:
    first, second = baseline(sw)
    since = sw.fake.now - MARGIN
    sw.fake.advance(minutes=2)
    sw.fake.transition(sw.key(first), "Done")
    done_at = sw.fake.now
    sw.fake.advance(minutes=5)
    make_trouble, reason = TROUBLE[trouble]

    with make_trouble(sw.fake):
        failed = sw.sync()

    assert failed.state == "failed"
    assert reason in failed.error
    assert "\n" not in failed.error
    assert (failed.checked, failed.changed, failed.events) == (0, 0, 0)
    assert sw.link(first).delivery_state == DeliveryState.TODO
    recorded = sw.runs()[-1]
    assert (recorded.state, recorded.error, recorded.calls) == (
        "failed",
        failed.error,
        failed.calls,
    )
    assert recorded.finished_at == sw.fake.now
    assert recorded.window_start == since

    sw.fake.advance(minutes=5)
    caught_up = sw.sync()

    assert (caught_up.state, caught_up.error) == ("succeeded", "")
    assert sw.runs()[-1].window_start == since  # from the last success, not the failure
    assert sw.link(first).delivery_state == DeliveryState.DONE
    assert [(e.to_status, e.changed_at) for e in sw.events(first)] == [("Done", done_at)]
    assert sw.status_of(first) == Status.DELIVERED
    assert sw.link(second).delivery_state == DeliveryState.TODO


def test_retries_are_what_the_client_allows(sw: SyncWorld) -> None:
    baseline(sw)
    sw.push.waits.clear()
    sw.fake.advance(minutes=5)
    searches_before = sw.search_calls()

    with fault(sw.fake, "500"):
        failed = sw.sync()

    assert failed.state == "failed"
    assert sw.search_calls() - searches_before == 5  # jira.max_attempts: searches are reads
    assert len(sw.push.waits) == 4


def test_a_rate_limit_honours_retry_after_and_the_run_succeeds(sw: SyncWorld) -> None:
    [story_id] = baseline(sw, 1)
    sw.fake.transition(sw.key(story_id), "In Progress")
    sw.fake.advance(minutes=5)
    sw.push.waits.clear()
    sw.fake.faults.add("POST", r"/search(/jql)?$", "429", times=1, retry_after=3)
    searches_before = sw.search_calls()

    summary = sw.sync()

    assert (summary.state, summary.checked, summary.changed) == ("succeeded", 1, 1)
    assert sw.search_calls() - searches_before == 2
    [wait] = sw.push.waits
    assert 3 <= wait <= 3.75  # Retry-After plus at most a quarter of jitter
    assert sw.link(story_id).delivery_state == DeliveryState.IN_PROGRESS


def test_unreachable_jira_fails_the_run_and_the_next_catches_up(
    sw: SyncWorld, make_app: Callable[..., Flask], database_url: str
) -> None:
    [story_id] = baseline(sw, 1)
    since = sw.fake.now - MARGIN
    sw.fake.transition(sw.key(story_id), "In Progress")
    sw.fake.advance(minutes=5)
    sw.fake.stop()

    failed = sw.sync()

    assert failed.state == "failed"
    assert "could not be reached (connection refused or unknown host)" in failed.error
    assert sw.runs()[-1].error == failed.error

    sw.fake.start()  # back, on a new port: point the tracker at it
    back = SyncWorld(
        PushWorld(make_app(database_url, jira=jira_config(sw.fake)), sw.fake, sw.push.pm)
    )
    sw.fake.advance(minutes=5)
    caught_up = back.sync()

    assert (caught_up.state, caught_up.checked) == ("succeeded", 1)
    assert back.runs()[-1].window_start == since
    assert back.link(story_id).delivery_state == DeliveryState.IN_PROGRESS


@pytest.mark.parametrize("sync_overrides", [{"batch_size": 2}])
def test_pages_applied_before_a_failure_stay_applied(sw: SyncWorld) -> None:
    story_ids = baseline(sw, 5)
    since = sw.fake.now - MARGIN
    for story_id in story_ids:
        sw.fake.transition(sw.key(story_id), "In Progress")
    sw.fake.advance(minutes=5)
    sw.fake.faults.add("POST", r"/search(/jql)?$", "malformed_json", after=1)

    failed = sw.sync()

    assert (failed.state, failed.checked, failed.changed) == ("failed", 2, 2)
    assert sw.runs()[-1].checked == 2
    states = [sw.link(i).delivery_state for i in story_ids]
    assert states == [DeliveryState.IN_PROGRESS] * 2 + [DeliveryState.TODO] * 3

    sw.fake.advance(minutes=5)
    caught_up = sw.sync()

    assert (caught_up.state, caught_up.checked) == ("succeeded", 5)
    assert sw.runs()[-1].window_start == since
    assert {sw.link(i).delivery_state for i in story_ids} == {DeliveryState.IN_PROGRESS}
    assert all(len(sw.events(i)) == 1 for i in story_ids)  # nothing recorded twice


def test_the_scheduled_sync_backs_off_after_failures(sw: SyncWorld) -> None:
    baseline(sw, 1)
    app = sw.push.app
    settings = app.config["SETTINGS"]
    options: dict[str, Any] = {"client_factory": sw.push.client, "now": lambda: sw.fake.now}

    def tick(minutes: float) -> int:
        """Advance the clock, let the scheduler fire, return how many runs exist."""
        sw.fake.advance(minutes=minutes)
        scheduled_incremental(app, **options)
        return len(sw.runs())

    def due() -> tuple[Any, Any]:
        with db.session_scope(app) as session:
            return (
                backoff_until(session, sync=settings.sync),
                next_due(session, sync=settings.sync, now=sw.fake.now),
            )

    assert due() == (None, sw.runs()[-1].started_at + timedelta(minutes=5))
    sw.fake.faults.add("*", r"/search(/jql)?$", "500", times=None)

    assert tick(5) == 2  # fails: 1 in a row, wait 5 x 2 = 10 min
    failed_at = sw.runs()[-1].started_at
    assert due() == (failed_at + timedelta(minutes=10), failed_at + timedelta(minutes=10))
    assert tick(5) == 2  # skipped
    assert tick(4.75) == 3  # a tick up to 30 s early still runs; 2 in a row: 20 min
    failed_at = sw.runs()[-1].started_at
    assert due()[0] == failed_at + timedelta(minutes=20)
    assert tick(15) == 3
    assert tick(5) == 4  # 3 in a row: 40 min
    assert tick(35) == 4
    assert tick(5) == 5  # 4 in a row: 80 min, capped at sync.max_backoff_minutes = 60
    failed_at = sw.runs()[-1].started_at
    assert due()[0] == failed_at + timedelta(minutes=60)
    assert tick(55) == 5

    scheduled_full(app, **options)  # the daily reconcile does not wait (and fails too)
    assert len(sw.runs()) == 6
    assert (sw.runs()[-1].kind, sw.runs()[-1].state) == (SyncKind.FULL, "failed")
    sw.fake.faults.clear()

    assert tick(30) == 6  # still backing off from the reconcile's failure
    assert tick(30) == 7
    latest = sw.runs()[-1]
    assert (latest.kind, latest.state) == (SyncKind.INCREMENTAL, "succeeded")
    assert due() == (None, latest.started_at + timedelta(minutes=5))


def test_nul_in_jira_names_is_dropped_and_the_run_succeeds(sw: SyncWorld) -> None:
    """Someone typed a NUL into a status and an assignee name in Jira; PostgreSQL refuses NUL
    in text, so the sync keeps the names without it rather than failing every run."""
    (story,) = sw.pushed(1)
    sw.fake.advance(minutes=5)
    sw.fake.transition(sw.key(story), "Rea\x00dy for QA", category="In Progress")

    summary = sw.sync(SyncKind.FULL)

    assert summary.state == "succeeded", summary.error
    link = sw.link(story)
    assert link.status_name == "Ready for QA"
    assert link.delivery_state == DeliveryState.IN_PROGRESS
