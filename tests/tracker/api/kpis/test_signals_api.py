"""GET /api/v1/queues/{id}/signals: a queue's spikes and shifts, latest first, filtered and paged,
for whoever may see the queue (anyone else gets the 404 of a queue that does not exist)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from tests.helpers.kpis import make_queue, put_signal
from tracker.models import Role


def add_signal(app: Flask, queue_id: int, **fields: object) -> int:
    """A spike unless `fields` say otherwise."""
    spike: dict[str, object] = {"kind": "spike", "grain": "day", "day": date(2026, 3, 4)}
    return put_signal(app, queue_id, **{**spike, **fields})


@pytest.fixture
def queue_id(app: Flask) -> int:
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    return queue.id


def test_a_pm_lists_a_queues_signals_latest_day_first(app, client, api_user, queue_id):
    _, headers = api_user(Role.PM)
    spike = add_signal(app, queue_id)
    shift = add_signal(
        app,
        queue_id,
        metric="aht_minutes",
        kind="shift",
        grain="week",
        day=date(2026, 3, 16),
        baseline=6.0,
        value=5.0,
        size=-1.0,
        agent_hours=-25.5,
        worse=False,
    )

    response = client.get(f"/api/v1/queues/{queue_id}/signals", headers=headers)

    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    assert [item["id"] for item in body["items"]] == [shift, spike]
    first = body["items"][0]
    assert first == {
        "id": shift,
        "queue_id": queue_id,
        "metric": "aht_minutes",
        "metric_label": "Average handle time",
        "kind": "shift",
        "grain": "week",
        "day": "2026-03-16",
        "baseline": 6.0,
        "value": 5.0,
        "size": -1.0,
        "unit": "minutes",
        "agent_hours": -25.5,
        "worse": False,
        "detected_at": first["detected_at"],
    }


def test_signals_filter_by_kind_and_day_and_page(app, client, api_user, queue_id):
    _, headers = api_user(Role.STAKEHOLDER)
    early = add_signal(app, queue_id, day=date(2026, 1, 7))
    late = add_signal(app, queue_id, day=date(2026, 2, 11))
    shift = add_signal(app, queue_id, kind="shift", grain="week", day=date(2026, 2, 2))
    url = f"/api/v1/queues/{queue_id}/signals"

    spikes = client.get(url, query_string={"kind": "spike"}, headers=headers).json
    assert [item["id"] for item in spikes["items"]] == [late, early]
    recent = client.get(url, query_string={"since": "2026-02-01"}, headers=headers).json
    assert [item["id"] for item in recent["items"]] == [late, shift]
    second = client.get(url, query_string={"per_page": "1", "page": "2"}, headers=headers).json
    assert ([item["id"] for item in second["items"]], second["pages"]) == ([shift], 3)


def test_a_vendor_sees_signals_of_the_queues_its_organisation_works_only(
    app, client, api_user, make_organisation, queue_id
):
    acme = make_organisation("Acme BPO")
    worked = make_queue(app, "Worked by Acme", organisation_ids=[acme.id])
    assert worked.id is not None
    add_signal(app, worked.id)
    add_signal(app, queue_id)
    _, headers = api_user(Role.VENDOR, organisation_id=acme.id)

    assert client.get(f"/api/v1/queues/{worked.id}/signals", headers=headers).json["total"] == 1
    hidden = client.get(f"/api/v1/queues/{queue_id}/signals", headers=headers)
    assert hidden.status_code == 404
    assert client.get("/api/v1/queues/987654/signals", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "status"),
    [
        ({"since": "2026-02-30"}, "since", 422),
        ({"since": "\uff12\uff10\uff12\uff16-01-01"}, "since", 422),  # full-width digits
        ({"since": "yesterday"}, "since", 422),
        ({"kind": "dip"}, "kind", 422),
        ({"page": "0"}, "page", 422),
        ({"per_page": "1e9"}, "per_page", 422),
        # Control characters are refused before any view (tracker/security.py).
        ({"since": "2026-01-01\x00"}, "since", 400),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, api_user, queue_id, query, field, status):
    _, headers = api_user(Role.PM)
    response = client.get(f"/api/v1/queues/{queue_id}/signals", query_string=query, headers=headers)
    assert response.status_code == status
    assert field in response.json["fields"]
