"""The push queue's refusals and take-overs: nothing is queued without Jira; a SENDING story of a
push nobody holds (its worker was killed, or none ever claimed it) moves into the new push;
only a push with a live lease blocks, and the refusal says who holds it and until when."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import select

from tests.helpers.stories import ready_draft
from tracker import db
from tracker.errors import Conflict
from tracker.models import JiraLink, PushJob, PushState, User, utcnow
from tracker.services.accounts import users
from tracker.services.stories import initiatives, push_execution, push_queue

JIRA_URL = "https://jira.example.com"


def request(app: Flask, pm: User, draft_id: int, *, jira_url: str | None = JIRA_URL) -> int:
    with db.session_scope(app) as session:
        job = push_queue.request_push(
            session,
            actor=users.get_user(session, pm.id or 0),
            story_ids=[draft_id],
            site_id="main",
            jira_url=jira_url,
        )
        assert job.id is not None
        return job.id


def sending_in(app: Flask, job_id: int, *, owner: str, lease_ends_in: timedelta | None) -> None:
    """A worker `owner` claimed the job and marked its links SENDING; its lease ends in
    `lease_ends_in` (negative: it ran out, the worker was killed), or never claimed (None)."""
    with db.session_scope(app) as session:
        links = list(push_execution.pending_links(session, job_id=job_id))
        push_execution.mark_sending(session, links=links)
        if lease_ends_in is not None:
            job = session.get(PushJob, job_id)
            assert job is not None
            job.lease_owner, job.state = owner, "running"
            job.lease_until = utcnow() + lease_ends_in
            session.add(job)


def link_of(app: Flask, draft_id: int) -> JiraLink:
    with db.session_scope(app) as session:
        return session.exec(select(JiraLink).where(JiraLink.story_id == draft_id)).one()


def jobs(app: Flask) -> list[PushJob]:
    with db.session_scope(app) as session:
        return list(session.exec(select(PushJob)))


@pytest.mark.parametrize("jira_url", ["", "  "])
def test_nothing_is_queued_without_jira(app, pm, jira_url):
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")

    with pytest.raises(Conflict, match=r"^Jira is not configured: an admin sets jira\.base_url"):
        request(app, pm, draft_id, jira_url=jira_url)

    assert jobs(app) == []
    with db.session_scope(app) as session:
        assert session.exec(select(JiraLink)).all() == []


def test_an_initiative_is_not_queued_without_jira_either(app, pm):
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        made = initiatives.create_initiative(
            session,
            actor=actor,
            data=initiatives.InitiativeInput(
                name="Scams", goal="", owner_id=pm.id, target_date=None
            ),
        )
        assert made.id is not None
        with pytest.raises(Conflict, match="Jira is not configured"):
            push_queue.request_initiative_push(
                session, actor=actor, initiative_id=made.id, site_id="main", jira_url=""
            )
    assert jobs(app) == []


@pytest.mark.parametrize(
    "lease_ends_in", [timedelta(seconds=-1), None], ids=["lease-expired", "never-claimed"]
)
def test_a_sending_story_nobody_holds_moves_into_the_new_push(app, pm, lease_ends_in):
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    old = request(app, pm, draft_id)
    sending_in(app, old, owner="cli-web1-4242", lease_ends_in=lease_ends_in)

    new = request(app, pm, draft_id)

    link = link_of(app, draft_id)
    assert (link.job_id, link.state) == (new, PushState.SENDING), "the label search runs first"
    with db.session_scope(app) as session:
        assert push_execution.pending_links(session, job_id=old) == []
        assert push_queue.in_flight(session, links=[link]) == set()


def test_a_push_with_a_live_lease_blocks_and_says_who_holds_it_until_when(app, pm):
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    old = request(app, pm, draft_id)
    sending_in(app, old, owner="cli-web1-4242", lease_ends_in=timedelta(minutes=4))
    with db.session_scope(app) as session:
        job = session.get(PushJob, old)
        assert job is not None
        assert job.lease_until is not None
        until = job.lease_until.strftime("%Y-%m-%d %H:%M:%S UTC")
        assert push_queue.in_flight(session, links=[link_of(app, draft_id)]) == {
            link_of(app, draft_id).id
        }

    with pytest.raises(Conflict) as refused:
        request(app, pm, draft_id)

    assert refused.value.message == (
        f"A push of story #{draft_id} is still running (push #{old}, held by cli-web1-4242 "
        f"until {until}); wait for it to finish."
    )
    assert link_of(app, draft_id).job_id == old
    assert [job.id for job in jobs(app)] == [old]


def test_a_finished_push_never_blocks(app, pm):
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    old = request(app, pm, draft_id)
    sending_in(app, old, owner="cli-web1-4242", lease_ends_in=timedelta(minutes=4))
    with db.session_scope(app) as session:
        job = session.get(PushJob, old)
        assert job is not None
        push_execution.finish_job(session, job=job, error="Jira's answer was lost.")

    assert re.fullmatch(r"\d+", str(request(app, pm, draft_id)))
