"""Every form (query-string filters and pages addressed by id included), each value of a valid
submission spoiled in turn with the hostile input classes: never a 5xx."""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import World
from tests.fuzz.hostile import Hostile
from tests.fuzz.probe import Findings, spoil_every_slot
from tests.fuzz.routes import FORMS, Form
from tests.fuzz.spoil import form_request, form_slots


def _send(client, world: World, form: Form, found: Findings, slot: str, value: Hostile):
    url, fields = form_request(form, world.ids, slot, value)

    def send():
        if form.method == "GET":
            return client.get(url, query_string=fields)
        return client.submit(url, fields)

    found.check(send, slot=slot, value=repr(value), kind=value.kind, json_answer=False)


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.label)
def test_form_refuses_hostile_input_without_a_server_error(client, world, form):
    response = client.login(world.users[form.role].email)
    assert response.status_code == 302, response.text
    found = Findings(form.label)
    slots = form_slots(form)
    spoil_every_slot(slots, lambda slot, value: _send(client, world, form, found, slot, value))
    assert not found.found, found.report()
