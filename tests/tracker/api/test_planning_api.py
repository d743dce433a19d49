"""Initiatives and story drafts through /api/v1: the pages' rules, answered in JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.api import DocumentedCalls
from tests.helpers.suggestions import accepted_idea
from tracker.models import Role, Status

INITIATIVES = "/api/v1/initiatives"
STORIES = "/api/v1/stories"


def _create(client, headers, **changes: Any):
    body: dict[str, Any] = {"name": "Scam routing", "goal": "Appeals reach specialists first."}
    body.update(changes)
    return client.post(INITIATIVES, json=body, headers=headers)


def _generate(client, headers, suggestion_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/suggestions/{suggestion_id}/stories", headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.get_json()
    return body


def _texts(node: Any) -> Iterator[str]:
    """Every text run of an ADF document, in order."""
    if isinstance(node, dict):
        if node.get("type") == "text":
            yield node["text"]
        for child in node.get("content", []):
            yield from _texts(child)


# --- initiatives ------------------------------------------------------------------------------


def test_create_answers_201_with_location_and_the_caller_as_owner(client, api_user):
    pm, headers = api_user(Role.PM, display_name="Priya PM")
    stakeholder, _ = api_user(Role.STAKEHOLDER)
    response = _create(client, headers, target_date="2026-12-31", stakeholder_ids=[stakeholder.id])
    assert response.status_code == 201, response.text
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{INITIATIVES}/{body['id']}")
    assert body["owner"] == {"id": pm.id, "display_name": "Priya PM"}
    assert body["target_date"] == "2026-12-31"
    assert body["health"] == "on_track"
    assert [person["id"] for person in body["stakeholders"]] == [stakeholder.id]
    assert (body["suggestion_count"], body["suggestions"]) == (0, [])
    listed = client.get(INITIATIVES, headers=headers).get_json()
    assert [row["name"] for row in listed] == ["Scam routing"]
    assert client.get(response.headers["Location"], headers=headers).get_json()["name"] == (
        "Scam routing"
    )


def test_create_errors_name_their_fields_and_store_nothing(client, api_user):
    _, headers = api_user(Role.PM)
    agent, _ = api_user(Role.SUBMITTER, display_name="Sam Agent")
    vendor, _ = api_user(Role.VENDOR, display_name="Val Vendor")
    assert _create(client, headers).status_code == 201
    cases = [
        ({"name": "scam ROUTING"}, "name", "already exists"),
        ({"name": "  "}, "name", "Give the initiative a name."),
        ({"name": "New", "owner_id": agent.id}, "owner_id", "Sam Agent is submitter"),
        ({"name": "New", "owner_id": None}, "owner_id", "Choose the product manager"),
        ({"name": "New", "stakeholder_ids": [vendor.id]}, "stakeholder_ids", "Val Vendor"),
        ({"name": "New", "target_date": "soon"}, "target_date", "date"),
        ({"name": "New", "colour": "red"}, "colour", "Unknown field"),
    ]
    for changes, field, sentence in cases:
        response = _create(client, headers, **changes)
        assert response.status_code == 422, changes
        assert sentence in response.get_json()["fields"][field], changes
    assert len(client.get(INITIATIVES, headers=headers).get_json()) == 1


def test_patch_changes_only_what_is_sent(client, api_user):
    _, headers = api_user(Role.PM)
    stakeholder, _ = api_user(Role.STAKEHOLDER)
    first = _create(client, headers, stakeholder_ids=[stakeholder.id]).get_json()
    _create(client, headers, name="Spam macros")
    url = f"{INITIATIVES}/{first['id']}"
    edited = client.patch(url, json={"goal": "Half the transfers."}, headers=headers)
    assert edited.status_code == 200, edited.text
    body = edited.get_json()
    assert (body["name"], body["goal"]) == ("Scam routing", "Half the transfers.")
    assert [person["id"] for person in body["stakeholders"]] == [stakeholder.id]
    clash = client.patch(url, json={"name": "SPAM macros"}, headers=headers)
    assert clash.status_code == 422
    assert "already exists" in clash.get_json()["fields"]["name"]
    cleared = client.patch(url, json={"stakeholder_ids": [], "target_date": None}, headers=headers)
    assert cleared.get_json()["stakeholders"] == []
    assert client.get(url, headers=headers).get_json()["goal"] == "Half the transfers."
    assert client.patch(f"{INITIATIVES}/999", json={}, headers=headers).status_code == 404


def test_health_needs_a_note_unless_on_track(client, api_user):
    _, headers = api_user(Role.PM)
    url = f"{INITIATIVES}/{_create(client, headers).get_json()['id']}/health"
    missing = client.post(url, json={"health": "at_risk"}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["fields"]["note"].startswith("Say what makes it at risk")
    unknown = client.post(url, json={"health": "sunny"}, headers=headers)
    assert unknown.get_json()["fields"]["health"].startswith("Choose one of: on track")
    saved = client.post(
        url, json={"health": "off_track", "note": "Vendor  tool late."}, headers=headers
    )
    assert saved.status_code == 200
    assert (saved.get_json()["health"], saved.get_json()["health_note"]) == (
        "off_track",
        "Vendor tool late.",
    )


def test_only_accepted_suggestions_join_and_their_drafts_follow(app, client, api_user):
    pm, headers = api_user(Role.PM)
    new = accepted_idea(app, pm, "Still new", status=Status.NEW)
    accepted = accepted_idea(app, pm, "Route scam appeals")
    draft = _generate(client, headers, accepted)
    first = _create(client, headers).get_json()["id"]
    second = _create(client, headers, name="Other").get_json()["id"]
    add = f"{INITIATIVES}/{first}/suggestions"

    refused = client.post(add, json={"suggestion_id": new}, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == (
        f"Only accepted suggestions can join an initiative; #{new} is new."
    )
    joined = client.post(add, json={"suggestion_id": accepted}, headers=headers)
    assert joined.status_code == 200, joined.text
    body = joined.get_json()
    assert [s["title"] for s in body["suggestions"]] == ["Route scam appeals"]
    assert (body["suggestion_count"], body["story_count"]) == (1, 1)
    assert (
        client.get(f"{STORIES}/{draft['id']}", headers=headers).get_json()["initiative_id"] == first
    )
    elsewhere = client.post(
        f"{INITIATIVES}/{second}/suggestions", json={"suggestion_id": accepted}, headers=headers
    )
    assert elsewhere.status_code == 409
    assert "already belongs to the initiative 'Scam routing'" in elsewhere.get_json()["error"]
    missing = client.post(add, json={}, headers=headers)
    assert missing.get_json()["fields"] == {"suggestion_id": "This field is required."}

    removed = client.delete(f"{add}/{accepted}", headers=headers)
    assert removed.status_code == 200
    assert removed.get_json()["suggestions"] == []
    assert (
        client.get(f"{STORIES}/{draft['id']}", headers=headers).get_json()["initiative_id"] is None
    )
    again = client.delete(f"{add}/{accepted}", headers=headers)
    assert again.status_code == 409


def test_readers_see_only_the_suggestions_they_may(app, client, api_user):
    pm, headers = api_user(Role.PM)
    _, agent = api_user(Role.SUBMITTER)
    secret = accepted_idea(app, pm, "Confidential idea", confidential="true")
    initiative = _create(client, headers).get_json()["id"]
    client.post(
        f"{INITIATIVES}/{initiative}/suggestions", json={"suggestion_id": secret}, headers=headers
    )
    seen = client.get(f"{INITIATIVES}/{initiative}", headers=agent).get_json()
    assert (seen["suggestions"], seen["suggestion_count"]) == ([], 0)
    assert client.get(INITIATIVES, headers=agent).get_json()[0]["suggestion_count"] == 0
    assert client.get(INITIATIVES, headers=headers).get_json()[0]["suggestion_count"] == 1


def test_vendors_are_refused_and_readers_cannot_write(client, api_user):
    _, pm = api_user(Role.PM)
    initiative = _create(client, pm).get_json()["id"]
    _, vendor = api_user(Role.VENDOR)
    for url in (INITIATIVES, f"{INITIATIVES}/{initiative}", STORIES):
        assert client.get(url, headers=vendor).status_code == 403, url
    for role in (Role.SUBMITTER, Role.STAKEHOLDER):
        _, headers = api_user(role)
        assert client.get(f"{INITIATIVES}/{initiative}", headers=headers).status_code == 200
        writes = [
            client.post(INITIATIVES, json={"name": "Mine"}, headers=headers),
            client.patch(f"{INITIATIVES}/{initiative}", json={"name": "X"}, headers=headers),
            client.post(
                f"{INITIATIVES}/{initiative}/health", json={"health": "on_track"}, headers=headers
            ),
        ]
        assert [response.status_code for response in writes] == [403, 403, 403], role
    assert client.get(f"{INITIATIVES}/{initiative}", headers=pm).get_json()["name"] == (
        "Scam routing"
    )


# --- story drafts -----------------------------------------------------------------------------


def test_generate_answers_201_with_the_draft_and_refuses_unaccepted(app, client, api_user):
    pm, headers = api_user(Role.PM)
    accepted = accepted_idea(app, pm, "Route scam appeals")
    fresh = accepted_idea(app, pm, "Not yet", status=Status.NEW)
    response = client.post(f"/api/v1/suggestions/{accepted}/stories", headers=headers)
    assert response.status_code == 201
    draft = response.get_json()
    assert response.headers["Location"].endswith(f"{STORIES}/{draft['id']}")
    assert (draft["summary"], draft["suggestion_title"]) == ("Route scam appeals",) * 2
    assert draft["state"] == "draft"
    assert draft["labels"] == ["initiative-tracker"]
    assert draft["acceptance_criteria"][0]["given"] == "a ticket in the Scam appeals queue"
    assert (draft["problems"], draft["problem_count"]) == ([], 0)
    refused = client.post(f"/api/v1/suggestions/{fresh}/stories", headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == (
        f"Only accepted suggestions become stories; #{fresh} is new."
    )


def test_ready_is_refused_with_lint_fields_then_accepted(app, client, api_user):
    pm, headers = api_user(Role.PM)
    draft = _generate(client, headers, accepted_idea(app, pm))
    url = f"{STORIES}/{draft['id']}"
    broken = client.patch(
        url,
        json={"benefit": "", "story_points": None, "acceptance_criteria": [{"given": "TODO"}]},
        headers=headers,
    )
    assert broken.status_code == 200, broken.text
    assert {problem["field"] for problem in broken.get_json()["problems"]} == {
        "benefit",
        "acceptance_criteria",
        "story_points",
    }
    refused = client.post(f"{url}/ready", headers=headers)
    assert refused.status_code == 422
    fields = refused.get_json()["fields"]
    assert fields["benefit"] == "Say why it matters (so that ...)."
    assert fields["story_points"].startswith("Choose story points from the scale 1, 2, 3")
    assert "placeholder 'TODO'" in fields["acceptance_criteria"]
    assert client.get(url, headers=headers).get_json()["state"] == "draft"

    fixed = client.patch(
        url,
        json={
            "benefit": "appeals are answered a day sooner",
            "story_points": 3,
            "acceptance_criteria": [
                {"given": "a scam appeal", "when": "it arrives", "then": "specialists get it"},
                {"given": "", "when": "", "then": ""},
            ],
        },
        headers=headers,
    )
    assert fixed.get_json()["acceptance_criteria"] == [
        {"given": "a scam appeal", "when": "it arrives", "then": "specialists get it"}
    ]
    ready = client.post(f"{url}/ready", headers=headers)
    assert ready.status_code == 200, ready.text
    assert ready.get_json()["state"] == "ready"
    # Breaking a rule again sends it back to draft, as on the page.
    back = client.patch(url, json={"role": ""}, headers=headers).get_json()
    assert (back["state"], back["problem_count"]) == ("draft", 1)


def test_edits_follow_the_forms_rules(app, client, api_user):
    pm, headers = api_user(Role.PM)
    draft = _generate(client, headers, accepted_idea(app, pm))
    url = f"{STORIES}/{draft['id']}"
    cases = [
        ({"labels": ["needs review"]}, "labels", "write it as 'needs-review'"),
        ({"story_points": 4}, "story_points", "Choose story points from the scale"),
        ({"priority": "Urgent"}, "priority", "Choose one of: Highest, High, Medium, Low."),
        ({"summary": "x" * 401}, "summary", "at most 400 characters"),
        ({"acceptance_criteria": [{"given": "x" * 1001}]}, "acceptance_criteria", "1000"),
        ({"state": "ready"}, "state", "Unknown field"),
    ]
    for body, field, sentence in cases:
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert sentence in response.get_json()["fields"][field], body
    unchanged = client.get(url, headers=headers).get_json()
    assert unchanged["labels"] == ["initiative-tracker"]
    tidy = client.patch(url, json={"labels": [" ops ", "ops", "", "scams"]}, headers=headers)
    assert tidy.get_json()["labels"] == ["ops", "scams"]


def test_list_filters_by_initiative_and_state_with_page_fields(app, client, api_user):
    pm, headers = api_user(Role.PM)
    _, stakeholder = api_user(Role.STAKEHOLDER)
    _, agent = api_user(Role.SUBMITTER)
    one = _generate(client, headers, accepted_idea(app, pm, "First idea"))
    two = _generate(client, headers, accepted_idea(app, pm, "Second idea", reach=100))
    initiative = _create(client, headers).get_json()["id"]
    client.post(
        f"{INITIATIVES}/{initiative}/suggestions",
        json={"suggestion_id": one["suggestion_id"]},
        headers=headers,
    )
    assert client.post(f"{STORIES}/{two['id']}/ready", headers=headers).status_code == 200

    def ids(**query: Any) -> list[int]:
        response = client.get(STORIES, query_string=query, headers=stakeholder)
        assert response.status_code == 200
        return [item["id"] for item in response.get_json()["items"]]

    assert ids() == [two["id"], one["id"]]
    assert ids(initiative=initiative) == [one["id"]]
    assert ids(state="ready") == [two["id"]]
    assert ids(state="draft") == [one["id"]]
    page = client.get(STORIES, query_string={"per_page": 1}, headers=stakeholder).get_json()
    assert (page["total"], page["pages"], page["next_page"], page["prev_page"]) == (2, 2, 2, None)
    assert page["items"][0]["suggestion_title"] == "Second idea"
    assert client.get(STORIES, headers=agent).status_code == 403


def test_preview_has_given_when_then_in_wiki_and_adf(app, client, api_user):
    pm, headers = api_user(Role.PM)
    draft = _generate(client, headers, accepted_idea(app, pm))
    _, stakeholder = api_user(Role.STAKEHOLDER)
    response = client.get(f"{STORIES}/{draft['id']}/preview", headers=stakeholder)
    assert response.status_code == 200
    preview = response.get_json()
    assert preview["summary"] == draft["summary"]
    assert (
        "*Given* a ticket in the Scam appeals queue *When* an agent handles it after the change "
        "is live *Then*" in preview["wiki"]
    )
    assert "h3. Acceptance criteria" in preview["wiki"]
    assert preview["adf"]["type"] == "doc"
    text = "".join(_texts(preview["adf"]))
    assert "Given a ticket in the Scam appeals queue When an agent handles it after" in text


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.SUBMITTER, Role.VENDOR])
def test_only_product_may_change_drafts(app, client, api_user, make_user, role):
    pm, headers = api_user(Role.PM)
    suggestion_id = accepted_idea(app, pm)
    draft = _generate(client, headers, suggestion_id)
    _, others = api_user(role)
    url = f"{STORIES}/{draft['id']}"
    writes = [
        client.post(f"/api/v1/suggestions/{suggestion_id}/stories", headers=others),
        client.patch(url, json={"summary": "Hijacked"}, headers=others),
        client.post(f"{url}/ready", headers=others),
        client.delete(url, headers=others),
    ]
    assert [response.status_code for response in writes] == [403] * 4
    reads = client.get(url, headers=others).status_code
    assert reads == (200 if role is Role.STAKEHOLDER else 403)
    assert client.get(url, headers=headers).get_json()["summary"] == draft["summary"]


def test_delete_answers_204_and_the_draft_is_gone(app, client, api_user):
    pm, headers = api_user(Role.PM)
    draft = _generate(client, headers, accepted_idea(app, pm))
    url = f"{STORIES}/{draft['id']}"
    deleted = client.delete(url, headers=headers)
    assert deleted.status_code == 204
    assert deleted.data == b""
    assert client.get(url, headers=headers).status_code == 404
    assert client.delete(url, headers=headers).status_code == 404


def test_answers_match_the_document(app, client, api_user):
    pm, headers = api_user(Role.PM)
    stakeholder, readers = api_user(Role.STAKEHOLDER)
    suggestion_id = accepted_idea(app, pm)
    call = DocumentedCalls(client)
    created = call("POST", "/initiatives", headers, {"name": "Scam routing", "target_date": None})
    initiative = f"/initiatives/{created.get_json()['id']}"
    draft = call("POST", f"/suggestions/{suggestion_id}/stories", headers)
    story = f"/stories/{draft.get_json()['id']}"
    calls = [
        ("GET", "/initiatives", readers, None, None),
        ("GET", initiative, readers, None, None),
        ("PATCH", initiative, headers, {"goal": "Faster", "stakeholder_ids": [stakeholder.id]}),
        ("POST", f"{initiative}/health", headers, {"health": "at_risk", "note": "Late"}),
        ("POST", f"{initiative}/suggestions", headers, {"suggestion_id": suggestion_id}),
        ("GET", "/stories", readers, None, {"state": "draft", "per_page": "1"}),
        ("GET", story, readers, None, None),
        ("PATCH", story, headers, {"story_points": None, "labels": ["ops"]}),
        ("POST", f"{story}/ready", headers, None, None),
        ("PATCH", story, headers, {"story_points": 3}),
        ("POST", f"{story}/ready", headers, None, None),
        ("GET", f"{story}/preview", readers, None, None),
        ("DELETE", f"{initiative}/suggestions/{suggestion_id}", headers, None, None),
        ("DELETE", story, headers, None, None),
    ]
    statuses = [call(*arguments).status_code for arguments in calls]  # type: ignore[arg-type]
    assert [created.status_code, draft.status_code] == [201, 201]
    assert statuses == [200] * 8 + [422] + [200] * 4 + [204]
