"""Pushed stories under their initiative's epic, against the fake Jira over HTTP, Cloud and Data
Center: stories pushed before their epic, "Update in Jira", a story moved to another
initiative, the sweep's cost when nothing moved, and a move Jira refuses."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from sync.jira.client import JiraClient
from sync.push import epics
from sync.push.engine import update_pushed_story
from sync.push.worker import LEASE, run_job
from tests.fakejira import FakeJira
from tests.helpers.jira import create_calls
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.config import JiraSettings
from tracker.models import JiraLink, StoryDraft
from tracker.services.stories import initiatives, push_execution

EPIC_LINK = "customfield_10014"  # the fake Data Center's Epic Link field
EDITS = r"/issue/[^/]+$"


def epic_of(fake: FakeJira, key: str) -> str | None:
    """The key of the epic the issue is under in the fake (its parent on Cloud, its Epic Link
    on Data Center), read from the issue's fields."""
    issue = fake.issue_by_key(key)
    assert issue is not None
    linked = issue.fields.get("parent" if fake.flavour == "cloud" else EPIC_LINK)
    epic = fake.issue_by_key(str(linked)) if linked else None
    return epic.key if epic is not None else None


def epic_field(fake: FakeJira) -> str:
    return "parent" if fake.flavour == "cloud" else EPIC_LINK


def story_key(world: PushWorld, story_id: int) -> str:
    key = world.links()[story_id].jira_key
    assert key is not None
    return key


def suggestion_of(world: PushWorld, story_id: int) -> int:
    with db.session_scope(world.app) as session:
        draft = session.get(StoryDraft, story_id)
        assert draft is not None
        return draft.suggestion_id


def move(world: PushWorld, story_id: int, *, source: int, target: int | None) -> None:
    """Move the story's suggestion (and so the story) from one initiative to another, or out."""
    suggestion_id = suggestion_of(world, story_id)
    with world.as_pm() as (session, actor):
        initiatives.remove_suggestion(
            session, actor=actor, initiative_id=source, suggestion_id=suggestion_id
        )
        if target is not None:
            initiatives.add_suggestion(
                session, actor=actor, initiative_id=target, suggestion_id=suggestion_id
            )


def new_calls(fake: FakeJira, before: int) -> list[str]:
    return [f"{call.method} {call.path}" for call in fake.calls[before:]]


def pushed_epic(world: PushWorld, name: str, stories: int = 0) -> tuple[int, str, list[int]]:
    """An initiative pushed as an epic with `stories` stories under it: (id, epic key, ids)."""
    initiative_id = world.initiative(name)
    story_ids = world.stories(stories, initiative_id=initiative_id)
    world.push_initiative(initiative_id)
    world.run()
    key = world.epic_link(initiative_id).jira_key
    assert key is not None
    return initiative_id, key, story_ids


def pushed_before_their_epic(world: PushWorld, count: int) -> tuple[int, list[int]]:
    """An initiative not in Jira yet with `count` stories pushed: (its id, the story ids)."""
    initiative_id = world.initiative()
    story_ids = world.stories(count, initiative_id=initiative_id)
    world.push(story_ids)
    world.run()
    return initiative_id, story_ids


def test_stories_pushed_before_their_epic_go_under_it_with_one_edit_each(
    world: PushWorld, fake: FakeJira
) -> None:
    initiative_id, _ = pushed_before_their_epic(world, 2)
    assert {link.epic_key for link in world.links().values()} == {None}
    before = len(fake.calls)

    world.push_initiative(initiative_id)
    world.run()

    epic = world.epic_link(initiative_id).jira_key
    assert epic is not None
    calls = new_calls(fake, before)
    assert len(calls) == 3, calls  # the epic's create, then one edit per story; nothing else
    assert create_calls(fake) == 2  # the stories' bulk create, the epic's create
    assert fake.call_count(EDITS, "PUT") == 2
    for story_id, link in world.links().items():
        assert epic_of(fake, story_key(world, story_id)) == epic
        assert (link.epic_key, link.epic_error) == (epic, "")
    edits = [
        body for call, body in zip(fake.calls, fake.bodies, strict=True) if call.method == "PUT"
    ]
    field = epic_field(fake)
    assert all(set(body["fields"]) == {field} for body in edits)  # only the epic is edited

    before = len(fake.calls)
    world.run()  # the next sweep finds nothing to do
    assert new_calls(fake, before) == []


