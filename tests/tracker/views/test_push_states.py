"""One truth about a push on every page: with no Jira configured nothing offers Push and
nothing is queued; a push that stopped is "Stopped: <reason>" (never "Done") and its stories
"Not pushed: <reason>" on the push page, the story page, the story list and Recent pushes; the
push page says who holds the push and until when, and a paused push says whether it resumes
by itself (a scheduler beat recently) or how to resume it."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlmodel import select

from tests.helpers.jira import jobs
from tests.helpers.pages import text_of
from tests.helpers.stories import initiative_with, ready_draft
from tracker import db
from tracker.models import JiraLink, PushJob, Role, User, utcnow
from tracker.services import heartbeats
from tracker.services.accounts import users
from tracker.services.stories import push_execution, push_queue

REASON = "Jira is not configured: set jira.base_url and the Jira credentials."
# As a reader sees it: the commands are <code>.
HOW = "To resume it, run tracker jira push --resume or start tracker scheduler."


def read(page: str) -> str:
    """The page's text as a reader sees it: punctuation right after a tag follows it."""
    return text_of(page).replace(" :", ":").replace(" .", ".")


def queued_job(app: Flask, pm: User, draft_id: int) -> int:
    """A push queued as data from before the refusal existed (the service's check skipped)."""
    with db.session_scope(app) as session:
        job = push_queue.request_push(
            session, actor=users.get_user(session, pm.id or 0), story_ids=[draft_id], site_id="main"
        )
        assert job.id is not None
        return job.id


def stopped_job(app: Flask, pm: User) -> tuple[int, int]:
    """A ready draft and the push of it the worker stopped with REASON (its story left queued)."""
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    job_id = queued_job(app, pm, draft_id)
    with db.session_scope(app) as session:
        job = session.get(PushJob, job_id)
        assert job is not None
        push_execution.finish_job(session, job=job, error=REASON)
    return draft_id, job_id


# --- no Jira configured ---------------------------------------------------------------------------


