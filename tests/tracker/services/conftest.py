"""Factories for service tests: suggestions written through the real service, as their author;
a PM and an author to act."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.helpers.suggestions import AREAS, suggestion_input
from tracker import db
from tracker.models import Role, Suggestion, User
from tracker.services.suggestions import submissions


@pytest.fixture
def make_suggestion(app: Flask) -> Callable[..., Suggestion]:
    """make_suggestion(author, title=..., confidential=..., shared_with_vendors=...)."""

    def make(author: User, *, shared_with_vendors: bool = False, **fields: Any) -> Suggestion:
        with db.session_scope(app) as session:
            created = submissions.create_suggestion(
                session, actor=author, raw=suggestion_input(**fields), areas=AREAS
            )
            # Sharing is a PM decision with no input field; the flag is set the way set_sharing
            # leaves it, so tables can be seeded without a PM in every test.
            created.shared_with_vendors = shared_with_vendors and not created.confidential
            session.add(created)
            return created

    return make


@pytest.fixture
def pm(make_user: Callable[..., User]) -> User:
    return make_user(Role.PM)


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUBMITTER)
