"""Triage through /api/v1: status with history, scores with formulas, merges and sharing."""

from __future__ import annotations

import pytest

from tracker.models import Role

RICE = {"reach": 400, "impact": 2, "confidence": 80, "effort": 3}


def _status(client, suggestion_id, headers, status, reason=""):
    return client.post(
        f"/api/v1/suggestions/{suggestion_id}/status",
        json={"status": status, "reason": reason},
        headers=headers,
    )


def _score(client, suggestion_id, headers, **body):
    return client.post(f"/api/v1/suggestions/{suggestion_id}/score", json=body, headers=headers)


def test_submitters_and_vendors_cannot_triage(client, api_user, seed):
    author, own = api_user(Role.SUBMITTER)
    _, vendor_headers = api_user(Role.VENDOR)
    suggestion_id = seed(author)
    other_id = seed(author, title="Another idea")
    base = f"/api/v1/suggestions/{suggestion_id}"
    for headers in (own, vendor_headers):
        for path, body in (
            ("status", {"status": "under_review"}),
            ("score", {"framework": "rice", "inputs": RICE}),
            ("merge", {"target_id": other_id}),
            ("unmerge", {}),
            ("sharing", {"confidential": False, "shared_with_vendors": True}),
        ):
            response = client.post(f"{base}/{path}", json=body, headers=headers)
            assert response.status_code == 403, path
            assert response.is_json
    detail = client.get(base, headers=own).get_json()
    assert detail["status"] == "new"
    assert detail["score_value"] is None
    assert detail["shared_with_vendors"] is False


def test_declining_needs_a_reason(client, api_user, seed):
    author, own = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    suggestion_id = seed(author)
    refused = _status(client, suggestion_id, pm, "declined", "   ")
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["reason"] == "Tell the submitter why; they will see this."
    assert client.get(f"/api/v1/suggestions/{suggestion_id}", headers=own).get_json()["status"] == (
        "new"
    )
    declined = _status(client, suggestion_id, pm, "declined", "Legal will not allow it")
    assert declined.status_code == 200, declined.text
    body = declined.get_json()
    assert body["status"] == "declined"
    assert body["decision_reason"] == "Legal will not allow it"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"status": "shipped"}, 422, "status"),
        ({"status": "accepted"}, 422, "score"),
        ({"reason": "no status"}, 422, "status"),
        ({"status": "delivered"}, 409, None),
    ],
)
def test_bad_status_changes_are_refused(client, api_user, seed, body, status, field):
    author, _ = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    suggestion_id = seed(author)
    response = client.post(f"/api/v1/suggestions/{suggestion_id}/status", json=body, headers=pm)
    assert response.status_code == status, response.text
    if field:
        assert field in response.get_json()["fields"]
    history = client.get(f"/api/v1/suggestions/{suggestion_id}/history", headers=pm).get_json()
    assert [entry["to_status"] for entry in history] == ["new"]


def test_score_answers_the_value_formula_and_inputs(client, api_user, seed):
    author, own = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    suggestion_id = seed(author)
    response = _score(client, suggestion_id, pm, inputs=RICE)  # rice is the configured default
    assert response.status_code == 200, response.text
    assert response.get_json() == {
        "framework": "rice",
        "value": pytest.approx(213.333, abs=0.001),
        "formula": "RICE = 400 x 2 x 80% / 3 = 213",
        "inputs": {"reach": 400.0, "impact": 2.0, "confidence": 80.0, "effort": 3.0},
        "quadrant": None,
    }
    detail = client.get(f"/api/v1/suggestions/{suggestion_id}", headers=own).get_json()
    assert detail["score_framework"] == "rice"
    assert detail["score_formula"] == "RICE = 400 x 2 x 80% / 3 = 213"
    pick = _score(
        client, suggestion_id, pm, framework="value_effort", inputs={"value": 4, "effort": 2}
    )
    assert pick.get_json()["quadrant"] == "Implement"
    assert pick.get_json()["value"] == 2


