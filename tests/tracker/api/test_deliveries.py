"""Delivery outside Jira through /api/v1 (POST /suggestions/{id}/delivered), and what an idea
is measured by (PATCH /suggestions/{id}: benefit_metric, expected_benefit; PMs only)."""

from __future__ import annotations

import pytest

from tests.helpers.suggestions import accepted_idea, stored
from tracker.models import Role, Status


def _deliver(client, suggestion_id, headers, body):
    return client.post(f"/api/v1/suggestions/{suggestion_id}/delivered", json=body, headers=headers)


def test_a_pm_marks_an_accepted_idea_delivered_and_the_history_shows_it(app, client, api_user):
    pm, headers = api_user(Role.PM)
    idea = accepted_idea(app, pm)
    response = _deliver(client, idea, headers, {"on": "2026-03-02", "note": "Macro live."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["id"] == idea
    assert body["status"] == "delivered"
    assert body["delivered_on"] == "2026-03-02"
    assert body["delivered_at"].startswith("2026-03-02T12:00:00")
    assert body["corrected"] is False

    history = client.get(f"/api/v1/suggestions/{idea}/history", headers=headers).get_json()
    assert history[-1]["from_status"] == "accepted"
    assert history[-1]["to_status"] == "delivered"
    assert history[-1]["actor_id"] == pm.id
    assert history[-1]["reason"] == "Macro live."
    detail = client.get(f"/api/v1/suggestions/{idea}", headers=headers).get_json()
    assert detail["status"] == "delivered"
    assert detail["delivery"]["delivered_at"].startswith("2026-03-02T12:00:00")

    again = _deliver(client, idea, headers, {"on": "2026-02-23"})
    assert again.status_code == 200
    assert again.get_json()["corrected"] is True
    moment = stored(app, idea).delivered_at
    assert moment is not None
    assert moment.date().isoformat() == "2026-02-23"


def test_jira_driven_and_undecided_ideas_are_a_conflict(app, client, api_user):
    pm, headers = api_user(Role.PM)
    in_jira = accepted_idea(app, pm, status=Status.IN_DELIVERY)
    fresh = accepted_idea(app, pm, "Another idea", status=Status.NEW)
    for idea, words in ((in_jira, "in delivery in Jira"), (fresh, "Only an accepted idea")):
        response = _deliver(client, idea, headers, {"on": "2026-03-02"})
        assert response.status_code == 409
        assert words in response.get_json()["error"]
    assert stored(app, in_jira).status is Status.IN_DELIVERY


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"on": "2026-02-30"}, "on"),
        ({"on": "2999-01-01"}, "on"),
        ({"on": "1999-12-31"}, "on"),
        ({"on": "2026-3-2"}, "on"),
        ({"on": "\u0662\u0660\u0662\u0666-\u0660\u0663-\u0660\u0662"}, "on"),
        ({"on": 20260302}, "on"),
        ({"on": None}, "on"),
        ({}, "on"),
        ({"on": "2026-03-02", "note": "live\u0000"}, "note"),
        ({"on": "2026-03-02", "note": "x" * 10_001}, "note"),
        ({"on": "2026-03-02", "when": "today"}, "when"),
    ],
)
def test_bad_bodies_are_a_422_naming_the_field(app, client, api_user, body, field):
    pm, headers = api_user(Role.PM)
    idea = accepted_idea(app, pm)
    response = _deliver(client, idea, headers, body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert stored(app, idea).status is Status.ACCEPTED


def test_unknown_ids_are_a_404_and_non_pms_a_403(app, client, api_user):
    pm, headers = api_user(Role.PM)
    idea = accepted_idea(app, pm)
    assert _deliver(client, 999_999, headers, {"on": "2026-03-02"}).status_code == 404
    for role in (Role.SUBMITTER, Role.VENDOR, Role.STAKEHOLDER):
        _, theirs = api_user(role)
        response = _deliver(client, idea, theirs, {"on": "2026-03-02"})
        assert response.status_code == 403, role
    assert stored(app, idea).status is Status.ACCEPTED


def test_the_document_lists_the_route_with_its_body(client, api_user):
    _, headers = api_user(Role.PM)
    document = client.get("/api/v1/openapi.json", headers=headers).get_json()
    operation = document["paths"]["/suggestions/{suggestion_id}/delivered"]["post"]
    assert operation["requestBody"]["required"] is True
    body = document["components"]["schemas"]["DeliveryRequest"]
    assert body["additionalProperties"] is False
    assert body["properties"]["on"]["format"] == "date"
    assert body["required"] == ["on"]


def _patch(client, idea, headers, **body):
    return client.patch(f"/api/v1/suggestions/{idea}", json=body, headers=headers)


def test_a_pm_sets_what_an_idea_is_measured_by(app, client, api_user):
    pm, headers = api_user(Role.PM)
    idea = accepted_idea(app, pm)
    response = _patch(client, idea, headers, benefit_metric="aht_minutes", expected_benefit=1.5)
    assert response.status_code == 200, response.get_json()
    found = stored(app, idea)
    assert (found.benefit_metric, found.expected_benefit) == ("aht_minutes", 1.5)

    assert _patch(client, idea, headers, title="Renamed").status_code == 200
    assert stored(app, idea).benefit_metric == "aht_minutes"  # left out: kept

    cleared = _patch(client, idea, headers, benefit_metric="agent_hours", expected_benefit=None)
    assert cleared.status_code == 200
    found = stored(app, idea)
    assert (found.benefit_metric, found.expected_benefit) == ("", None)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"benefit_metric": "no_such_metric"}', "benefit_metric"),
        ('{"benefit_metric": 7}', "benefit_metric"),
        ('{"expected_benefit": 1e400}', "expected_benefit"),  # infinity (NaN is not JSON: 400)
        ('{"expected_benefit": -3}', "expected_benefit"),
        ('{"expected_benefit": "\u0663"}', "expected_benefit"),
        ('{"expected_benefit": 1e12}', "expected_benefit"),
    ],
)
def test_bad_measures_name_the_field(app, client, api_user, raw, field):
    pm, headers = api_user(Role.PM)
    idea = accepted_idea(app, pm)
    response = client.patch(
        f"/api/v1/suggestions/{idea}",
        data=raw,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert stored(app, idea).benefit_metric == ""


def test_submitters_cannot_choose_the_measure(client, api_user, seed):
    author, own = api_user(Role.SUBMITTER)
    idea = seed(author)
    assert _patch(client, idea, own, title="My better title").status_code == 200
    response = _patch(client, idea, own, benefit_metric="aht_minutes")
    assert response.status_code == 403
