"""Fixtures for the JSON API: users with bearer tokens, and suggestions seeded through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.api import AREA, idea
from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import Role, Status, User
from tracker.services.accounts import tokens, users
from tracker.services.suggestions import submissions


@pytest.fixture
def headers_for(app) -> Callable[[User], dict[str, str]]:
    def make(user: User) -> dict[str, str]:
        with db.session_scope(app) as session:
            assert user.id is not None
            owner = users.get_user(session, user.id)
            _, plaintext = tokens.create_token(session, owner=owner, name="api test")
        return {"Authorization": f"Bearer {plaintext}"}

    return make


@pytest.fixture
def api_user(make_user, headers_for) -> Callable[..., tuple[User, dict[str, str]]]:
    """A user of the role and the headers that call the API as them."""

    def make(role: Role | str = Role.SUBMITTER, **overrides: Any) -> tuple[User, dict[str, str]]:
        user = make_user(role, **overrides)
        return user, headers_for(user)

    return make


@pytest.fixture
def seed(app) -> Callable[..., int]:
    """Store a suggestion by `author` through the service; returns its id."""

    def make(author: User, **overrides: Any) -> int:
        with db.session_scope(app) as session:
            assert author.id is not None
            actor = users.get_user(session, author.id)
            created = submissions.create_suggestion(
                session, actor=actor, raw=idea(**overrides), areas=[AREA]
            )
            assert created.id is not None
            return created.id

    return make


@pytest.fixture
def path_ids(app, client, api_user) -> tuple[dict[str, int], dict[str, str]]:
    """An id for each path parameter of a body-taking route (a suggestion, another to merge
    into, an initiative, a story draft) and a PM's headers to call them with."""
    pm, headers = api_user(Role.PM)
    suggestion_id = accepted_idea(app, pm, "Route scam appeals")
    other_id = accepted_idea(app, pm, "Another idea", status=Status.NEW)
    initiative = client.post("/api/v1/initiatives", json={"name": "Scam routing"}, headers=headers)
    draft = client.post(f"/api/v1/suggestions/{suggestion_id}/stories", headers=headers)
    assert initiative.status_code == 201, initiative.text
    assert draft.status_code == 201, draft.text
    ids = {
        "suggestion_id": suggestion_id,
        "other_id": other_id,
        "initiative_id": initiative.get_json()["id"],
        "draft_id": draft.get_json()["id"],
    }
    return ids, headers
