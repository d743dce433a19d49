"""Pushing over the API: refused with 409 when Jira is not configured (nothing queued), and
otherwise a job whose state and items read as on the push page, checked against the served
OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.fakejira import FakeJira
from tests.helpers.api import DocumentedCalls
from tests.helpers.jira import jira_config, jobs, run_worker
from tests.helpers.stories import ready_draft
from tracker.models import Role


def test_without_jira_the_push_endpoint_refuses_with_409(app, client, api_user):
    pm, headers = api_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    calls = DocumentedCalls(client)

    for body in ({"story_ids": [draft_id]}, {"initiative_id": 1}, {}):
        response = calls("POST", "/pushes", headers, body)
        assert response.status_code == 409, body
        assert response.json["error"].startswith(
            "Jira is not configured: an admin sets jira.base_url"
        )
    assert jobs(app) == []


class TestWithJira:
    @pytest.fixture
    def app(self, make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
        return make_app(database_url, jira=jira_config(fake))

    def test_a_pm_pushes_and_watches_the_job(self, app, client, api_user, fake):
        pm, headers = api_user(Role.PM)
        draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
        calls = DocumentedCalls(client)

        queued = calls("POST", "/pushes", headers, {"story_ids": [draft_id, draft_id]})

        assert queued.status_code == 202, queued.json
        job_id = queued.json["id"]
        assert queued.headers["Location"].endswith(f"/api/v1/pushes/{job_id}")
        assert (queued.json["state"], queued.json["total"]) == ("waiting", 1)
        assert queued.json["items"] == [
            {
                "story_id": draft_id,
                "initiative_id": None,
                "state": "waiting",
                "state_text": "Waiting",
                "jira_key": None,
                "browse_url": "",
            }
        ]

        run_worker(app)

        done = calls("GET", f"/pushes/{job_id}", headers)
        [issue] = fake.issues()
        assert (done.json["state"], done.json["state_text"]) == ("done", "Done")
        assert done.json["lease_owner"] == "test"
        [item] = done.json["items"]
        assert (item["state"], item["jira_key"]) == ("pushed", issue.key)

        again = calls("POST", "/pushes", headers, {"story_ids": [draft_id]})
        assert again.status_code == 409
        assert again.json["error"] == "Everything selected is in Jira already."

    def test_the_body_says_one_thing_to_push(self, app, client, api_user):
        _, headers = api_user(Role.PM)
        response = DocumentedCalls(client)("POST", "/pushes", headers, {})
        assert response.status_code == 422
        assert "story_ids" in response.json["fields"]
