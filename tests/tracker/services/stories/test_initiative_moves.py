"""A story moving between initiatives: its Jira issue follows (the push worker's sweep moves it),
so a move Jira refused before is tried again once the story's initiative changes."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlmodel import select

from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.config import Settings
from tracker.models import JiraLink, PushState, Role, StoryDraft, User
from tracker.services.stories import drafts, initiatives, push_execution


def initiative(app: Flask, pm: User, name: str) -> int:
    with db.session_scope(app) as session:
        data = initiatives.InitiativeInput(
            name=name, goal="Halve scam handling time.", owner_id=pm.id, target_date=None
        )
        made = initiatives.create_initiative(session, actor=pm, data=data)
        assert made.id is not None
        return made.id


def pushed_story(app: Flask, pm: User, initiative_id: int, *, epic_error: str) -> tuple[int, int]:
    """A story of `initiative_id` in Jira whose move to its epic Jira refused: (suggestion id,
    story id)."""
    suggestion_id = accepted_idea(app, pm)
    settings: Settings = app.config["SETTINGS"]
    with db.session_scope(app) as session:
        initiatives.add_suggestion(
            session, actor=pm, initiative_id=initiative_id, suggestion_id=suggestion_id
        )
        draft = drafts.generate_draft(
            session, actor=pm, suggestion_id=suggestion_id, settings=settings.stories
        )
        assert draft.id is not None
        session.add(
            JiraLink(
                story_id=draft.id,
                label=f"trk-t1-s{draft.id}",
                state=PushState.PUSHED.value,
                jira_id="10001",
                jira_key="OPS-1",
                epic_error=epic_error,
            )
        )
        return suggestion_id, draft.id


def link_of(app: Flask, story_id: int) -> JiraLink:
    with db.session_scope(app) as session:
        return session.exec(select(JiraLink).where(JiraLink.story_id == story_id)).one()


def test_moving_a_story_to_another_initiative_retries_a_refused_epic_move(
    app: Flask, make_user: Callable[..., User]
) -> None:
    pm = make_user(Role.PM)
    first, second = initiative(app, pm, "Faster scam handling"), initiative(app, pm, "Fewer fees")
    suggestion_id, story_id = pushed_story(app, pm, first, epic_error="Epic Link not on screen.")
    with db.session_scope(app) as session:
        assert push_execution.epic_moves(session) == []  # refused: left alone

    with db.session_scope(app) as session:
        initiatives.remove_suggestion(
            session, actor=pm, initiative_id=first, suggestion_id=suggestion_id
        )
        initiatives.add_suggestion(
            session, actor=pm, initiative_id=second, suggestion_id=suggestion_id
        )

    assert link_of(app, story_id).epic_error == ""
    with db.session_scope(app) as session:
        draft = session.get(StoryDraft, story_id)
        assert draft is not None
        assert draft.initiative_id == second


def test_a_story_leaving_its_initiative_leaves_its_epic(
    app: Flask, make_user: Callable[..., User]
) -> None:
    pm = make_user(Role.PM)
    first = initiative(app, pm, "Faster scam handling")
    suggestion_id, story_id = pushed_story(app, pm, first, epic_error="")
    with db.session_scope(app) as session:
        epic = JiraLink(
            initiative_id=first,
            label=f"trk-t1-e{first}",
            state=PushState.PUSHED.value,
            jira_id="10000",
            jira_key="OPS-0",
        )
        session.add(epic)
    with db.session_scope(app) as session:
        moves = push_execution.epic_moves(session)
        assert [(m.story_key, m.current, m.wanted) for m in moves] == [("OPS-1", None, "OPS-0")]
        push_execution.record_epic(session, link_id=moves[0].link_id, epic_key="OPS-0")

    with db.session_scope(app) as session:
        assert push_execution.epic_moves(session) == []
        initiatives.remove_suggestion(
            session, actor=pm, initiative_id=first, suggestion_id=suggestion_id
        )

    with db.session_scope(app) as session:
        moves = push_execution.epic_moves(session)
    assert [(m.issue, m.current, m.wanted) for m in moves] == [("10001", "OPS-0", None)]
    assert link_of(app, story_id).epic_key == "OPS-0"
