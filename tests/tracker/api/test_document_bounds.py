"""The OpenAPI document is strict and says what the endpoints check: for every request body, a
value just outside each documented bound (length, range, item count, enum), a missing required
field and an unknown field are each refused with a 422 naming the field, and each enum is the
service's own list of allowed values. The document is walked, so a new body is covered as soon
as it is documented (and must get a valid example below)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests.helpers.api import AREA, idea
from tests.helpers.jira import SITE_ID
from tracker.inputs import MAX_ID
from tracker.models import Health
from tracker.services.suggestions.decisions import TRANSITIONS
from tracker.services.suggestions.engagement import FREQUENCIES
from tracker.services.suggestions.score_inputs import INPUTS, Framework

RICE = {"reach": 400, "impact": 2, "confidence": 80, "effort": 3}
# A Jira that is configured but never called: every body sent to /pushes here is refused first.
JIRA = {
    "base_url": "http://127.0.0.1:9",
    "project_key": "OPS",
    "deployment": "cloud",
    "site_id": SITE_ID,
    "email": "sync@example.com",
    "api_token": "never-used",
}


def _valid_bodies(ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """A body each endpoint accepts, into which one bad value at a time is put."""
    return {
        "SuggestionCreate": idea(),
        "SuggestionUpdate": {},
        "VoteCreate": {},
        "CommentCreate": {"body": "Me too."},
        "WatchUpdate": {"watching": True},
        "StatusUpdate": {"status": "under_review"},
        "ScoreRequest": {"framework": "rice", "inputs": RICE},
        "MergeRequest": {"target_id": ids["other_id"]},
        "UnmergeRequest": {},
        "DeliveryRequest": {"on": "2026-03-02", "note": "Macro live."},
        "SharingUpdate": {"confidential": False, "shared_with_vendors": True},
        "ImportRequest": {"rows": [idea()], "dry_run": True},
        "InitiativeCreate": {"name": "Refund routing"},
        "InitiativeUpdate": {},
        "HealthUpdate": {"health": "at_risk", "note": "Legal review is late."},
        "InitiativeSuggestionAdd": {"suggestion_id": ids["suggestion_id"]},
        "StoryDraftUpdate": {},
        "PushRequest": {"story_ids": [ids["draft_id"]]},
        "KpiLoadRequest": {
            "rows": [{"queue": "Refunds", "day": "2026-11-30", "metric": "incoming", "value": 8}],
            "mode": "valid",
            "dry_run": True,
        },
    }


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url, jira=JIRA)


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The schema behind a $ref, or the non-null branch of `X | None`."""
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1 and "enum" not in schema:
        return _resolve(branches[0], defs)
    return schema


def _example(schema: dict[str, Any]) -> Any:
    """Some value of the item type, to fill a list one longer than allowed."""
    kind = schema.get("type")
    return {"integer": 1, "string": "OPS-1", "object": {}}.get(str(kind), {})


