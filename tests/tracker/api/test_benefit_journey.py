"""The loop the product exists for, through the API only: a PM marks an idea delivered on a past
date, the warehouse job posts the queue's KPIs around it with a known saving, and the idea's
benefit holds that saving in its interval. A vendor never sees another organisation's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
from flask import Flask

from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import Role, Suggestion, User

DELIVERED = date(2026, 6, 1)
AHT = 6.0
SAVED = 0.25 * 170.0  # a quarter of 170 agent hours a week


def _rows(queue: str) -> list[dict[str, Any]]:
    """Tickets solved by agents (300 a weekday, 100 a weekend day, 3% noise; a quarter fewer
    from delivery on) and handle time, March to September."""
    rng = np.random.default_rng(5)
    rows: list[dict[str, Any]] = []
    day = date(2026, 3, 1)
    while day <= date(2026, 9, 30):
        solved = (300.0 if day.weekday() < 5 else 100.0) * (0.75 if day >= DELIVERED else 1)
        solved *= 1 + rng.normal(0, 0.03)
        for metric, value in (("manual_solved", round(solved, 1)), ("aht_minutes", AHT)):
            rows.append({"queue": queue, "day": day.isoformat(), "metric": metric, "value": value})
        day += timedelta(days=1)
    return rows


def test_mark_delivered_load_kpis_and_read_the_measured_benefit(
    app: Flask,
    client: Any,
    api_user: Callable[..., tuple[User, dict[str, str]]],
    make_organisation: Callable[..., Any],
) -> None:
    northwind, bolt = make_organisation("Northwind BPO"), make_organisation("Bolt Support")
    pm, pm_headers = api_user(Role.PM)
    _, machine = api_user(Role.INTEGRATION)
    _, ours = api_user(Role.VENDOR, organisation_id=northwind.id)
    _, theirs = api_user(Role.VENDOR, organisation_id=bolt.id)
    idea = accepted_idea(app, pm, queue="Scam appeals")
    with db.session_scope(app) as session:
        stored = session.get(Suggestion, idea)
        assert stored is not None
        stored.organisation_id = northwind.id  # a Northwind agent's idea
        expected = stored.hours_saved_per_week

    marked = client.post(
        f"/api/v1/suggestions/{idea}/delivered",
        json={"on": DELIVERED.isoformat(), "note": "Routing rule switched on for all regions."},
        headers=pm_headers,
    )
    assert marked.status_code == 200, marked.text
    loaded = client.post("/api/v1/kpis", json={"rows": _rows("Scam appeals")}, headers=machine)
    assert loaded.status_code == 200, loaded.text

    answer = client.get(f"/api/v1/suggestions/{idea}/benefit", headers=pm_headers)
    assert answer.status_code == 200, answer.text
    benefit = answer.get_json()
    assert benefit["status"] == "measured"
    assert benefit["metric"] == "agent_hours"
    assert benefit["method"] == "pre/post"
    assert benefit["expected_hours_per_week"] == round(expected or 0, 2)
    assert benefit["ci_low"] < SAVED < benefit["ci_high"]
    assert abs(benefit["measured_hours_per_week"] - SAVED) < 0.1 * SAVED
    assert (benefit["pre_weeks"], benefit["post_weeks"]) == (8, 8)
    assert benefit["reason"] == ""

    assert client.get(f"/api/v1/suggestions/{idea}/benefit", headers=ours).status_code == 200
    assert client.get(f"/api/v1/suggestions/{idea}/benefit", headers=theirs).status_code == 404
    portfolio = client.get("/api/v1/benefits", headers=theirs).get_json()
    assert [item["suggestion_id"] for item in portfolio["items"]] == []
    assert portfolio["calibration"] == []
    mine = client.get("/api/v1/benefits", headers=ours).get_json()
    assert [item["suggestion_id"] for item in mine["items"]] == [idea]
    # How Northwind's estimates held up: its own row and its area's, from its own ideas.
    (source, area) = mine["calibration"]
    assert (source["kind"], source["label"], source["count"]) == ("source", "Northwind BPO", 1)
    assert abs(source["ratio"] - benefit["measured_hours_per_week"] / (expected or 1)) < 0.01
    assert (area["kind"], area["label"]) == ("area", "Scams and fraud")
