"""Every JSON route, each value of a valid request spoiled in turn with the hostile input
classes: the answer is never a 5xx, and every refusal is the API's JSON error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import World
from tests.fuzz.hostile import Hostile, explicit, hostile
from tests.fuzz.probe import FUZZ, Findings
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
    for slot, value in explicit(slots):
        _send(client, world, route, found, slot, value)

    @FUZZ
    @given(slot=st.sampled_from(slots), value=hostile())
    def spoiled(slot: str, value: Hostile) -> None:
        _send(client, world, route, found, slot, value)

    spoiled()
    assert not found.found, found.report()
