"""A bounded schemathesis run over the served OpenAPI document, in process through the WSGI app,
as a PM and as a vendor: no answer is a 5xx and every answer matches the document.

Cases are drawn from the document (valid and invalid), half of them with the path ids of the
seeded world so that they reach real rows rather than stopping at a 404.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import World
from tests.fuzz.probe import DRAWN, FUZZ, logged_errors
from tests.fuzz.routes import API, JsonRoute
from tests.fuzz.spoil import path_slots
from tracker.models import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = (Role.PM, Role.VENDOR)
DOCUMENT = "/api/v1/openapi.json"
OPERATIONS = [route for route in API if route.prefix == "/api/v1"]
# The loaded document per app (the suite reuses apps across tests); loading costs a quarter second.
_SCHEMAS: dict[int, tuple[Flask, BaseSchema]] = {}


def _schema(app: Flask) -> BaseSchema:
    cached = _SCHEMAS.get(id(app))
    if cached is None or cached[0] is not app:
        cached = _SCHEMAS[id(app)] = (app, schemathesis.openapi.from_wsgi(DOCUMENT, app))
    return cached[1]


def _cases(app, world: World, route: JsonRoute) -> st.SearchStrategy[Case[Any]]:
    operation = _schema(app)[route.path][route.method]
    seeded = {
        slot.removeprefix("path:"): int(world.ids[slot.removeprefix("path:")])
        for slot in path_slots(route.path)
    }
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if seeded:
        strategies += [
            operation.as_strategy(mode, path_parameters=seeded) for mode in GenerationMode
        ]
    return st.one_of(strategies)


def _describe(case: Case[Any]) -> str:
    body = "" if case.body is None else f" body={case.body!r}"[:200]
    return f"{case.method} {case.formatted_path} query={case.query!r}{body}"


@pytest.mark.parametrize("route", OPERATIONS, ids=lambda route: route.label)
def test_operation_conforms_to_the_document(app, world, route):
    failures: dict[tuple[str, str], str] = {}
    sent = 0

    @settings(FUZZ, max_examples=2 * DRAWN + 5)
    @given(case=_cases(app, world, route), role=st.sampled_from(ROLES))
    def conforms(case: Case[Any], role: Role) -> None:
        nonlocal sent
        sent += 1
        headers = world.headers[role]
        with logged_errors() as errors:
            response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            server = "; ".join(dict.fromkeys(errors))
            for failure in group.exceptions:
                title = getattr(failure, "title", type(failure).__name__)
                failures.setdefault(
                    (title, server),
                    f"- {route.label} | {role.value}: {_describe(case)} | "
                    f"{response.status_code} {title} | {server}",
                )

    conforms()
    report = f"{len(failures)} distinct failure(s) in {sent} cases:\n" + "\n".join(
        failures.values()
    )
    assert not failures, report
