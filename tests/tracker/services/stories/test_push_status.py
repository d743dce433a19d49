"""One truth about a push and each story in it: a push that finished with an error is stopped,
not done; stories it left behind are "Not pushed" with its reason; a paused push says whether
it resumes by itself (a scheduler beat recently) or how to resume it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import db
from tracker.models import JiraLink, JobState, PushJob, PushState
from tracker.services import heartbeats
from tracker.services.stories import push_status

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
HOW = "To resume it, run `tracker jira push --resume` or start `tracker scheduler`."


def job(**values) -> PushJob:
    values.setdefault("id", 7)
    values.setdefault("created_at", NOW - timedelta(minutes=10))
    return PushJob(**values)


def link(state: PushState, **values) -> JiraLink:
    return JiraLink(id=3, story_id=5, label="trk-main-s5", state=state.value, job_id=7, **values)


def test_a_push_that_finished_with_an_error_is_stopped_not_done():
    stopped = job(state=JobState.DONE.value, last_error="Jira is not configured.")
    status = push_status.job_status(stopped, now=NOW, scheduler_seen=True)
    assert (status.key, status.text, status.finished) == (
        "stopped", "Stopped: Jira is not configured.", True
    )  # fmt: skip
    clean = push_status.job_status(job(state=JobState.DONE.value), now=NOW, scheduler_seen=True)
    assert (clean.key, clean.text, clean.badge) == ("done", "Done", "done")


@pytest.mark.parametrize(
    ("seen", "sentence"),
    [(True, "The push resumes automatically."), (False, HOW)],
    ids=["scheduler-alive", "no-scheduler"],
)
def test_a_paused_push_says_whether_and_how_it_resumes(seen, sentence):
    paused = job(
        state=JobState.RUNNING.value,
        lease_owner="sched-web1-1",
        lease_until=NOW - timedelta(seconds=5),
        last_error="Jira did not answer; the push is paused.",
    )
    status = push_status.job_status(paused, now=NOW, scheduler_seen=seen)
    assert status.key == "paused"
    assert status.text == f"Paused: Jira did not answer; the push is paused. {sentence}"
    assert (status.holder, status.until) == ("sched-web1-1", NOW - timedelta(seconds=5))


def test_a_killed_worker_leaves_a_paused_push_with_a_reason():
    killed = job(state=JobState.RUNNING.value, lease_owner="cli-web1-9", lease_until=NOW)
    status = push_status.job_status(killed, now=NOW, scheduler_seen=False)
    assert status.text == (
        f"Paused: its worker stopped before finishing (its lease ran out). {HOW}"
    )


def test_a_live_lease_is_running_and_names_its_holder():
    running = job(
        state=JobState.RUNNING.value, lease_owner="cli-web1-9", lease_until=NOW + timedelta(1)
    )
    status = push_status.job_status(running, now=NOW, scheduler_seen=False)
    assert (status.key, status.holder, status.resume, status.live) == (
        "running", "cli-web1-9", "", True
    )  # fmt: skip


def test_a_waiting_push_tells_how_to_resume_only_once_the_worker_is_late():
    fresh = job(state=JobState.QUEUED.value, created_at=NOW - timedelta(seconds=5))
    late = job(state=JobState.QUEUED.value, created_at=NOW - timedelta(minutes=5))
    assert push_status.job_status(fresh, now=NOW, scheduler_seen=False).resume == ""
    assert push_status.job_status(late, now=NOW, scheduler_seen=False).text == (
        f"Waiting for a worker {HOW}"
    )


def test_stories_left_in_a_stopped_push_are_not_pushed_with_its_reason():
    stopped = job(state=JobState.DONE.value, last_error="Jira is not configured.")
    queued = push_status.link_status(link(PushState.QUEUED), stopped, now=NOW)
    assert (queued.key, queued.text, queued.pushable) == (
        "not_pushed", "Not pushed: Jira is not configured.", True
    )  # fmt: skip
    unsure = push_status.link_status(link(PushState.SENDING), stopped, now=NOW)
    assert (unsure.label, unsure.pushable) == ("Unconfirmed", True)


def test_stories_of_an_unfinished_push_wait_and_sending_ones_are_held_only_by_a_live_lease():
    live = job(state=JobState.RUNNING.value, lease_owner="w", lease_until=NOW + timedelta(1))
    gone = job(state=JobState.RUNNING.value, lease_owner="w", lease_until=NOW - timedelta(1))
    assert push_status.link_status(link(PushState.QUEUED), gone, now=NOW).text == "Waiting"
    held = push_status.link_status(link(PushState.SENDING), live, now=NOW)
    assert (held.label, held.pushable) == ("Sending", False)
    free = push_status.link_status(link(PushState.SENDING), gone, now=NOW)
    assert (free.label, free.pushable) == ("Unconfirmed", True)
    pushed = push_status.link_status(link(PushState.PUSHED), live, now=NOW)
    assert (pushed.label, pushed.pushable) == ("In Jira", False)
    failed = push_status.link_status(
        link(PushState.FAILED, last_error="Priority Showstopper is unknown."), gone, now=NOW
    )
    assert failed.text == "Failed: Priority Showstopper is unknown."


def test_job_statuses_read_the_heartbeat_once(app):
    with db.session_scope(app) as session:
        paused = job(
            id=None, state=JobState.RUNNING.value, lease_owner="w", lease_until=NOW - timedelta(1)
        )
        session.add(paused)
        session.flush()
        assert paused.id is not None
        found = push_status.job_statuses(session, jobs=[paused], now=NOW)[paused.id]
        assert found.resume == HOW
        heartbeats.record_beat(session, owner="sched-web1-1", now=NOW - timedelta(seconds=20))
        found = push_status.job_statuses(session, jobs=[paused], now=NOW)[paused.id]
        assert found.resume == "The push resumes automatically."


def test_a_lease_left_by_a_worker_known_idle_is_a_pause():
    left = job(
        state=JobState.RUNNING.value,
        lease_owner="cli-web1-9",
        lease_until=NOW + timedelta(seconds=50),
        last_error="Jira did not answer; the push is paused.",
    )
    assert push_status.job_status(left, now=NOW, scheduler_seen=True).key == "running"
    mine = push_status.job_status(left, now=NOW, scheduler_seen=True, idle_owner="cli-web1-9")
    assert (mine.key, mine.until) == ("paused", NOW + timedelta(seconds=50))
    assert mine.text.endswith("the push is paused. The push resumes automatically.")