def test_without_jira_no_page_offers_push_and_a_push_queues_nothing(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    initiative_id = initiative_with(app, pm, draft_id)

    listing = client.get("/stories").text
    assert 'name="story_ids"' not in listing
    assert 'action="/jira/push"' not in listing
    assert "Pushing to Jira needs Jira: an admin sets jira.base_url" in text_of(listing)
    detail = client.get(f"/stories/{draft_id}").text
    assert 'action="/jira/push"' not in detail
    assert "Link to existing Jira issue" not in detail
    assert "Pushing needs Jira: an admin sets jira.base_url" in text_of(detail)
    initiative_page = client.get(f"/initiatives/{initiative_id}").text
    assert "Push initiative to Jira" not in initiative_page
    assert "/push" not in initiative_page

    refused = client.submit("/jira/push", {"story_ids": [str(draft_id)]})

    assert refused.status_code == 409
    text = text_of(refused.text)
    assert "Jira is not configured: an admin sets jira.base_url" in text
    assert "Pushing 1 story" not in text
    assert "Push the ticked stories" not in text
    assert 'name="story_ids"' not in refused.text
    assert jobs(app) == []

    back = client.submit(f"/jira/initiatives/{initiative_id}/push", follow_redirects=True)
    assert "Jira is not configured: an admin sets jira.base_url" in text_of(back.text)
    assert jobs(app) == []
    assert "Nothing has been pushed to Jira yet." in text_of(client.get("/jira/pushes").text)
    assert "Not in Jira yet." in text_of(client.get(f"/stories/{draft_id}").text)


def test_a_push_that_stopped_reads_the_same_everywhere(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id, job_id = stopped_job(app, pm)

    progress = text_of(client.get(f"/jira/pushes/{job_id}").text)
    assert f"Stopped: {REASON}" in progress
    assert "Finished" not in progress
    assert f"Not pushed — {REASON}" in progress  # the row: state, Jira issue, the reason
    recent = read(client.get("/jira/pushes").text)
    assert f"Stopped: {REASON}" in recent
    assert " Done" not in recent
    detail = read(client.get(f"/stories/{draft_id}").text)
    assert f"Not pushed: {REASON}" in detail
    assert "Queued" not in detail
    assert "Waiting" not in detail
    listing = read(client.get("/stories").text)
    assert f"Not pushed: {REASON}" in listing
    assert "Queued" not in listing


# --- who holds a push, and how a paused one resumes ------------------------------------------


def test_the_push_page_says_who_holds_the_push_and_until_when(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    job_id = queued_job(app, pm, draft_id)
    assert "No worker has claimed it yet." in text_of(client.get(f"/jira/pushes/{job_id}").text)
    with db.session_scope(app) as session:
        claimed = push_execution.claim_job(
            session, owner="cli-web1-4242", lease=timedelta(minutes=5)
        )
        assert claimed is not None
        assert claimed.lease_until is not None
        until = claimed.lease_until

    page = text_of(client.get(f"/jira/pushes/{job_id}").text)

    shown = until.strftime("%Y-%m-%d %H:%M")
    assert f"Pushing… Held by cli-web1-4242 until {shown} UTC." in page
    recent = text_of(client.get("/jira/pushes").text)
    assert f"Running held by cli-web1-4242 until {shown} UTC" in recent


def paused_job(app: Flask, pm: User) -> tuple[int, int]:
    """A push whose worker paused it on a Jira outage (or was killed); its lease has run out."""
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    job_id = queued_job(app, pm, draft_id)
    with db.session_scope(app) as session:
        push_execution.claim_job(
            session,
            owner="sched-web1-77",
            lease=timedelta(minutes=1),
            now=utcnow() - timedelta(minutes=5),
        )
        job = session.get(PushJob, job_id)
        assert job is not None
        job.last_error = "Jira did not answer within 30 seconds; the push is paused."
        session.add(job)
    return draft_id, job_id


def test_a_paused_push_without_a_scheduler_says_how_to_resume_it(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id, job_id = paused_job(app, pm)

    page = read(client.get(f"/jira/pushes/{job_id}").text)

    assert "Paused: Jira did not answer within 30 seconds; the push is paused. " + HOW in page
    assert "Last held by sched-web1-77 until" in page
    assert "resumes automatically" not in page
    assert HOW in read(client.get("/jira/pushes").text)
    detail = read(client.get(f"/stories/{draft_id}").text)
    assert f"Waiting · push #{job_id} Paused: Jira did not answer" in detail
    assert HOW in detail


def test_a_paused_push_resumes_automatically_only_with_a_live_scheduler(app, client, login_as):
    pm = login_as(Role.PM)
    _, job_id = paused_job(app, pm)
    with db.session_scope(app) as session:
        heartbeats.record_beat(session, owner="sched-web1-1", now=utcnow() - timedelta(minutes=5))
    assert HOW in read(client.get(f"/jira/pushes/{job_id}").text), "that scheduler is gone"

    with db.session_scope(app) as session:
        heartbeats.record_beat(session, owner="sched-web1-1")

    page = read(client.get(f"/jira/pushes/{job_id}").text)
    assert "the push is paused. The push resumes automatically." in page
    assert "tracker jira push --resume" not in page


def test_a_stakeholder_sees_the_same_state_without_push(app, client, login_as, make_user):
    pm = make_user(Role.PM)
    draft_id, job_id = stopped_job(app, pm)
    with db.session_scope(app) as session:
        assert session.exec(select(JiraLink)).one().job_id == job_id
    login_as(Role.STAKEHOLDER)

    detail = client.get(f"/stories/{draft_id}").text
    assert f"Not pushed: {REASON}" in read(detail)
    assert not re.search(r'action="/jira/push"', detail)


def test_the_resume_commands_are_shown_as_code(app, client, login_as):
    pm = login_as(Role.PM)
    _, job_id = paused_job(app, pm)
    page = client.get(f"/jira/pushes/{job_id}").text
    assert (
        "To resume it, run <code>tracker jira push --resume</code> or start "
        "<code>tracker scheduler</code>."
    ) in page
