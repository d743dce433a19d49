"""The ranked backlog through GET /api/v1/suggestions: order, filters, search, pages, visibility."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from tests.helpers.api import DocumentedCalls, idea
from tests.tracker.routes.api_planning import ROWS as PLANNING_ROWS
from tracker import db
from tracker.config import DEFAULT_AREAS
from tracker.models import Role, User
from tracker.services.accounts import users
from tracker.services.suggestions import decisions, submissions

URL = "/api/v1/suggestions"


def _store(app: Any, author: User, title: str, **fields: Any) -> int:
    with db.session_scope(app) as session:
        actor = users.get_user(session, author.id or 0)
        created = submissions.create_suggestion(
            session, actor=actor, raw=idea(title=title, **fields), areas=DEFAULT_AREAS
        )
        assert created.id is not None
        return created.id


def _decide(app: Any, pm: User, suggestion_id: int, *, value: int | None = None, **change: Any):
    """Score (value over effort 1) and/or change status, merge or share, as a PM."""
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        if value is not None:
            decisions.score(
                session,
                actor=actor,
                suggestion_id=suggestion_id,
                framework="value_effort",
                inputs={"value": value, "effort": 1},
            )
        if "status" in change:
            decisions.change_status(
                session, actor=actor, suggestion_id=suggestion_id, to=change["status"]
            )
        if "merge_into" in change:
            decisions.merge(
                session, actor=actor, duplicate_id=suggestion_id, target_id=change["merge_into"]
            )
        if "shared" in change:
            submissions.set_sharing(
                session,
                actor=actor,
                suggestion_id=suggestion_id,
                confidential=False,
                shared_with_vendors=change["shared"],
            )


def _titles(client, headers, **query: Any) -> list[str]:
    response = client.get(URL, query_string=query, headers=headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.get_json()["items"]]


def test_best_score_first_unscored_last_ties_to_more_votes(app, client, api_user, make_user):
    author, headers = api_user(Role.SUBMITTER)
    pm = make_user(Role.PM)
    low = _store(app, author, "Low value idea")
    _store(app, author, "Unscored idea")
    high = _store(app, author, "High value idea")
    _decide(app, pm, low, value=2)
    _decide(app, pm, high, value=5)
    assert _titles(client, headers) == ["High value idea", "Low value idea", "Unscored idea"]
    first = client.get(URL, headers=headers).get_json()["items"][0]
    assert first["score_value"] == 5
    assert first["submitter_name"] == author.display_name
    assert first["vendor_name"] == "Internal"
    assert first["hours_saved_per_week"] == 80


def test_filters_narrow_the_list_and_are_echoed(app, client, api_user, make_user):
    author, headers = api_user(Role.SUBMITTER)
    _, other_headers = api_user(Role.SUBMITTER)
    pm = make_user(Role.PM)
    spam = _store(app, author, "Spam filter for comments", area="Content spam")
    fraud = _store(app, author, "Refund fraud check", area="Scams and fraud")
    duplicate = _store(app, author, "Refund fraud check again", area="Scams and fraud")
    _decide(app, pm, spam, value=3, status="accepted")
    _decide(app, pm, duplicate, merge_into=fraud)

    assert _titles(client, headers, area="Content spam") == ["Spam filter for comments"]
    assert _titles(client, headers, status="accepted") == ["Spam filter for comments"]
    # Merged duplicates stay out unless the status filter asks for any status.
    assert len(_titles(client, headers)) == 2
    assert "Refund fraud check again" in _titles(client, headers, status="any")
    assert _titles(client, headers, status="duplicate") == ["Refund fraud check again"]
    assert len(_titles(client, headers, submitter="me")) == 2
    assert _titles(client, other_headers, submitter="me") == []
    assert len(_titles(client, headers, vendor="internal")) == 2

    answer = client.get(
        URL, query_string={"area": "Content spam", "status": "nonsense"}, headers=headers
    ).get_json()
    assert answer["filters"] == {"area": "Content spam"}
    assert answer["total"] == 1


def test_search_finds_words_in_title_and_problem(app, client, api_user):
    author, headers = api_user(Role.SUBMITTER)
    _store(app, author, "Macro for chargeback replies", problem="Agents type chargeback answers.")
    _store(app, author, "Shift swap tool", problem="Swapping shifts takes emails to leads.")
    assert _titles(client, headers, q="chargeback") == ["Macro for chargeback replies"]
    assert _titles(client, headers, q="emails") == ["Shift swap tool"]
    assert _titles(client, headers, q="nothingmatchesthis") == []


def test_pages_say_where_they_are(app, client, api_user):
    author, headers = api_user(Role.SUBMITTER)
    for number in range(5):
        _store(app, author, f"Idea number {number}")

    def page(**query: Any) -> dict[str, Any]:
        response = client.get(URL, query_string=query, headers=headers)
        assert response.status_code == 200
        body: dict[str, Any] = response.get_json()
        return body

    first = page(per_page=2)
    assert (first["total"], first["page"], first["pages"], first["per_page"]) == (5, 1, 3, 2)
    assert (first["prev_page"], first["next_page"]) == (None, 2)
    assert len(first["items"]) == 2
    middle = page(per_page=2, page=2)
    assert (middle["prev_page"], middle["next_page"]) == (1, 3)
    last = page(per_page=2, page=3)
    assert (len(last["items"]), last["next_page"]) == (1, None)
    seen = [item["id"] for data in (first, middle, last) for item in data["items"]]
    assert len(set(seen)) == 5
    # A page past the end answers the last page, as the web page does.
    beyond = page(per_page=2, page=40)
    assert beyond["page"] == 3
    assert [item["id"] for item in beyond["items"]] == [item["id"] for item in last["items"]]
    # Unlike the web page, the API says when paging is out of its documented range.
    for query, name in (({"per_page": 1000}, "per_page"), ({"page": "abc"}, "page")):
        refused = client.get(URL, query_string=query, headers=headers)
        assert refused.status_code == 422
        assert name in refused.get_json()["fields"]


def test_vendors_see_their_own_and_shared_ideas_and_counts_match(
    app, client, api_user, make_organisation, make_user
):
    acme = make_organisation(name="Acme")
    vendor, vendor_headers = api_user(Role.VENDOR, organisation_id=acme.id)
    colleague = make_user(Role.VENDOR, organisation_id=acme.id)
    rival = make_user(Role.VENDOR)
    agent, agent_headers = api_user(Role.SUBMITTER)
    pm, pm_headers = api_user(Role.PM)
    _store(app, colleague, "Acme colleague idea")
    _store(app, rival, "Rival vendor idea")
    _store(app, agent, "Internal idea")
    shared = _store(app, agent, "Internal idea shared with vendors")
    _store(app, make_user(Role.SUBMITTER), "Confidential internal idea", confidential=True)
    _decide(app, pm, shared, shared=True)

    answer = client.get(URL, headers=vendor_headers).get_json()
    assert sorted(item["title"] for item in answer["items"]) == [
        "Acme colleague idea",
        "Internal idea shared with vendors",
    ]
    assert answer["total"] == 2
    by_title = {item["title"]: item for item in answer["items"]}
    assert by_title["Acme colleague idea"]["vendor_name"] == "Acme"
    # Searching or filtering cannot reach past the rule either.
    assert (
        client.get(URL, query_string={"q": "rival"}, headers=vendor_headers).get_json()["total"]
        == 0
    )
    rival_org = str(rival.organisation_id)
    assert (
        client.get(URL, query_string={"vendor": rival_org}, headers=vendor_headers).get_json()[
            "items"
        ]
        == []
    )
    assert client.get(URL, headers=agent_headers).get_json()["total"] == 4
    assert client.get(URL, headers=pm_headers).get_json()["total"] == 5
    assert vendor.organisation_id == acme.id


def test_strangers_get_401(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.is_json


def test_answers_match_the_document(app, client, api_user, make_user):
    author, headers = api_user(Role.SUBMITTER)
    pm = make_user(Role.PM)
    scored = _store(app, author, "Scored idea")
    _store(app, author, "Unscored idea")
    _decide(app, pm, scored, value=4)
    call = DocumentedCalls(client)
    for query in ({}, {"q": "idea", "per_page": "1", "page": "2"}, {"status": "any"}):
        assert call("GET", "/suggestions", headers, query=query).status_code == 200


# --- the OpenAPI document, for every route in tests/tracker/routes/api_planning.py -------------

# (path, method) -> (success status, response model or None, whether the answer is a list)
ROUTES = {
    ("/suggestions", "get"): ("200", "BacklogPage", False),
    ("/suggestions/import", "post"): ("200", "ImportReport", False),
    ("/initiatives", "get"): ("200", "InitiativePublic", True),
    ("/initiatives", "post"): ("201", "InitiativeDetail", False),
    ("/initiatives/{initiative_id}", "get"): ("200", "InitiativeDetail", False),
    ("/initiatives/{initiative_id}", "patch"): ("200", "InitiativeDetail", False),
    ("/initiatives/{initiative_id}/health", "post"): ("200", "InitiativeDetail", False),
    ("/initiatives/{initiative_id}/suggestions", "post"): ("200", "InitiativeDetail", False),
    ("/initiatives/{initiative_id}/suggestions/{suggestion_id}", "delete"): (
        "200",
        "InitiativeDetail",
        False,
    ),
    ("/stories", "get"): ("200", "StoryDraftPage", False),
    ("/stories/{draft_id}", "get"): ("200", "StoryDraftDetail", False),
    ("/stories/{draft_id}", "patch"): ("200", "StoryDraftDetail", False),
    ("/stories/{draft_id}", "delete"): ("204", None, False),
    ("/stories/{draft_id}/ready", "post"): ("200", "StoryDraftDetail", False),
    ("/stories/{draft_id}/preview", "get"): ("200", "StoryPreview", False),
    ("/suggestions/{suggestion_id}/stories", "post"): ("201", "StoryDraftDetail", False),
}
BODIES = {
    ("/suggestions/import", "post"): "ImportRequest",
    ("/initiatives", "post"): "InitiativeCreate",
    ("/initiatives/{initiative_id}", "patch"): "InitiativeUpdate",
    ("/initiatives/{initiative_id}/health", "post"): "HealthUpdate",
    ("/initiatives/{initiative_id}/suggestions", "post"): "InitiativeSuggestionAdd",
    ("/stories/{draft_id}", "patch"): "StoryDraftUpdate",
}


def test_every_route_is_documented_with_its_schemas(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PLANNING_ROWS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            documented |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == ROUTES.keys()
    for (path, method), (status, model, many) in ROUTES.items():
        entry = document["paths"][path][method]
        assert entry["summary"], (method, path)
        (success,) = [code for code in entry["responses"] if code != "default"]
        assert success == status, (method, path)
        content = entry["responses"][success].get("content")
        if model is None:
            assert content is None
            continue
        schema = content["application/json"]["schema"]
        if many:
            assert schema["type"] == "array", (method, path)
            schema = schema["items"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}, (method, path)
        assert model in document["components"]["schemas"]
        body = BODIES.get((path, method))
        if body is None:
            assert "requestBody" not in entry, (method, path)
        else:
            schema = entry["requestBody"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{body}"}, (method, path)
    backlog = document["paths"]["/suggestions"]["get"]["parameters"]
    assert {parameter["name"] for parameter in backlog} == {
        "q", "area", "status", "vendor", "initiative", "submitter", "sort", "dir",
        "page", "per_page",
    }  # fmt: skip


def test_the_document_check_bites(client):
    call = DocumentedCalls(client)
    with pytest.raises(OpenAPIError):
        call.spec.validate_response(
            MockRequest("http://localhost", "get", "/api/v1/suggestions"),
            MockResponse(b'{"items": [], "total": "many"}', status_code=200),
        )
