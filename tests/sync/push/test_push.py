"""Pushing ready stories to the fake Jira over real HTTP, Cloud and Data Center, on SQLite and
PostgreSQL: what lands in Jira, what the tracker records, batching, epics, edits and relinks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlmodel import col, select

from sync.jira.errors import JiraNotFound, JiraRejected
from sync.jobs.scheduler import JOBS
from sync.push.engine import find_issue_for_relink, update_pushed_story
from sync.push.worker import start_worker_thread
from tests.fakejira import FakeJira
from tests.fakejira.adf import adf_text
from tests.helpers.jira import create_calls, jira_config, story_label
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.errors import Conflict
from tracker.models import JiraLink, JobState, PushState, Status, StatusChange, StoryDraft, User
from tracker.services.stories import push_execution

POINTS = {"cloud": "customfield_10016", "datacenter": "customfield_10002"}
EPIC_LINK = "customfield_10014"
EPIC_NAME = "customfield_10011"


def description_text(fake: FakeJira, value: Any) -> str:
    if fake.flavour == "cloud":
        assert isinstance(value, dict)
        assert value["type"] == "doc"  # ADF on Cloud
        return adf_text(value) + str(value)  # the text, and the link targets in the marks
    assert isinstance(value, str)  # wiki markup on Data Center
    return value


def bulk_sizes(fake: FakeJira) -> list[int]:
    return [
        len(body["issueUpdates"])
        for call, body in zip(fake.calls, fake.bodies, strict=True)
        if call.method == "POST" and call.path.endswith("/issue/bulk")
    ]


def test_ready_stories_become_jira_issues(world: PushWorld, fake: FakeJira, flavour: str) -> None:
    story_ids = world.stories(3)
    job_id = world.push(story_ids)
    seen: list[tuple[int, int]] = []

    assert world.run(progress=lambda done, total: seen.append((done, total))) == 1

    links = world.links()
    assert bulk_sizes(fake) == [3]
    assert create_calls(fake) == 1
    for story_id in story_ids:
        link = links[story_id]
        assert link.state == PushState.PUSHED
        issue = fake.issue_by_key(link.jira_key or "")
        assert issue is not None
        assert link.jira_id == issue.id
        assert link.browse_url == f"{fake.url}/browse/{issue.key}"
        assert issue.summary.startswith("Route scam appeals to the specialist queue")
        text = description_text(fake, issue.fields["description"])
        assert "Given" in text
        assert "When" in text
        assert "Then" in text
        with db.session_scope(world.app) as session:
            draft = session.get(StoryDraft, story_id)
            assert draft is not None
            suggestion_id, points = draft.suggestion_id, draft.story_points
        assert f"http://127.0.0.1:5000/suggestions/{suggestion_id}" in text
        assert issue.labels == [
            "from-tracker",
            "initiative-tracker",
            "trk-t1",
            story_label(story_id),
        ]
        assert points is not None
        assert issue.fields[POINTS[flavour]] == points
        assert issue.fields["priority"] == "2"  # Highest, mapped to High by jira.priority_map
        assert world.status_of(suggestion_id) == Status.IN_DELIVERY
    job = world.job(job_id)
    assert (job.state, job.last_error) == (JobState.DONE, "")
    assert seen[-1] == (3, 3)
    assert world.issues_per_label() == {story_label(i): 1 for i in story_ids}


def test_initiative_pushes_its_epic_first_and_the_stories_under_it(
    world: PushWorld, fake: FakeJira, flavour: str
) -> None:
    initiative_id = world.initiative("Faster scam handling")
    story_ids = world.stories(2, initiative_id=initiative_id)

    world.push_initiative(initiative_id)
    world.run()

    epic_link = world.epic_link(initiative_id)
    assert epic_link.state == PushState.PUSHED
    epic = fake.issue_by_key(epic_link.jira_key or "")
    assert epic is not None
    assert epic.summary == "Faster scam handling"
    assert epic.issue_type == "10000"
    assert {"trk-t1", f"trk-t1-e{initiative_id}"} <= set(epic.labels)
    if flavour == "datacenter":
        assert epic.fields[EPIC_NAME] == "Faster scam handling"
    first_create = next(
        body for call, body in zip(fake.calls, fake.bodies, strict=True) if call.method == "POST"
    )
    assert first_create["fields"]["summary"] == "Faster scam handling"  # the epic went first
    for story_id, link in world.links().items():
        assert story_id in story_ids
        story = fake.issue_by_key(link.jira_key or "")
        assert story is not None
        under = story.fields["parent"] if flavour == "cloud" else story.fields[EPIC_LINK]
        assert under == epic.id

    # A story added to the initiative later goes under the epic that exists, not a new one.
    later = world.stories(1, initiative_id=initiative_id)
    world.push(later)
    world.run()
    issue = fake.issue_by_key(world.links()[later[0]].jira_key or "")
    assert issue is not None
    assert (issue.fields["parent"] if flavour == "cloud" else issue.fields[EPIC_LINK]) == epic.id
    assert sum(1 for i in fake.issues() if i.issue_type == "10000") == 1


def test_stories_go_in_bulk_calls_of_at_most_fifty(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(120)
    world.push(story_ids)

    world.run()

    assert sorted(bulk_sizes(fake)) == [20, 50, 50]
    assert create_calls(fake) == 3
    assert world.issues_per_label() == {story_label(i): 1 for i in story_ids}
    assert {link.state for link in world.links().values()} == {PushState.PUSHED}


@pytest.mark.parametrize("status", [404, 405])
def test_without_bulk_create_stories_go_one_at_a_time(
    world: PushWorld, fake: FakeJira, status: int
) -> None:
    fake.bulk_enabled = False
    fake.bulk_disabled_status = status
    story_ids = world.stories(4)
    world.push(story_ids)

    world.run()

    assert fake.call_count(r"/issue/bulk$", "POST") == 1
    assert fake.call_count(r"/issue$", "POST") == 4
    assert world.issues_per_label() == {story_label(i): 1 for i in story_ids}
    assert {link.state for link in world.links().values()} == {PushState.PUSHED}


def test_a_story_pushed_alone_needs_no_bulk_call(world: PushWorld, fake: FakeJira) -> None:
    world.push(world.stories(1))
    world.run()
    assert (fake.call_count(r"/issue/bulk$"), fake.call_count(r"/issue$", "POST")) == (0, 1)


def test_worker_thread_and_scheduler_job(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(2)
    job_id = world.push(story_ids)

    start_worker_thread(world.app).join(timeout=30)

    assert world.job(job_id).state == JobState.DONE
    assert world.issues_per_label() == {story_label(i): 1 for i in story_ids}
    job = next(j for j in JOBS if j.id == "jira_push")
    assert job.trigger(world.app.config["SETTINGS"]).interval == timedelta(seconds=30)
    assert job.enabled(world.app)


def test_push_job_is_off_without_jira_or_scheduler(
    make_app: Callable[..., Flask], database_url: str, fake: FakeJira
) -> None:
    job = next(j for j in JOBS if j.id == "jira_push")
    assert not job.enabled(make_app(database_url))
    assert not job.enabled(
        make_app(database_url, jira=jira_config(fake), scheduler={"enabled": False})
    )


# ---- after the push ------------------------------------------------------------------------------
def edit_summary(world: PushWorld, story_id: int, summary: str) -> None:
    with db.session_scope(world.app) as session:
        draft = session.get(StoryDraft, story_id)
        assert draft is not None
        draft.summary = summary
        draft.story_points = 5
        session.add(draft)


def test_editing_a_pushed_story_updates_its_issue_and_never_creates_one(
    world: PushWorld, fake: FakeJira, flavour: str
) -> None:
    story_id = world.stories(1)[0]
    world.push([story_id])
    world.run()
    creates = create_calls(fake)
    edit_summary(world, story_id, "Route scam appeals, now with a sharper title")

    with (
        db.session_scope(world.app) as session,
        world.client(world.app.config["SETTINGS"].jira) as client,
    ):
        actor = session.get(User, world.pm.id)
        assert actor is not None
        update_pushed_story(
            session, client, settings=world.app.config["SETTINGS"], actor=actor, story_id=story_id
        )

    issue = fake.issue_by_key(world.links()[story_id].jira_key or "")
    assert issue is not None
    assert issue.summary == "Route scam appeals, now with a sharper title"
    assert issue.fields[POINTS[flavour]] == 5
    assert fake.call_count(r"/issue/\d+$", "PUT") == 1
    assert create_calls(fake) == creates


def test_an_edit_refused_over_a_field_gone_since_discovery_discovers_again_next_time(
    world: PushWorld, fake: FakeJira
) -> None:
    story_id = world.stories(1)[0]
    world.push([story_id])
    world.run()
    fake.config = fake.state.config = replace(fake.config, story_points_field="customfield_10099")
    settings = world.app.config["SETTINGS"]

    def edit() -> None:
        with db.session_scope(world.app) as session, world.client(settings.jira) as client:
            actor = session.get(User, world.pm.id)
            assert actor is not None
            update_pushed_story(session, client, settings=settings, actor=actor, story_id=story_id)

    with pytest.raises(JiraRejected, match="cannot be set"):
        edit()
    assert len(fake.take_violations()) == 1  # the fake flags the field the edit may not set
    edit()

    assert fake.call_count("/field$") == 2
    issue = fake.issue_by_key(world.links()[story_id].jira_key or "")
    assert issue is not None
    assert issue.fields["customfield_10099"] is not None


def test_recording_pushed_stories_costs_the_same_statements_for_one_or_fifty(
    world: PushWorld,
) -> None:
    def record(story_ids: list[int]) -> int:
        world.push(story_ids)
        statements = 0

        def tally(*_: object) -> None:
            nonlocal statements
            statements += 1

        with db.session_scope(world.app) as session:
            links = session.exec(
                select(JiraLink).where(col(JiraLink.story_id).in_(story_ids))
            ).all()
            results = [
                push_execution.PushedIssue(link, str(10_000 + n), f"OPS-{n}", f"{world.fake.url}/x")
                for n, link in enumerate(links, start=1 + len(world.links()))
            ]
            engine = db.engine(world.app)
            event.listen(engine, "before_cursor_execute", tally)
            try:
                push_execution.mark_pushed_many(session, results=results)
            finally:
                event.remove(engine, "before_cursor_execute", tally)
        return statements

    one, fifty = world.stories(1), world.stories(50)

    assert record(one) == record(fifty)
    links = world.links()
    assert {links[i].state for i in one + fifty} == {PushState.PUSHED}
    with db.session_scope(world.app) as session:
        for story_id in one + fifty:
            draft = session.get(StoryDraft, story_id)
            assert draft is not None
            changes = session.exec(
                select(StatusChange)
                .where(StatusChange.suggestion_id == draft.suggestion_id)
                .order_by(col(StatusChange.id))
            ).all()
            assert changes[-1].to_status == Status.IN_DELIVERY
            assert changes[-1].reason == f"Story {links[story_id].jira_key} created in Jira"
            assert [c.to_status for c in changes].count(Status.IN_DELIVERY) == 1


def test_a_story_not_in_jira_cannot_be_updated(world: PushWorld, fake: FakeJira) -> None:
    story_id = world.stories(1)[0]
    settings = world.app.config["SETTINGS"]
    with db.session_scope(world.app) as session, world.client(settings.jira) as client:
        actor = session.get(User, world.pm.id)
        assert actor is not None
        with pytest.raises(Conflict, match="not in Jira yet"):
            update_pushed_story(session, client, settings=settings, actor=actor, story_id=story_id)
    assert fake.call_count(method="PUT") == 0


def test_relink_finds_an_issue_by_its_key(world: PushWorld, fake: FakeJira) -> None:
    made = fake.add_issue("Made by hand in Jira")
    moved = fake.move(made.key, "NEW")
    with world.client(world.app.config["SETTINGS"].jira) as client:
        assert find_issue_for_relink(client, made.key) == (
            made.id,
            moved,
            f"{fake.url}/browse/{moved}",
        )
        with pytest.raises(JiraNotFound):
            find_issue_for_relink(client, "OPS-999")
