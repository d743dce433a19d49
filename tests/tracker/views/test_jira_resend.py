"""A story left "sending" (the create may have reached Jira) once its push has stopped: the PM
sees it as unconfirmed and may push it again, and the label search keeps Jira free of a twin.
While its push still runs it stays out of reach."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import col, select

from tests.fakejira import FakeJira
from tests.helpers.client import TrackerClient
from tests.helpers.jira import jira_config, jobs, run_worker
from tests.helpers.pages import text_of
from tests.helpers.stories import ready_draft
from tracker import db
from tracker.models import JiraLink, JobState, PushState, Role
from tracker.services.accounts import users
from tracker.services.stories import push_execution, push_queue

CHECKBOX = 'name="story_ids" value="{}"'


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    return make_app(database_url, jira=jira_config(fake))


def stuck_sending(app: Flask, client: TrackerClient, draft_id: int, *, finished: bool) -> int:
    """Push the draft, then leave its link SENDING as a worker does right before its create
    request; `finished` says whether the job then stopped (its outcome never recorded)."""
    assert client.submit("/jira/push", {"story_ids": [str(draft_id)]}).status_code == 302
    with db.session_scope(app) as session:
        job = push_execution.claim_job(session, owner="worker-1", lease=timedelta(minutes=5))
        assert job is not None
        assert job.id is not None
        link = session.exec(select(JiraLink).where(JiraLink.story_id == draft_id)).one()
        push_execution.mark_sending(session, links=[link])
        if finished:
            push_execution.finish_job(session, job=job, error="Jira's answer was lost.")
        return job.id


def link_of(app: Flask, draft_id: int) -> JiraLink:
    with db.session_scope(app) as session:
        return session.exec(select(JiraLink).where(col(JiraLink.story_id) == draft_id)).one()


def test_a_stopped_sending_story_is_unconfirmed_and_can_be_ticked_again(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    stuck_sending(app, client, draft_id, finished=True)

    listing = client.get("/stories").text
    assert CHECKBOX.format(draft_id) in listing
    assert "Unconfirmed will be checked in Jira before any resend" in text_of(listing)
    detail = client.get(f"/stories/{draft_id}").text
    assert "Unconfirmed will be checked in Jira before any resend" in text_of(detail)
    assert re.search(
        rf'action="/jira/push">\s*<input[^>]+csrf_token[^>]+>\s*'
        rf'<input type="hidden" name="story_ids" value="{draft_id}">',
        detail,
    )
    assert "Push to Jira again" in detail


def test_pushing_an_unconfirmed_story_again_queues_it_and_finds_it_in_jira(
    app, client, login_as, fake: FakeJira
):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    first_job = stuck_sending(app, client, draft_id, finished=True)
    site_id = app.config["SETTINGS"].jira.site_id
    # The lost create had reached Jira after all.
    made = fake.add_issue(
        "Route scam appeals to the specialists",
        labels=[push_queue.story_label(site_id, draft_id)],
    )

    response = client.submit("/jira/push", {"story_ids": [str(draft_id)]})

    assert response.status_code == 302
    [_, job] = sorted(jobs(app), key=lambda j: j.id or 0)
    assert response.headers["Location"].endswith(f"/jira/pushes/{job.id}")
    assert (job.total, job.state) == (1, JobState.QUEUED)
    link = link_of(app, draft_id)
    assert (link.job_id, link.state) == (job.id, PushState.SENDING)
    detail = client.get(f"/stories/{draft_id}").text
    # No worker holds the new job yet, so nothing is in flight: still unconfirmed, in it.
    assert "Unconfirmed will be checked in Jira before any resend" in text_of(detail)
    assert f"/jira/pushes/{job.id}" in detail
    assert f"/jira/pushes/{first_job}" not in detail

    run_worker(app)

    link = link_of(app, draft_id)
    assert (link.state, link.jira_key) == (PushState.PUSHED, made.key)
    assert len(fake.issues()) == 1, "the label search found it: no second issue"


def test_a_sending_story_of_a_running_push_cannot_be_pushed_again(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    job_id = stuck_sending(app, client, draft_id, finished=False)

    listing = client.get("/stories").text
    assert CHECKBOX.format(draft_id) not in listing
    assert "Unconfirmed" not in listing
    assert "Sending" in text_of(listing)
    detail = client.get(f"/stories/{draft_id}").text
    assert "Unconfirmed" not in detail
    assert 'action="/jira/push"' not in detail
    assert f'href="/jira/pushes/{job_id}"' in detail

    response = client.submit("/jira/push", {"story_ids": [str(draft_id)]})

    assert response.status_code == 409
    assert re.search(
        rf"A push of story #{draft_id} is still running \(push #{job_id}, held by worker-1 "
        r"until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); wait for it to finish\.",
        text_of(response.text),
    )
    assert CHECKBOX.format(draft_id) not in response.text, "the refusal page does not offer it"
    assert [job.id for job in jobs(app)] == [job_id]
    assert link_of(app, draft_id).job_id == job_id


def test_a_stakeholder_sees_unconfirmed_but_no_push(app, client, login_as, make_user):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        job = push_queue.request_push(session, actor=actor, story_ids=[draft_id], site_id="main")
        link = session.exec(select(JiraLink).where(JiraLink.story_id == draft_id)).one()
        push_execution.mark_sending(session, links=[link])
        push_execution.finish_job(session, job=job)
    login_as(Role.STAKEHOLDER)

    detail = client.get(f"/stories/{draft_id}").text
    listing = client.get("/stories").text

    assert "Unconfirmed" in detail
    assert 'action="/jira/push"' not in detail
    assert "Unconfirmed" in listing
    assert 'name="story_ids"' not in listing
