"""`tracker jira push` after the worker was killed (kill -9): a push whose lease ran out no
longer blocks, the new push takes its stories over and the CLI finishes it; `--resume` runs
the unfinished pushes without queueing anything; only a live lease blocks, naming its holder."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import select

from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config, jobs, story_label
from tests.helpers.stories import ready_draft
from tracker import db
from tracker.models import JiraLink, JobState, PushJob, Role, User, utcnow
from tracker.services import heartbeats
from tracker.services.accounts import users
from tracker.services.stories import push_execution, push_queue

HOW = "To resume it, run `tracker jira push --resume` or start `tracker scheduler`."


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    return make_app(database_url, jira=jira_config(fake))


def invoke(app: Flask, *args: str, expect: int) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == expect, result.output
    return result.output


def killed_push(app: Flask, pm: User, draft_id: int, *, lease_left: timedelta) -> int:
    """A push whose worker marked the story SENDING and was then killed; its lease has
    `lease_left` to run (negative: it ran out already)."""
    with db.session_scope(app) as session:
        job = push_queue.request_push(
            session,
            actor=users.get_user(session, pm.id or 0),
            story_ids=[draft_id],
            site_id=app.config["SETTINGS"].jira.site_id,
            jira_url=app.config["SETTINGS"].jira.base_url,
        )
        assert job.id is not None
        job_id = job.id
    with db.session_scope(app) as session:
        lease = timedelta(minutes=5)
        claimed = push_execution.claim_job(
            session, owner="cli-web1-4242", lease=lease, now=utcnow() - lease + lease_left
        )
        assert claimed is not None
        assert claimed.id == job_id
        links = list(push_execution.pending_links(session, job_id=job_id))
        push_execution.mark_sending(session, links=links)
    return job_id


def stored_job(app: Flask, job_id: int) -> PushJob:
    with db.session_scope(app) as session:
        job = session.get(PushJob, job_id)
        assert job is not None
        return job


def test_after_kill_9_a_new_push_takes_the_story_over_and_finishes_it(app, make_user, fake):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    old = killed_push(app, pm, draft_id, lease_left=timedelta(seconds=-1))
    # The killed worker's create had reached Jira after all.
    made = fake.add_issue("Route scam appeals to the specialists", labels=[story_label(draft_id)])

    output = invoke(app, "jira", "push", "--as", pm.email, "--story", str(draft_id), expect=0)

    assert "still running" not in output
    assert re.search(rf"{made.key}\s+story #{draft_id} '", output), output
    assert "1 pushed, 0 failed, 0 still waiting." in output
    assert len(fake.issues()) == 1, "the label search found it: no duplicate"
    finished = stored_job(app, old)
    assert (finished.state, finished.last_error) == (JobState.DONE, ""), "left with nothing to do"
    assert all(job.state == JobState.DONE for job in jobs(app))


def test_a_live_lease_blocks_and_the_cli_says_who_holds_it_until_when(app, make_user, fake):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    old = killed_push(app, pm, draft_id, lease_left=timedelta(minutes=3))
    until = stored_job(app, old).lease_until
    assert until is not None

    output = invoke(app, "jira", "push", "--as", pm.email, "--story", str(draft_id), expect=1)

    assert (
        f"A push of story #{draft_id} is still running (push #{old}, held by cli-web1-4242 "
        f"until {until.strftime('%Y-%m-%d %H:%M:%S')} UTC); wait for it to finish."
    ) in output
    assert [job.id for job in jobs(app)] == [old]
    assert fake.issues() == []


def test_resume_runs_the_unfinished_pushes_and_reports_each(app, make_user, fake):
    pm = make_user(Role.PM)
    first = ready_draft(app, pm, "Route scam appeals to the specialists")
    second = ready_draft(app, pm, "Auto-close duplicate refund tickets")
    old = killed_push(app, pm, first, lease_left=timedelta(seconds=-1))
    with db.session_scope(app) as session:
        waiting = push_queue.request_push(
            session,
            actor=users.get_user(session, pm.id or 0),
            story_ids=[second],
            site_id="t1",
            jira_url="x",
        )
        waiting_id = waiting.id

    output = invoke(app, "jira", "push", "--resume", expect=0)

    assert "Resuming 2 unfinished pushes." in output
    assert f"Push #{old}:" in output
    assert f"Push #{waiting_id}:" in output
    assert re.search(rf"OPS-\d+\s+story #{first} 'Route scam", output), output
    assert re.search(rf"OPS-\d+\s+story #{second} 'Auto-close", output), output
    assert len(fake.issues()) == 2
    assert "queued." not in output, "--resume queues nothing"


def test_resume_with_nothing_unfinished_says_so(app):
    assert invoke(app, "jira", "push", "--resume", expect=0) == (
        "No push is unfinished; nothing to resume.\n"
    )


def test_resume_leaves_a_push_someone_holds_and_says_until_when(app, make_user, fake):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    old = killed_push(app, pm, draft_id, lease_left=timedelta(minutes=3))

    output = invoke(app, "jira", "push", "--resume", expect=1)

    assert re.search(
        rf"Push #{old}: held by cli-web1-4242 until \d{{4}}-\d\d-\d\d \d\d:\d\d", output
    )
    assert fake.issues() == []


def test_resume_takes_nothing_new_to_push(app):
    output = invoke(app, "jira", "push", "--resume", "--all-ready", expect=2)
    assert "--resume queues nothing new" in output


def test_a_paused_push_the_cli_could_not_finish_says_how_it_resumes(app, make_user, monkeypatch):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")

    # Jira keeps failing: the worker pauses the job as sync/push/worker.py does (its lease
    # kept a minute longer, so the scheduler retries later) and returns.
    def pausing(flask_app, *, owner, progress=None, **_):
        with db.session_scope(flask_app) as session:
            job = push_execution.claim_job(session, owner=owner, lease=timedelta(minutes=5))
            if job is None:
                return 0  # still leased from the first run: nothing to claim yet
            push_execution.renew_lease(session, job=job, owner=owner, lease=timedelta(minutes=1))
            job.last_error = "Jira did not answer within 30 seconds; the push is paused."
            session.add(job)
        return 1

    monkeypatch.setattr("tracker.cli.jira.run_pending_jobs", pausing)

    output = invoke(app, "jira", "push", "--as", pm.email, "--story", str(draft_id), expect=1)

    assert f"the push is paused. {HOW}" in output
    assert f"WAITING      story #{draft_id}" in output
    assert "0 pushed, 0 failed, 1 still waiting." in output

    with db.session_scope(app) as session:
        heartbeats.record_beat(session, owner="sched-web1-1")
    again = invoke(app, "jira", "push", "--resume", expect=1)
    assert "the push is paused. The push resumes automatically." in again
    assert HOW not in again


def test_without_jira_push_and_resume_refuse_and_queue_nothing(make_app, database_url, make_user):
    app = make_app(database_url)
    pm = make_user(Role.PM)
    ready_draft(app, pm, "Route scam appeals to the specialists")

    for args in (["--as", pm.email, "--all-ready"], ["--resume"]):
        output = invoke(app, "jira", "push", *args, expect=1)
        assert "Jira is not configured: an admin sets jira.base_url" in output
    assert jobs(app) == []
    with db.session_scope(app) as session:
        assert session.exec(select(JiraLink)).all() == []
