"""A suggestion joining or leaving an initiative wakes the push worker once the change is
committed, so its pushed stories move under the right epic in Jira without waiting for the
scheduler; a refused change wakes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import Role
from tracker.services import ports
from tracker.services.stories import initiatives

pytestmark = pytest.mark.fresh_app  # the app's Jira port is replaced below


class RecordingPort:
    """The app's real Jira port, except that starting the push worker is only counted."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.started = 0

    def start_push_worker(self) -> None:
        self.started += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Iterator[Flask]:
    jira = {
        "base_url": "http://127.0.0.1:9",  # never called: the worker start is recorded
        "project_key": "OPS",
        "personal_access_token": "pat",
    }
    made = make_app(database_url, jira=jira)
    ports.register(made, jira_port=RecordingPort(ports.jira(made)), digest_port=ports.digests(made))
    made.testing = False  # a testing app never starts the worker
    yield made
    made.testing = True


def test_joining_and_leaving_wake_the_worker_after_the_commit(
    app: Flask, client: Any, login_as: Callable[..., Any]
) -> None:
    pm = login_as(Role.PM)
    port = ports.jira(app)
    assert isinstance(port, RecordingPort)
    idea = accepted_idea(app, pm, "Route scam appeals to specialists")
    with db.session_scope(app) as session:
        made = initiatives.create_initiative(
            session,
            actor=pm,
            data=initiatives.InitiativeInput(
                name="Scam routing", goal="Faster.", owner_id=pm.id, target_date=None
            ),
        )
    joined = client.submit(f"/initiatives/{made.id}/suggestions", {"suggestion_id": str(idea)})
    assert joined.status_code == 302
    assert port.started == 1

    refused = client.submit(f"/initiatives/{made.id}/suggestions", {"suggestion_id": "999999"})
    assert refused.status_code >= 400
    assert port.started == 1  # nothing changed, nothing to move

    left = client.submit(f"/initiatives/{made.id}/suggestions/{idea}/remove", {})
    assert left.status_code == 302
    assert port.started == 2