def test_the_configured_framework_is_the_default(make_app, database_url, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    suggestion_id = seed(author)
    ice_app = make_app(database_url, scoring={"framework": "ice"})
    response = ice_app.test_client().post(
        f"/api/v1/suggestions/{suggestion_id}/score",
        json={"inputs": {"impact": 8, "confidence": 5, "ease": 4}},
        headers=pm,
    )
    assert response.status_code == 200, response.text
    assert response.get_json()["framework"] == "ice"
    assert response.get_json()["formula"] == "ICE = 8 x 5 x 4 = 160"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"framework": "rice", "inputs": {"reach": -1, "impact": 7, "effort": 0}},
            {
                "reach": "Reach must be from 0 to 1,000,000,000,000 people/quarter.",
                "impact": "Impact must be one of 3, 2, 1, 0.5, 0.25.",
                "confidence": "Confidence is required.",
                "effort": "Effort must be more than 0 person-months.",
            },
        ),
        ({"framework": "moscow", "inputs": {}}, {"framework": None}),
        ({"framework": "rice", "inputs": [1, 2]}, {"inputs": None}),
        ({"framework": "rice"}, {"inputs": None}),
    ],
)
def test_score_errors_name_each_input(client, api_user, seed, body, fields):
    author, own = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    suggestion_id = seed(author)
    response = _score(client, suggestion_id, pm, **body)
    assert response.status_code == 422, response.text
    answer = response.get_json()["fields"]
    assert set(answer) == set(fields)
    for name, sentence in fields.items():
        if sentence is not None:
            assert answer[name] == sentence
    detail = client.get(f"/api/v1/suggestions/{suggestion_id}", headers=own).get_json()
    assert detail["score_value"] is None


def test_history_lists_each_decision_with_its_score(client, api_user, seed):
    author, own = api_user(Role.SUBMITTER)
    pm_user, pm = api_user(Role.PM)
    suggestion_id = seed(author)
    assert _status(client, suggestion_id, pm, "under_review").status_code == 200
    assert _score(client, suggestion_id, pm, framework="rice", inputs=RICE).status_code == 200
    assert _status(client, suggestion_id, pm, "accepted", "Quick win").status_code == 200
    response = client.get(f"/api/v1/suggestions/{suggestion_id}/history", headers=own)
    assert response.status_code == 200
    history = response.get_json()
    assert [(e["from_status"], e["to_status"]) for e in history] == [
        (None, "new"),
        ("new", "under_review"),
        ("under_review", "accepted"),
    ]
    assert [e["actor_id"] for e in history] == [author.id, pm_user.id, pm_user.id]
    assert history[2]["reason"] == "Quick win"
    assert history[1]["score_snapshot"] is None
    assert history[2]["score_snapshot"]["formula"] == "RICE = 400 x 2 x 80% / 3 = 213"
    assert history[2]["score_snapshot"]["inputs"]["reach"] == 400
    assert all(e["created_at"] for e in history)


def test_merge_rules(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    first = seed(author)
    second = seed(author, title="The same again")
    base = f"/api/v1/suggestions/{first}"
    itself = client.post(f"{base}/merge", json={"target_id": first}, headers=pm)
    assert itself.status_code == 422
    assert itself.get_json()["fields"] == {"target_id": "Choose a different suggestion."}
    missing = client.post(f"{base}/merge", json={"reason": "dupe"}, headers=pm)
    assert missing.status_code == 422
    assert "target_id" in missing.get_json()["fields"]
    nowhere = client.post(f"{base}/merge", json={"target_id": 99_999}, headers=pm)
    assert nowhere.status_code == 404
    not_merged = client.post(f"{base}/unmerge", headers=pm)
    assert not_merged.status_code == 409
    assert client.post(f"{base}/merge", json={"target_id": second}, headers=pm).status_code == 200
    detail = client.get(base, headers=pm).get_json()
    assert (detail["status"], detail["duplicate_of_id"]) == ("duplicate", second)
    history = client.get(f"{base}/history", headers=pm).get_json()
    assert history[-1]["reason"] == f"Duplicate of #{second}"
    undone = client.post(f"{base}/unmerge", json={"reason": "Different queues"}, headers=pm)
    assert undone.get_json()["duplicate_of_id"] is None
    assert client.get(f"{base}/history", headers=pm).get_json()[-1]["reason"] == (
        "Different queues"
    )


def test_sharing_decides_what_vendors_see(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    _, vendor = api_user(Role.VENDOR)
    suggestion_id = seed(author)
    url = f"/api/v1/suggestions/{suggestion_id}"
    assert client.get(url, headers=vendor).status_code == 404
    shared = client.post(
        f"{url}/sharing", json={"confidential": False, "shared_with_vendors": True}, headers=pm
    )
    assert shared.status_code == 200
    assert shared.get_json()["shared_with_vendors"] is True
    assert client.get(url, headers=vendor).status_code == 200
    secret = client.post(
        f"{url}/sharing", json={"confidential": True, "shared_with_vendors": True}, headers=pm
    )
    assert (secret.get_json()["confidential"], secret.get_json()["shared_with_vendors"]) == (
        True,
        False,
    )
    assert client.get(url, headers=vendor).status_code == 404
    incomplete = client.post(f"{url}/sharing", json={"confidential": False}, headers=pm)
    assert incomplete.status_code == 422
    assert incomplete.get_json()["fields"] == {"shared_with_vendors": "This field is required."}
