"""The OpenAPI document describes every suggestion route, and real answers match it."""

from __future__ import annotations

import json
import re

import pytest
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from tests.helpers.api import idea
from tests.tracker.routes import api_planning
from tests.tracker.routes.api import REAL_METHODS, ROWS
from tracker.models import Role

# (path, method) -> (response model, whether the answer is a list of them)
ROUTES = {
    ("/suggestions", "post"): ("SuggestionPublic", False),
    ("/suggestions/{suggestion_id}", "get"): ("SuggestionPublic", False),
    ("/suggestions/{suggestion_id}", "patch"): ("SuggestionPublic", False),
    ("/suggestions/similar", "get"): ("SimilarSuggestion", True),
    ("/suggestions/mine", "get"): ("SuggestionPublic", True),
    ("/suggestions/{suggestion_id}/votes", "post"): ("EngagementCounts", False),
    ("/suggestions/{suggestion_id}/votes", "delete"): ("EngagementCounts", False),
    ("/suggestions/{suggestion_id}/comments", "get"): ("CommentPublic", True),
    ("/suggestions/{suggestion_id}/comments", "post"): ("CommentPublic", False),
    ("/suggestions/{suggestion_id}/watch", "post"): ("EngagementCounts", False),
    ("/suggestions/{suggestion_id}/history", "get"): ("StatusChangePublic", True),
    ("/suggestions/{suggestion_id}/status", "post"): ("SuggestionPublic", False),
    ("/suggestions/{suggestion_id}/score", "post"): ("ScorePublic", False),
    ("/suggestions/{suggestion_id}/merge", "post"): ("SuggestionPublic", False),
    ("/suggestions/{suggestion_id}/unmerge", "post"): ("SuggestionPublic", False),
    ("/suggestions/{suggestion_id}/sharing", "post"): ("SuggestionPublic", False),
    ("/suggestions/{suggestion_id}/benefit", "get"): ("SuggestionBenefitPublic", False),
    ("/suggestions/{suggestion_id}/delivered", "post"): ("DeliveryPublic", False),
}


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _success_schema(entry):
    (status,) = [code for code in entry["responses"] if code != "default"]
    return status, entry["responses"][status]["content"]["application/json"]["schema"]


def test_every_route_is_documented_with_its_response_schema(client):
    document = _document(client)
    for (path, method), (model, many) in ROUTES.items():
        entry = document["paths"][path][method]
        assert entry["summary"], (method, path)
        _, schema = _success_schema(entry)
        if many:
            assert schema["type"] == "array", (method, path)
            schema = schema["items"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}, (method, path)
        assert model in document["components"]["schemas"]
        assert entry["responses"]["default"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorPublic"
        }
    assert _success_schema(document["paths"]["/suggestions"]["post"])[0] == "201"


def test_the_create_body_is_suggestion_create(client):
    document = _document(client)
    body = document["paths"]["/suggestions"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SuggestionCreate"
    }
    fields = document["components"]["schemas"]["SuggestionCreate"]["properties"]
    assert fields["title"]["maxLength"] == 200
    assert fields["evidence_links"]["type"] == "array"
    patch = document["paths"]["/suggestions/{suggestion_id}"]["patch"]["requestBody"]
    assert patch["content"]["application/json"]["schema"]["$ref"].endswith("/SuggestionUpdate")


def test_the_route_table_covers_every_route_here(app):
    mine = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/suggestions")
    }
    assert mine - set(api_planning.ROWS) == set(ROWS)
    for endpoint, (method, url) in REAL_METHODS.items():
        adapter = app.url_map.bind("localhost")
        assert adapter.match(url, method=method)[0] == endpoint


def test_real_answers_match_the_document(client, api_user, seed):
    """Each call is checked against the document both ways, as a generated client would."""
    document = _document(client)
    document["servers"] = [{"url": "http://localhost/api/v1"}]
    spec = OpenAPI.from_dict(document)
    author, own = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    other = seed(author, title="Receipts for refunds")

    def call(method, path, headers, body=None, query=None):
        response = client.open(
            f"/api/v1{path}", method=method, json=body, query_string=query, headers=headers
        )
        data = json.dumps(body).encode() if body is not None else b""
        spec.validate_request(
            MockRequest(
                "http://localhost",
                method.lower(),
                f"/api/v1{path}",
                args=query or {},
                data=data,
                headers=headers,
                content_type="application/json",
            )
        )
        spec.validate_response(
            MockRequest("http://localhost", method.lower(), f"/api/v1{path}", args=query or {}),
            MockResponse(response.data, status_code=response.status_code),
        )
        return response

    created = call("POST", "/suggestions", own, idea())
    assert created.status_code == 201
    sid = created.get_json()["id"]
    path = f"/suggestions/{sid}"
    calls = [
        ("GET", path, own, None, None),
        ("PATCH", path, own, {"title": "Close refunds with receipts"}, None),
        ("GET", "/suggestions/similar", own, None, {"title": "refund receipts"}),
        ("GET", "/suggestions/mine", own, None, None),
        ("POST", f"{path}/votes", own, {"frequency": "daily", "note": ""}, None),
        ("DELETE", f"{path}/votes", own, None, None),
        ("POST", f"{path}/comments", own, {"body": "Me too"}, None),
        ("GET", f"{path}/comments", own, None, None),
        ("POST", f"{path}/watch", own, {"watching": True}, None),
        (
            "POST",
            f"{path}/score",
            pm,
            {"framework": "value_effort", "inputs": {"value": 4, "effort": 2}},
            None,
        ),
        ("POST", f"{path}/status", pm, {"status": "accepted", "reason": "Cheap"}, None),
        ("GET", f"{path}/history", own, None, None),
        ("POST", f"{path}/sharing", pm, {"confidential": False, "shared_with_vendors": True}, None),
        ("POST", f"/suggestions/{other}/merge", pm, {"target_id": sid, "reason": ""}, None),
        ("POST", f"/suggestions/{other}/unmerge", pm, {"reason": "Not the same"}, None),
        ("POST", f"{path}/status", pm, {"status": "declined", "reason": ""}, None),
    ]
    statuses = [call(*arguments).status_code for arguments in calls]
    assert statuses == [200] * 6 + [201] + [200] * 8 + [409]
    # The check itself bites: an answer of the wrong shape is refused.
    with pytest.raises(OpenAPIError):
        spec.validate_response(
            MockRequest("http://localhost", "get", f"/api/v1{path}"),
            MockResponse(b'{"id": "not a number"}', status_code=200),
        )


def test_each_route_here_has_an_expected_schema_above(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ROWS:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in ROUTES, f"{method} {path} has no expected schema"
