"""Submitting, reading and editing suggestions through /api/v1 with a bearer token."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.helpers.api import AREA, idea
from tracker import db
from tracker.models import Role, Suggestion
from tracker.services.accounts import users
from tracker.services.suggestions import decisions, submissions

MISSING = object()


def _stored_count(app) -> int:
    with db.session_scope(app) as session:
        return session.exec(select(func.count()).select_from(Suggestion)).one()


def test_create_answers_201_with_location_and_the_suggestion(app, client, api_user):
    user, headers = api_user(Role.SUBMITTER)
    response = client.post("/api/v1/suggestions", json=idea(), headers=headers)
    assert response.status_code == 201, response.text
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/suggestions/{body['id']}")
    assert body["title"] == "Auto-close refund tickets with a receipt attached"
    assert body["status"] == "new"
    assert body["submitter_id"] == user.id
    assert body["organisation_id"] is None
    assert body["evidence_links"] == ["https://wiki.example.com/refunds", "OPS-123"]
    assert body["hours_saved_per_week"] == 80
    assert body["vote_count"] == 0
    again = client.get(response.headers["Location"], headers=headers)
    assert again.status_code == 200
    assert again.get_json()["title"] == body["title"]


def test_a_vendors_suggestion_belongs_to_their_organisation(client, api_user):
    vendor, headers = api_user(Role.VENDOR)
    response = client.post("/api/v1/suggestions", json=idea(), headers=headers)
    assert response.status_code == 201
    assert response.get_json()["organisation_id"] == vendor.organisation_id
    assert vendor.organisation_id is not None


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("title", "", "Title is required."),
        ("title", "x" * 201, "Title must be at most 200 characters."),
        ("problem", MISSING, "Problem today is required."),
        ("proposed_change", "   ", "Proposed change is required."),
        ("area", "Nowhere", "Area must be one of"),
        ("weekly_volume", -1, "Weekly ticket volume must be between 0 and"),
        ("weekly_volume", "lots", "Weekly ticket volume must be a number."),
        ("handle_time_minutes", 20_000, "Average handle time must be between 0 and"),
        ("minutes_saved_per_ticket", 10, "cannot exceed the average handle time"),
        ("automation_share", 150, "Share of tickets automated must be between 0 and 100"),
        ("evidence_links", ["see my notes"], "'see my notes' is not a link or ticket id"),
        ("evidence_links", "https://wiki.example.com", "must be a list of strings"),
        ("evidence_links", [f"OPS-{n}" for n in range(21)], "at most 20 entries"),
        ("confidential", "perhaps", "Confidential"),
        ("status", "accepted", "Unknown field"),
    ],
)
def test_each_invalid_field_is_named_and_nothing_is_saved(
    app, client, api_user, field, value, sentence
):
    _, headers = api_user(Role.SUBMITTER)
    body = idea()
    if value is MISSING:
        del body[field]
    else:
        body[field] = value
    response = client.post("/api/v1/suggestions", json=body, headers=headers)
    assert response.status_code == 422, response.text
    answer = response.get_json()
    assert sentence in answer["fields"][field]
    assert answer["error"]
    assert _stored_count(app) == 0


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("title=Hello&problem=x", "application/x-www-form-urlencoded"),
        ('{"title": "Hello"', "application/json"),
        ('["a", "list"]', "application/json"),
        ('"a string"', "application/json"),
        ('{"title": "Hello"}', "text/plain"),
        ("", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(app, client, api_user, data, content_type):
    _, headers = api_user(Role.SUBMITTER)
    response = client.post(
        "/api/v1/suggestions", data=data, content_type=content_type, headers=headers
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "Send a JSON object."}
    assert _stored_count(app) == 0


def test_vendors_see_their_organisation_and_what_is_shared_only(
    app, client, api_user, make_organisation, seed
):
    acme = make_organisation(name="Acme")
    author, _ = api_user(Role.VENDOR, organisation_id=acme.id)
    _, colleague = api_user(Role.VENDOR, organisation_id=acme.id)
    _, rival = api_user(Role.VENDOR)
    _, agent = api_user(Role.SUBMITTER)
    pm, _ = api_user(Role.PM)
    suggestion_id = seed(author)
    url = f"/api/v1/suggestions/{suggestion_id}"
    assert client.get(url, headers=colleague).status_code == 200
    assert client.get(url, headers=agent).status_code == 200
    hidden = client.get(url, headers=rival)
    assert hidden.status_code == 404
    assert hidden.get_json()["error"] == (
        f"Suggestion {suggestion_id} does not exist or is not shared with you."
    )
    with db.session_scope(app) as session:
        submissions.set_sharing(
            session,
            actor=users.get_user(session, pm.id or 0),
            suggestion_id=suggestion_id,
            confidential=False,
            shared_with_vendors=True,
        )
    assert client.get(url, headers=rival).status_code == 200


def test_a_confidential_suggestion_is_hidden_from_everyone_but_its_author_and_pms(
    client, api_user, seed
):
    author, own = api_user(Role.SUBMITTER)
    _, other = api_user(Role.SUBMITTER)
    _, stakeholder = api_user(Role.STAKEHOLDER)
    _, pm = api_user(Role.PM)
    url = f"/api/v1/suggestions/{seed(author, confidential=True)}"
    assert client.get(url, headers=own).status_code == 200
    assert client.get(url, headers=pm).get_json()["confidential"] is True
    assert client.get(url, headers=other).status_code == 404
    assert client.get(url, headers=stakeholder).status_code == 404


def test_patch_changes_only_the_fields_sent(client, api_user, seed):
    author, headers = api_user(Role.SUBMITTER)
    url = f"/api/v1/suggestions/{seed(author)}"
    response = client.patch(
        url, json={"title": "Auto-close matched refunds", "weekly_volume": None}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = client.get(url, headers=headers).get_json()
    assert body["title"] == "Auto-close matched refunds"
    assert body["weekly_volume"] is None
    assert body["problem"] == idea()["problem"]
    assert body["evidence_links"] == idea()["evidence_links"]
    assert body["area"] == AREA


def test_patch_checks_the_merged_result_and_keeps_the_stored_one(client, api_user, seed):
    author, headers = api_user(Role.SUBMITTER)
    url = f"/api/v1/suggestions/{seed(author)}"
    # Lowering the handle time to 3 is fine alone, but not with the stored 4 minutes saved.
    response = client.patch(url, json={"handle_time_minutes": 3}, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"minutes_saved_per_ticket"}
    assert client.get(url, headers=headers).get_json()["handle_time_minutes"] == 6


def test_patch_follows_the_edit_rule(app, client, api_user, seed):
    author, own = api_user(Role.SUBMITTER)
    _, other = api_user(Role.SUBMITTER)
    pm, pm_headers = api_user(Role.PM)
    suggestion_id = seed(author)
    url = f"/api/v1/suggestions/{suggestion_id}"
    assert client.patch(url, json={"title": "Mine now"}, headers=other).status_code == 403
    with db.session_scope(app) as session:
        decisions.change_status(
            session,
            actor=users.get_user(session, pm.id or 0),
            suggestion_id=suggestion_id,
            to="declined",
            reason="Out of scope",
        )
    refused = client.patch(url, json={"title": "Please reconsider"}, headers=own)
    assert refused.status_code == 403
    assert "Only PMs can edit" in refused.get_json()["error"]
    assert client.patch(url, json={"title": "PM wording"}, headers=pm_headers).status_code == 200
    assert client.get(url, headers=own).get_json()["title"] == "PM wording"


def test_patch_of_an_invisible_suggestion_is_a_404(client, api_user, seed):
    author, _ = api_user(Role.VENDOR)
    _, rival = api_user(Role.VENDOR)
    url = f"/api/v1/suggestions/{seed(author)}"
    assert client.patch(url, json={"title": "x"}, headers=rival).status_code == 404


def test_similar_finds_visible_ideas_best_first(client, api_user, seed):
    author, headers = api_user(Role.SUBMITTER)
    _, rival_vendor = api_user(Role.VENDOR)
    refunds = seed(author)
    seed(
        author,
        title="Reset passwords from the chat widget",
        problem="Password resets take a ticket each.",
        proposed_change="Self-service reset in chat.",
    )
    response = client.get(
        "/api/v1/suggestions/similar",
        query_string={"title": "Refund tickets with receipt", "problem": "check receipt"},
        headers=headers,
    )
    assert response.status_code == 200
    found = response.get_json()
    assert [item["id"] for item in found] == [refunds]
    assert found[0]["title"] == idea()["title"]
    assert found[0]["status"] == "new"
    assert found[0]["vote_count"] == 0
    assert 0 < found[0]["similarity"] <= 1
    hidden = client.get(
        "/api/v1/suggestions/similar",
        query_string={"title": "refund receipt"},
        headers=rival_vendor,
    )
    assert hidden.get_json() == []
    nothing = client.get("/api/v1/suggestions/similar", headers=headers)
    assert nothing.status_code == 200
    assert nothing.get_json() == []


def test_mine_lists_only_my_suggestions(client, api_user, seed):
    author, headers = api_user(Role.VENDOR)
    other, _ = api_user(Role.SUBMITTER)
    first = seed(author, title="First idea")
    second = seed(author, title="Second idea")
    seed(other, title="Someone else's idea")
    response = client.get("/api/v1/suggestions/mine", headers=headers)
    assert response.status_code == 200
    assert sorted(item["id"] for item in response.get_json()) == [first, second]


def test_an_oversized_api_post_gets_a_json_413(make_app, database_url, api_user):
    _, headers = api_user(Role.SUBMITTER)
    small = make_app(database_url, security={"max_request_bytes": 1024})
    response = small.test_client().post(
        "/api/v1/suggestions", json=idea(problem="x" * 5000), headers=headers
    )
    assert response.status_code == 413
    assert response.is_json
    assert "larger than the 1 KiB this server accepts" in response.get_json()["error"]
