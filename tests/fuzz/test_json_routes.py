"""Every JSON route, each value of a valid request spoiled in turn with the hostile input
classes: the answer is never a 5xx, and every refusal is the API's JSON error."""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import World
from tests.fuzz.hostile import Hostile
from tests.fuzz.probe import Findings, spoil_every_slot
from tests.fuzz.routes import API, JsonRoute
from tests.fuzz.spoil import json_request, json_slots
from tracker.models import Role


def _send(client, world: World, route: JsonRoute, found: Findings, slot: str, value: Hostile):
    url, query, body = json_request(route, world.ids, slot, value)
    headers = {**world.headers[Role.PM], "Content-Type": "application/json"}
    found.check(
        lambda: client.open(
            url, method=route.method, query_string=query, data=body, headers=headers
        ),
        slot=slot,
        value=repr(value),
        kind=value.kind,
        json_answer=True,
    )


@pytest.mark.parametrize("route", API, ids=lambda route: route.label)
def test_json_route_refuses_hostile_input_without_a_server_error(app, world, route):
    client = app.test_client()
    found = Findings(route.label)
    slots = json_slots(route)
    spoil_every_slot(slots, lambda slot, value: _send(client, world, route, found, slot, value))
    assert not found.found, found.report()
