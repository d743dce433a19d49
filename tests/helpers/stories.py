"""Story drafts for tests: generated through the web or the services, and read back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask import Flask

from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import StoryDraft, User
from tracker.services.accounts import users
from tracker.services.stories import drafts, initiatives

if TYPE_CHECKING:
    from tests.helpers.client import TrackerClient


def generate(client: TrackerClient, suggestion_id: int) -> int:
    response = client.submit(f"/stories/generate/{suggestion_id}")
    assert response.status_code == 302, response.text
    match = re.search(r"/stories/(\d+)/edit$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def stored(app: Flask, draft_id: int) -> StoryDraft:
    with db.session_scope(app) as session:
        draft = session.get(StoryDraft, draft_id)
        assert draft is not None
        return draft


def ready_draft(app: Flask, pm: User, title: str, *, ready: bool = True) -> int:
    """A story draft generated from a freshly accepted idea, marked ready unless asked not to."""
    suggestion_id = accepted_idea(app, pm, title)
    settings = app.config["SETTINGS"].stories
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        draft = drafts.generate_draft(
            session, actor=actor, suggestion_id=suggestion_id, settings=settings
        )
        assert draft.id is not None
        if ready:
            drafts.mark_ready(session, actor=actor, draft_id=draft.id, settings=settings)
        return draft.id


def initiative_with(app: Flask, pm: User, draft_id: int, name: str = "Faster scam handling") -> int:
    """A new initiative holding the draft's suggestion (and so the draft); its id."""
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        draft = drafts.get_draft(session, actor=actor, draft_id=draft_id)
        made = initiatives.create_initiative(
            session,
            actor=actor,
            data=initiatives.InitiativeInput(name=name, goal="", owner_id=pm.id, target_date=None),
        )
        assert made.id is not None
        initiatives.add_suggestion(
            session, actor=actor, initiative_id=made.id, suggestion_id=draft.suggestion_id
        )
        return made.id
