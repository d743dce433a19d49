"""Fixtures for the JSON API: users with bearer tokens, and suggestions seeded through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.api import AREA, idea
from tracker import db
from tracker.models import Role, User
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
