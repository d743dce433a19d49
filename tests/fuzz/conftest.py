"""The seeded world every fuzz test runs against: one user of each role with an API token, an
accepted suggestion with a story draft, a second suggestion, an initiative."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from hypothesis.configuration import set_hypothesis_home_dir

from tests.helpers.stories import ready_draft
from tests.helpers.suggestions import submit_idea
from tracker import db
from tracker.models import Role, StoryDraft, User
from tracker.services.accounts import tokens, users
from tracker.services.stories import initiatives


@pytest.fixture(scope="session", autouse=True)
def _hypothesis_outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis caches what it reads of our source in .hypothesis/ under the working directory
    even without an example database; keep it in this session's temporary folder instead."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@dataclass(frozen=True)
class World:
    users: dict[Role, User]
    headers: dict[Role, dict[str, str]]  # Authorization: Bearer, per role
    ids: dict[str, str]  # placeholder name -> value, for {name} in tests/fuzz/routes.py


def _token(app: Flask, user: User) -> tuple[int, dict[str, str]]:
    with db.session_scope(app) as session:
        owner = users.get_user(session, user.id or 0)
        token, plaintext = tokens.create_token(session, owner=owner, name="fuzz")
        assert token.id is not None
        return token.id, {"Authorization": f"Bearer {plaintext}"}


def _initiative(app: Flask, pm: User, stakeholder: User) -> int:
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        data = initiatives.InitiativeInput(
            name="Faster scam handling",
            goal="Halve scam handling time.",
            owner_id=actor.id,
            target_date=None,
            stakeholder_ids=[stakeholder.id or 0],
        )
        made = initiatives.create_initiative(session, actor=actor, data=data)
        assert made.id is not None
        return made.id


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    people = {role: make_user(role) for role in Role}
    headers: dict[Role, dict[str, str]] = {}
    token_id = 0
    for role, person in people.items():
        token_id, headers[role] = _token(app, person)
    pm = people[Role.PM]
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialist queue")
    with db.session_scope(app) as session:
        draft = session.get(StoryDraft, draft_id)
        assert draft is not None
        suggestion_id = draft.suggestion_id
    other_id = submit_idea(app, people[Role.SUBMITTER], title="Auto-close duplicate spam")
    vendor = people[Role.VENDOR]
    ids = {
        "pm_id": pm.id,
        "stakeholder_id": people[Role.STAKEHOLDER].id,
        "submitter_id": people[Role.SUBMITTER].id,
        "organisation_id": vendor.organisation_id,
        "suggestion_id": suggestion_id,
        "other_id": other_id,
        "draft_id": draft_id,
        "initiative_id": _initiative(app, pm, people[Role.STAKEHOLDER]),
        "token_id": token_id,
        "job_id": 1,
        "digest_id": 1,
        # The seeded ideas name queues, so queue 1 exists (services/kpis/queues.py).
        "queue_id": 1,
    }
    filled = {name: str(value) for name, value in ids.items()}
    filled["unsubscribe"] = "not-a-token"
    filled["session_id"] = "0" * 64
    return World(people, headers, filled)
