"""GET /api/v1/suggestions/{id}/benefit and GET /api/v1/benefits: one idea's measurement and the
portfolio, with the pages' rule (vendor staff see only their own organisation's benefits), and
the initiative's benefit object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.helpers.benefits import delivered_idea, put_benefit
from tracker import db
from tracker.models import Initiative, Role, Status, User

Caller = Callable[..., tuple[User, dict[str, str]]]


@pytest.fixture
def world(app: Flask, api_user: Caller, make_organisation: Callable[..., Any]) -> dict[str, Any]:
    acme, globex = make_organisation(name="Acme"), make_organisation(name="Globex")
    agent, _ = api_user(Role.SUBMITTER)
    acme_staff, acme_headers = api_user(Role.VENDOR, organisation_id=acme.id)
    globex_staff, _ = api_user(Role.VENDOR, organisation_id=globex.id)
    ids: dict[str, Any] = {"acme_headers": acme_headers}
    with db.session_scope(app) as session:
        initiative = Initiative(name="Faster spam")
        session.add(initiative)
        session.flush()
        ids["initiative"] = initiative.id
        internal = delivered_idea(
            session, author=agent, title="Spam macro", initiative_id=initiative.id
        )
        put_benefit(session, internal, measured=62.0, ci_low=41.0, ci_high=83.0)
        acme_idea = delivered_idea(session, author=acme_staff, title="Acme rule")
        put_benefit(session, acme_idea, state="inconclusive", measured=10.0, ci_low=-4.0)
        globex_idea = delivered_idea(
            session, author=globex_staff, title="Globex rule", shared_with_vendors=True
        )
        put_benefit(session, globex_idea, measured=300.0, ci_low=200.0, ci_high=400.0)
        no_row = delivered_idea(session, author=agent, title="Just delivered")
        open_idea = delivered_idea(session, author=agent, title="Open", status=Status.ACCEPTED)
        for name, idea in (
            ("internal", internal),
            ("acme", acme_idea),
            ("globex", globex_idea),
            ("no_row", no_row),
            ("open", open_idea),
        ):
            ids[name] = idea.id
    return ids


def test_one_ideas_benefit(client, api_user: Caller, world: dict[str, Any]) -> None:
    _, headers = api_user(Role.STAKEHOLDER)
    answer = client.get(f"/api/v1/suggestions/{world['internal']}/benefit", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json
    assert body["status"] == "measured"
    assert (body["expected_hours_per_week"], body["measured_hours_per_week"]) == (90.0, 62.0)
    assert (body["ci_low"], body["ci_high"]) == (41.0, 83.0)
    assert body["method"] == "difference-in-differences"
    assert (body["pre_weeks"], body["post_weeks"], body["metric"]) == (8, 8, "agent_hours")
    assert (
        body["summary"] == "expected 90 h/week; measured 62 h/week, 95% CI 41 to 83, after 8 weeks"
    )


def test_delivered_without_a_measurement_and_not_delivered(
    client, api_user: Caller, world: dict[str, Any]
) -> None:
    _, headers = api_user(Role.PM)
    waiting = client.get(f"/api/v1/suggestions/{world['no_row']}/benefit", headers=headers).json
    assert waiting["status"] == "waiting"
    assert waiting["measured_hours_per_week"] is None
    still_open = client.get(f"/api/v1/suggestions/{world['open']}/benefit", headers=headers)
    assert still_open.json["status"] == "not_delivered"


def test_a_vendor_never_reads_another_organisations_benefit(client, world: dict[str, Any]) -> None:
    headers = world["acme_headers"]
    own = client.get(f"/api/v1/suggestions/{world['acme']}/benefit", headers=headers)
    assert own.status_code == 200
    assert own.json["status"] == "inconclusive"
    for other in ("globex", "internal", "no_row"):
        hidden = client.get(f"/api/v1/suggestions/{world[other]}/benefit", headers=headers)
        assert hidden.status_code == 404, other
    unknown = client.get("/api/v1/suggestions/999999/benefit", headers=headers)
    assert unknown.status_code == 404
    assert hidden.json["error"] == unknown.json["error"].replace("999999", str(world["no_row"]))


def test_the_portfolio(client, api_user: Caller, world: dict[str, Any]) -> None:
    _, headers = api_user(Role.PM)
    answer = client.get("/api/v1/benefits?per_page=2", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json
    totals = body["totals"]
    assert totals["ideas"] == 3
    assert totals["states"] == {"waiting": 0, "measured": 2, "inconclusive": 1, "not_measurable": 0}
    assert totals["hours"]["measured"] == 372.0
    assert totals["hours"]["counted"] == 3
    assert totals["hours"]["ci_low"] < 372 < totals["hours"]["ci_high"]
    assert [g["label"] for g in body["by_organisation"]] == ["Internal", "Acme", "Globex"]
    assert [g["label"] for g in body["by_initiative"]] == ["Faster spam", "No initiative"]
    assert body["by_initiative"][0]["hours"]["measured"] == 62.0
    assert [g["key"] for g in body["by_quarter"]] == ["2026-Q1"]
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 2)
    assert body["next_page"] == 2
    item = body["items"][0]
    assert set(item) >= {"suggestion_id", "title", "state", "measured", "ci_low", "summary"}


def test_the_portfolio_filters(client, api_user: Caller, world: dict[str, Any]) -> None:
    _, headers = api_user(Role.PM)
    body = client.get(
        "/api/v1/benefits?organisation=internal&state=measured&quarter=2026-Q1", headers=headers
    ).json
    assert [item["title"] for item in body["items"]] == ["Spam macro"]
    assert body["filters"] == {
        "organisation": "internal",
        "state": "measured",
        "quarter": "2026-Q1",
    }


def test_a_vendors_portfolio_holds_only_their_organisation(client, world: dict[str, Any]) -> None:
    body = client.get("/api/v1/benefits", headers=world["acme_headers"]).json
    assert [item["title"] for item in body["items"]] == ["Acme rule"]
    assert [g["label"] for g in body["by_organisation"]] == ["Acme"]
    assert body["by_initiative"] == []
    assert body["totals"]["hours"]["measured"] == 10.0
    other = client.get(
        f"/api/v1/benefits?organisation={world['globex']}", headers=world["acme_headers"]
    ).json
    assert other["items"] == []
    assert other["totals"]["hours"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=bogus", "state"),
        ("quarter=26-Q1", "quarter"),
        ("organisation=%D9%A3", "organisation"),
        ("organisation=" + "1" * 500, "organisation"),
        ("area=" + "a" * 81, "area"),
        ("page=0", "page"),
        ("per_page=%EF%BC%92", "per_page"),
    ],
)
def test_bad_query_values_are_named(
    client, api_user: Caller, world: dict[str, Any], query: str, field: str
) -> None:
    _, headers = api_user(Role.PM)
    answer = client.get(f"/api/v1/benefits?{query}", headers=headers)
    assert answer.status_code == 422
    assert field in answer.json["fields"]


def test_initiatives_carry_their_benefit(client, api_user: Caller, world: dict[str, Any]) -> None:
    _, headers = api_user(Role.PM)
    listed = client.get("/api/v1/initiatives", headers=headers).json
    benefit = listed[0]["benefit"]
    assert benefit["delivered"] == 1
    assert benefit["hours"]["measured"] == 62.0
    assert benefit["summary"] == (
        "Measured 62 h/week (95% CI 41 to 83) from 1 of 1 delivered idea; expected 90"
    )
    one = client.get(f"/api/v1/initiatives/{world['initiative']}", headers=headers).json
    assert one["benefit"] == benefit