def outside(schema: dict[str, Any], defs: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(bound, a value just outside it) for each bound the schema documents, nested included."""
    schema = _resolve(schema, defs)
    if "enum" in schema:
        yield "enum", "not-a-choice"
    if "maxLength" in schema:
        yield "maxLength", "x" * (schema["maxLength"] + 1)
    if schema.get("minLength", 0) > 0:
        yield "minLength", ""
    if "maximum" in schema:
        yield "maximum", schema["maximum"] + 1
    if "minimum" in schema:
        yield "minimum", schema["minimum"] - 1
    if schema.get("type") == "array":
        items = _resolve(schema["items"], defs)
        if "maxItems" in schema:
            yield "maxItems", [_example(items)] * (schema["maxItems"] + 1)
        if schema.get("minItems", 0) > 0:
            yield "minItems", []
        for bound, value in outside(items, defs):
            yield f"items.{bound}", [value]
    for name, prop in schema.get("properties", {}).items():
        for bound, value in outside(prop, defs):
            yield f"{name}.{bound}", {name: value}


def _bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(method, path, schema name) of every route that takes a body."""
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            if "requestBody" in entry:
                ref = entry["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                yield method, path, ref.rsplit("/", 1)[1]


def _refused(response: Any, name: str, what: str) -> None:
    assert response.status_code == 422, (what, response.status_code, response.text[:300])
    fields = response.get_json()["fields"]
    assert any(key == name or key.startswith(f"{name}.") for key in fields), (what, fields)


def test_every_documented_bound_is_refused_by_its_endpoint(client, path_ids):
    ids, headers = path_ids
    document = client.get("/api/v1/openapi.json").get_json()
    defs = document["components"]["schemas"]
    valid = _valid_bodies(ids)
    params = {"suggestion_id": ids["suggestion_id"], "initiative_id": ids["initiative_id"]}
    params["draft_id"] = ids["draft_id"]
    checked = 0
    for method, path, name in _bodies(document):
        url = "/api/v1" + path.format(**params)
        schema = defs[name]
        assert schema["additionalProperties"] is False, name
        base = valid[name]  # a new body needs a valid example in _valid_bodies
        send = getattr(client, method)
        _refused(send(url, json=base | {"no_such_field": 1}, headers=headers), "no_such_field", url)
        for field in schema.get("required", []):
            body = {key: value for key, value in base.items() if key != field}
            _refused(send(url, json=body, headers=headers), field, f"{url} without {field}")
        for field, prop in schema["properties"].items():
            if (name, field) == ("ScoreRequest", "inputs"):
                continue  # one schema per framework: test_score_inputs_... below
            for bound, value in outside(prop, defs):
                response = send(url, json=base | {field: value}, headers=headers)
                _refused(response, field, f"{method} {url} {field} {bound}")
                checked += 1
    assert checked > 60  # the walk found the bounds


def test_score_inputs_outside_their_documented_range_are_refused(client, path_ids):
    ids, headers = path_ids
    document = client.get("/api/v1/openapi.json").get_json()
    inputs = document["components"]["schemas"]["ScoreRequest"]["properties"]["inputs"]
    url = f"/api/v1/suggestions/{ids['suggestion_id']}/score"
    frameworks = {branch["title"].split()[0]: branch for branch in inputs["anyOf"]}
    assert set(frameworks) == {f.value for f in Framework}
    for framework, branch in frameworks.items():
        specs = {spec.name: spec for spec in INPUTS[Framework(framework)]}
        assert set(branch["properties"]) == set(specs) == set(branch["required"])
        valid = {
            name: prop["enum"][0] if "enum" in prop else prop["minimum"]
            for name, prop in branch["properties"].items()
        }
        accepted = client.post(url, json={"framework": framework, "inputs": valid}, headers=headers)
        assert accepted.status_code == 200, accepted.text
        for name, prop in branch["properties"].items():
            bad_values = [value for _, value in outside(prop, {}) if value != "not-a-choice"]
            if "enum" in prop:
                assert prop["enum"] == [value for value, _ in specs[name].choices or ()]
                bad_values.append(max(prop["enum"]) + 1)
            assert bad_values, (framework, name)
            for value in [*bad_values, 10**400, -(10**400), 1e308]:
                body = {"framework": framework, "inputs": valid | {name: value}}
                _refused(client.post(url, json=body, headers=headers), name, f"{framework} {name}")


def test_each_enum_is_the_services_list(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def enum(schema: str, field: str) -> list[Any]:
        prop = _resolve(schemas[schema]["properties"][field], schemas)
        values: list[Any] = prop["enum"]
        return values

    settable = {status.value for targets in TRANSITIONS.values() for status in targets}
    assert set(enum("StatusUpdate", "status")) == settable
    assert enum("HealthUpdate", "health") == [h.value for h in Health]
    assert enum("VoteCreate", "frequency") == ["", *FREQUENCIES]
    assert enum("ScoreRequest", "framework") == [*(f.value for f in Framework), None]
    areas = app.config["SETTINGS"].suggestions.areas
    assert AREA in areas
    for body in ("SuggestionCreate", "SuggestionUpdate"):
        assert enum(body, "area") == areas
    assert enum("ImportRequest", "mode") == ["all_or_nothing", "valid_only"]


def test_path_and_query_ids_are_documented_with_their_bounds(client):
    document = client.get("/api/v1/openapi.json").get_json()
    seen = 0
    for path, methods in document["paths"].items():
        for entry in methods.values():
            for parameter in entry["parameters"]:
                if parameter["in"] == "path":
                    assert parameter["schema"] == {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_ID,
                    }
                    seen += 1
                elif parameter["name"] in {"page", "per_page", "initiative", "exclude_id"}:
                    assert parameter["schema"]["type"] == "integer", (path, parameter)
                    assert parameter["schema"]["maximum"] <= MAX_ID
    assert seen > 20