def test_stories_pushed_with_their_epic_need_no_edit(world: PushWorld, fake: FakeJira) -> None:
    _, epic, story_ids = pushed_epic(world, "Faster scam handling", stories=2)

    assert fake.call_count(method="PUT") == 0
    for story_id in story_ids:
        assert world.links()[story_id].epic_key == epic
        assert epic_of(fake, story_key(world, story_id)) == epic


def test_the_sweep_costs_one_query_and_no_call_when_nothing_moved(
    world: PushWorld, fake: FakeJira
) -> None:
    pushed_epic(world, "Faster scam handling", stories=2)
    world.push(world.stories(1))  # a story in no initiative needs no epic either
    world.run()
    before = len(fake.calls)
    statements: list[str] = []

    def tally(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    def no_client(settings: JiraSettings) -> JiraClient:
        raise AssertionError("the sweep opened a Jira client with nothing to move")

    engine = db.engine(world.app)
    event.listen(engine, "before_cursor_execute", tally)
    try:
        assert epics.sweep(world.app, client_factory=no_client) == 0
    finally:
        event.remove(engine, "before_cursor_execute", tally)

    assert len(statements) == 1, statements
    assert new_calls(fake, before) == []


def test_links_pushed_before_epics_were_recorded_are_moved_once(
    world: PushWorld, fake: FakeJira
) -> None:
    _, epic, story_ids = pushed_epic(world, "Faster scam handling", stories=2)
    with db.session_scope(world.app) as session:  # as the migration left them: unknown
        for link in session.exec(select(JiraLink).where(col(JiraLink.story_id).in_(story_ids))):
            link.epic_key = None
            session.add(link)

    world.run()
    world.run()

    assert fake.call_count(EDITS, "PUT") == 2
    assert {world.links()[i].epic_key for i in story_ids} == {epic}


def test_a_story_moved_to_another_initiative_follows_on_the_next_sweep(
    world: PushWorld, fake: FakeJira
) -> None:
    first, first_epic, (story_id,) = pushed_epic(world, "Faster scam handling", stories=1)
    second, second_epic, _ = pushed_epic(world, "Fewer chargebacks")
    key = story_key(world, story_id)
    assert epic_of(fake, key) == first_epic

    move(world, story_id, source=first, target=second)
    before = len(fake.calls)
    world.run()

    api = fake.api_url.removeprefix(fake.url)
    assert new_calls(fake, before) == [f"PUT {api}/issue/{world.links()[story_id].jira_id}"]
    assert epic_of(fake, key) == second_epic
    assert world.links()[story_id].epic_key == second_epic

    move(world, story_id, source=second, target=None)  # out of every initiative
    world.run()

    assert epic_of(fake, key) is None
    assert world.links()[story_id].epic_key is None
    before = len(fake.calls)
    world.run()
    assert new_calls(fake, before) == []


def test_a_refused_move_is_recorded_in_words_and_not_tried_every_sweep(
    world: PushWorld, fake: FakeJira
) -> None:
    initiative_id, story_ids = pushed_before_their_epic(world, 2)
    if fake.flavour == "cloud":
        message = "The epic is in a project this issue cannot be linked to."
        fake.faults.add("PUT", EDITS, "400", times=2, message=message)
        expected = f"Jira would not put {{key}} under the epic {{epic}}: {message.rstrip('.')}."
    else:
        # An admin took the Epic Link field off the screen: Jira says it cannot be set.
        fake.config = fake.state.config = replace(fake.config, epic_link_field="customfield_10099")
        expected = (
            "Jira would not put {key} under the epic {epic}: the Epic Link field is not on the "
            "edit screen of OPS's stories. A Jira admin should add it to that screen; then use "
            "Update in Jira on the story."
        )

    world.push_initiative(initiative_id)
    world.run()
    world.run()
    world.run()

    fake.take_violations()  # the fake flags the field the edit may not set
    epic = world.epic_link(initiative_id).jira_key
    assert fake.call_count(EDITS, "PUT") == 2  # once each, never again
    for story_id in story_ids:
        link = world.links()[story_id]
        assert link.epic_key is None
        assert link.epic_error.startswith(expected.format(key=link.jira_key, epic=epic))


def test_update_in_jira_repairs_a_missing_epic_and_sends_labels_and_priority(
    world: PushWorld, fake: FakeJira
) -> None:
    _, epic, (story_id,) = pushed_epic(world, "Faster scam handling", stories=1)
    key = story_key(world, story_id)
    fake.update_issue(key, **{epic_field(fake): None})  # someone took it out in Jira
    labels = fake.issue_by_key(key).labels  # type: ignore[union-attr]
    fake.update_issue(key, labels=[*labels, "team-triage"])  # and labelled it for their board
    with db.session_scope(world.app) as session:
        draft = session.get(StoryDraft, story_id)
        link = session.exec(select(JiraLink).where(JiraLink.story_id == story_id)).one()
        assert draft is not None
        draft.labels = ["fraud", "appeals"]
        draft.priority = "Low"
        link.epic_error = "Jira would not put it under its epic earlier."
        session.add_all([draft, link])
    before = len(fake.calls)

    settings = world.app.config["SETTINGS"]
    with world.as_pm() as (session, actor), world.client(settings.jira) as client:
        update_pushed_story(session, client, settings=settings, actor=actor, story_id=story_id)

    assert len(new_calls(fake, before)) == 1
    issue = fake.issue_by_key(key)
    assert issue is not None
    assert epic_of(fake, key) == epic
    link = world.links()[story_id]
    # The tracker's labels added; the one put on in Jira stays.
    assert {"from-tracker", "fraud", "appeals", "trk-t1", link.label} <= set(issue.labels)
    assert "team-triage" in issue.labels
    assert issue.fields["priority"] == "4"  # Low
    assert (link.epic_key, link.epic_error) == (epic, "")


def test_update_in_jira_takes_a_story_out_of_the_epic_it_left(
    world: PushWorld, fake: FakeJira
) -> None:
    initiative_id, _, (story_id,) = pushed_epic(world, "Faster scam handling", stories=1)
    # Out of the initiative, and "Update in Jira" before any sweep ran.
    move(world, story_id, source=initiative_id, target=None)

    settings = world.app.config["SETTINGS"]
    with world.as_pm() as (session, actor), world.client(settings.jira) as client:
        update_pushed_story(session, client, settings=settings, actor=actor, story_id=story_id)

    assert epic_of(fake, story_key(world, story_id)) is None
    assert world.links()[story_id].epic_key is None
    before = len(fake.calls)
    world.run()
    assert new_calls(fake, before) == []


@pytest.mark.parametrize("flavour", ["datacenter"])
def test_update_in_jira_still_updates_when_only_the_epic_is_refused(
    world: PushWorld, fake: FakeJira, flavour: str
) -> None:
    initiative_id, (story_id,) = pushed_before_their_epic(world, 1)
    fake.config = fake.state.config = replace(fake.config, epic_link_field="customfield_10099")
    world.push_initiative(initiative_id)
    world.run()  # the move is refused and recorded
    fake.take_violations()
    with db.session_scope(world.app) as session:
        draft = session.get(StoryDraft, story_id)
        assert draft is not None
        draft.summary = "Route scam appeals, sharper"
        session.add(draft)

    settings = world.app.config["SETTINGS"]
    with world.as_pm() as (session, actor), world.client(settings.jira) as client:
        update_pushed_story(session, client, settings=settings, actor=actor, story_id=story_id)

    fake.take_violations()
    issue = fake.issue_by_key(story_key(world, story_id))
    assert issue is not None
    assert issue.summary == "Route scam appeals, sharper"
    link = world.links()[story_id]
    assert link.epic_key is None
    assert "the Epic Link field is not on the edit screen" in link.epic_error


def test_the_job_that_creates_the_epic_moves_its_stories_itself(
    world: PushWorld, fake: FakeJira
) -> None:
    initiative_id, story_ids = pushed_before_their_epic(world, 2)
    job_id = world.push_initiative(initiative_id)
    settings = world.app.config["SETTINGS"]
    with world.as_pm() as (session, _):
        assert push_execution.claim_job(session, owner="test-worker", lease=LEASE) is not None

    with world.client(settings.jira) as client:  # the job alone, no sweep after it
        run_job(world.app, job_id, owner="test-worker", client=client, sleep=world.waits.append)

    epic = world.epic_link(initiative_id).jira_key
    assert {epic_of(fake, story_key(world, i)) for i in story_ids} == {epic}
    assert fake.call_count(EDITS, "PUT") == 2
