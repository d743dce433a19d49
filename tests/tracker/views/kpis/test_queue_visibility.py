"""Issue 13 item 7: a vendor sees KPIs only for queues its organisation works; everyone else
(submitters, stakeholders, PMs, admins) sees every queue. One table over the list page, the
queue page, its CSV export, the API list and the API series."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.models import Queue, Role, User, utcnow
from tracker.services.accounts import tokens, users
from tracker.services.kpis import series


def _id(queue: Queue) -> int:
    assert queue.id is not None
    return queue.id


@dataclass(frozen=True)
class World:
    worked: int  # queue A, worked by the vendor's organisation
    other: int  # queue B, worked by another organisation
    people: dict[str, tuple[User, str]]


def _token(app: Flask, user: User) -> str:
    assert user.id is not None
    with db.session_scope(app) as session:
        owner = users.get_user(session, user.id)
        _, plaintext = tokens.create_token(session, owner=owner, name="visibility")
    return plaintext


@pytest.fixture
def world(app, make_user, make_organisation) -> World:
    acme = make_organisation(name="Acme Support")
    globex = make_organisation(name="Globex Ops")
    worked = make_queue(app, "Queue A worked by Acme", organisation_ids=[acme.id])
    other = make_queue(app, "Queue B worked by Globex", organisation_ids=[globex.id])
    start = series.last_full_week(utcnow().date())
    for queue in (worked, other):
        put_values(app, _id(queue), "incoming", daily(start, [10.0] * 7))
    people = {
        "vendor of A": make_user(Role.VENDOR, organisation_id=acme.id),
        "vendor of B": make_user(Role.VENDOR, organisation_id=globex.id),
        "submitter": make_user(Role.SUBMITTER),
        "stakeholder": make_user(Role.STAKEHOLDER),
        "pm": make_user(Role.PM),
        "admin": make_user(Role.ADMIN),
    }
    return World(
        _id(worked), _id(other), {name: (user, _token(app, user)) for name, user in people.items()}
    )


# Who sees queue A and queue B.
SEES = {
    "vendor of A": (True, False),
    "vendor of B": (False, True),
    "submitter": (True, True),
    "stakeholder": (True, True),
    "pm": (True, True),
    "admin": (True, True),
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_pages_and_exports(app, client, world, who):
    user, _ = world.people[who]
    assert client.login(user.email).status_code == 302
    listing = client.get("/queues").text
    for queue_id, name, visible in (
        (world.worked, "Queue A worked by Acme", SEES[who][0]),
        (world.other, "Queue B worked by Globex", SEES[who][1]),
    ):
        assert (name in listing) is visible
        page = client.get(f"/queues/{queue_id}")
        export = client.get(f"/queues/{queue_id}/kpis.csv")
        if visible:
            assert page.status_code == 200
            assert name in page.text
            assert export.status_code == 200
            assert export.text.startswith("week_start,incoming")
        else:
            assert page.status_code == 404
            assert name not in page.text
            assert export.status_code == 404
            assert "incoming" not in export.text


@pytest.mark.parametrize("who", sorted(SEES))
def test_api(app, world, who):
    _, token = world.people[who]
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    listed = {row["id"] for row in client.get("/api/v1/queues", headers=headers).get_json()}
    for queue_id, visible in zip((world.worked, world.other), SEES[who], strict=True):
        assert (queue_id in listed) is visible
        response = client.get(f"/api/v1/queues/{queue_id}/kpis", headers=headers)
        assert response.status_code == (200 if visible else 404)
        if visible:
            assert response.get_json()["points"][-1]["value"] == 70
        # A bad parameter on a hidden queue is still a 404: nothing leaks about it.
        bad = client.get(f"/api/v1/queues/{queue_id}/kpis?metric=nope", headers=headers)
        assert bad.status_code == (422 if visible else 404)


def test_vendor_without_organisation_sees_no_queue(app, client, world, make_user):
    vendor = make_user(Role.VENDOR)
    with db.session_scope(app) as session:
        stored = users.get_user(session, vendor.id)
        stored.organisation_id = None
    client.login(vendor.email)
    text = client.get("/queues").text
    assert "Queue A" not in text
    assert "Queue B" not in text
    assert client.get(f"/queues/{world.worked}").status_code == 404
