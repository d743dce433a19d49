"""The digest's "Measured this period": benefits that settled in the period, per audience, with the
PMs' and stakeholders' total and its interval, in the email (HTML and text), Markdown and page.

The week is [Mon 16 Nov 2026 09:00, Mon 23 Nov 2026 09:00) UTC. Ideas (area A unless told):

 name     author  settled       state           measured (CI)   expected  notes
 acme1    acme    18 Nov        measured        62 (41 to 83)   90
 acme2    acme    20 Nov        inconclusive    5 (-4 to 14)    20        area B
 bolt1    bolt    19 Nov        measured        30 (20 to 40)   25        shared with vendors
 agent1   agent   21 Nov        measured        10 (6 to 14)    -         one group with agent2
 agent2   agent   21 Nov        measured        10 (6 to 14)    -         area B
 early    agent   15 Nov        measured        (before the period)
 late     agent   23 Nov 09:00  measured        (the next period)
 waiting  agent   -             waiting
 gone     agent   17 Nov        not measurable  (settled, then lost its data)
 other    agent   20 Nov        measured        3 (1 to 5) min  4         handle time, not hours

The agent voted on bolt1; the stakeholder follows area A.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.helpers.client import TrackerClient
from tests.helpers.digest_samples import store_digest
from tests.helpers.digests import digest_content_of
from tracker import db
from tracker.models import (
    AreaSubscription,
    Audience,
    Benefit,
    BenefitState,
    Organisation,
    Role,
    Suggestion,
    User,
)
from tracker.services.digests.render import render_email, render_markdown
from tracker.services.suggestions import engagement

BASE = "https://tracker.example.com"
A, B = "Account integrity", "Content spam"
START = datetime(2026, 11, 16, 9, tzinfo=UTC)
END = datetime(2026, 11, 23, 9, tzinfo=UTC)
MEASURED, INCONCLUSIVE = BenefitState.MEASURED.value, BenefitState.INCONCLUSIVE.value


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url, base_url=BASE + "/", timezone="Europe/Dublin")


@dataclass
class World:
    ids: dict[str, int]
    acme: Organisation
    bolt: Organisation
    pm: User
    stakeholder: User
    agent: User
    bolt_staff: User


def put(
    app: Flask,
    idea: Suggestion,
    state: str,
    settled: datetime | None,
    figures: tuple[float, float, float] | None = None,
    **fields: Any,
) -> None:
    measured, low, high = figures or (None, None, None)
    with db.session_scope(app) as session:
        session.add(
            Benefit(
                suggestion_id=idea.id or 0,
                state=state,
                settled_at=settled,
                measured=measured,
                ci_low=low,
                ci_high=high,
                chart={"confidence": 0.95},
                **({"post_weeks": 8, "post_weeks_target": 8} | fields),
            )
        )


@pytest.fixture
def world(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_suggestion: Callable[..., Suggestion],
) -> World:
    acme = make_organisation("Acme Moderation")
    bolt = make_organisation("Bolt Support")
    pm = make_user(Role.PM)
    stakeholder = make_user(Role.STAKEHOLDER)
    agent = make_user(Role.SUBMITTER)
    acme_staff = make_user(Role.VENDOR, organisation_id=acme.id)
    bolt_staff = make_user(Role.VENDOR, organisation_id=bolt.id)

    def idea(author: User, name: str, area: str = A, **fields: Any) -> Suggestion:
        return make_suggestion(author, title=f"Idea {name}", area=area, **fields)

    ideas = {
        "acme1": idea(acme_staff, "acme1"),
        "acme2": idea(acme_staff, "acme2", B),
        "bolt1": idea(bolt_staff, "bolt1", shared_with_vendors=True),
        "agent1": idea(agent, "agent1"),
        "agent2": idea(agent, "agent2", B),
        "early": idea(agent, "early"),
        "late": idea(agent, "late"),
        "waiting": idea(agent, "waiting"),
        "gone": idea(agent, "gone"),
        "other": idea(agent, "other"),
    }
    ids = {name: row.id or 0 for name, row in ideas.items()}
    put(app, ideas["acme1"], MEASURED, at(18), (62.0, 41.0, 83.0), expected=90.0)
    put(app, ideas["acme2"], INCONCLUSIVE, at(20), (5.0, -4.0, 14.0), expected=20.0)
    put(app, ideas["bolt1"], MEASURED, at(19), (30.0, 20.0, 40.0), expected=25.0)
    group = {"share": 0.5, "group_measured": 20.0}
    put(
        app,
        ideas["agent1"],
        MEASURED,
        at(21),
        (10.0, 6.0, 14.0),
        shared_with=[ids["agent2"]],
        **group,
    )
    put(
        app,
        ideas["agent2"],
        MEASURED,
        at(21),
        (10.0, 6.0, 14.0),
        shared_with=[ids["agent1"]],
        **group,
    )
    put(app, ideas["early"], MEASURED, at(15), (1.0, 0.5, 1.5))
    put(app, ideas["late"], MEASURED, END, (1.0, 0.5, 1.5))
    put(app, ideas["waiting"], BenefitState.WAITING.value, None, post_weeks=3)
    put(app, ideas["gone"], BenefitState.NOT_MEASURABLE.value, at(17), reason="no data")
    put(
        app,
        ideas["other"],
        MEASURED,
        at(20),
        (3.0, 1.0, 5.0),
        metric="handle_time",
        unit="min",
        expected=4.0,
    )
    with db.session_scope(app) as session:
        session.add(AreaSubscription(user_id=stakeholder.id or 0, area=A))
        voter = session.get(User, agent.id)
        assert voter is not None
        engagement.vote(session, actor=voter, suggestion_id=ids["bolt1"])
    return World(ids, acme, bolt, pm, stakeholder, agent, bolt_staff)


build = partial(digest_content_of, start=START, end=END)


def names(world: World, items: list[dict[str, Any]]) -> list[str]:
    by_id = {number: name for name, number in world.ids.items()}
    return [by_id[item["suggestion"]["id"]] for item in items]


# --- who sees what ------------------------------------------------------------------------------


def test_pms_see_every_settled_benefit_newest_first_with_the_total(
    app: Flask, world: World
) -> None:
    content = build(app, Audience.PM, "all")

    assert names(world, content["measured"]) == [
        "agent2",
        "agent1",
        "other",
        "acme2",
        "bolt1",
        "acme1",
    ]
    acme1 = content["measured"][-1]
    assert acme1["suggestion"]["url"] == f"{BASE}/suggestions/{world.ids['acme1']}"
    assert acme1["suggestion"]["title"] == "Idea acme1"
    assert acme1["summary"] == (
        "expected 90 h/week; measured 62 h/week, 95% CI 41 to 83, after 8 weeks"
    )
    assert (acme1["state"], acme1["state_label"], acme1["at"]) == (
        "measured",
        "Measured",
        "2026-11-18T09:00:00+00:00",
    )
    assert content["measured"][3]["state_label"] == "Inconclusive"
    assert content["measured"][0]["shared"] is True
    assert content["measured_more"] == 0

    total = content["measured_total"]
    # Hours only (not the handle-time idea): 62 + 5 + 30 + 10 + 10 = 117. Half-widths: the
    # agent pair is one group (4 + 4 = 8 each side); the rest are independent: low side
    # sqrt(21² + 9² + 10² + 8²), high side the same (symmetric intervals here).
    half = math.sqrt(21**2 + 9**2 + 10**2 + 8**2)
    assert total["measured"] == 117.0
    assert total["low"] == round(117 - half, 1)
    assert total["high"] == round(117 + half, 1)
    assert (total["counted"], total["expected"], total["expected_missing"]) == (5, 135.0, 2)
    assert total["spans_zero"] is False
    assert total["text"] == (
        "5 ideas measured 117 h/week, 95% CI 91 to 143 (expected 135 h/week; 2 without an estimate)"
    )


def test_a_stakeholder_sees_their_areas_with_a_total(app: Flask, world: World) -> None:
    content = build(app, Audience.STAKEHOLDER, f"user:{world.stakeholder.id}")
    assert names(world, content["measured"]) == ["agent1", "other", "bolt1", "acme1"]
    assert content["measured_total"]["measured"] == 102.0  # 10 + 30 + 62


def test_a_vendor_organisation_sees_only_its_own_ideas_and_no_total(
    app: Flask, world: World
) -> None:
    acme = build(app, Audience.VENDOR, f"org:{world.acme.id}")
    assert names(world, acme["measured"]) == ["acme2", "acme1"]
    assert acme["measured_total"] is None
    bolt = build(app, Audience.VENDOR, f"org:{world.bolt.id}")
    assert names(world, bolt["measured"]) == ["bolt1"]


def test_a_submitter_sees_the_ideas_they_submitted_not_those_they_voted_on(
    app: Flask, world: World
) -> None:
    content = build(app, Audience.SUBMITTER, f"user:{world.agent.id}")
    assert names(world, content["measured"]) == ["agent2", "agent1", "other"]
    assert content["measured_total"] is None


def test_a_vendor_submitter_never_reads_another_organisations_benefit(
    app: Flask, world: World, make_user: Callable[..., User]
) -> None:
    # Acme's staff may open Bolt's shared idea and vote on it; what it saved stays Bolt's.
    acme_voter = make_user(Role.VENDOR, organisation_id=world.acme.id)
    with db.session_scope(app) as session:
        voter = session.get(User, acme_voter.id)
        assert voter is not None
        engagement.vote(session, actor=voter, suggestion_id=world.ids["bolt1"])
    content = build(app, Audience.SUBMITTER, f"user:{acme_voter.id}")
    assert content["measured"] == []


def test_a_quiet_period_has_no_section(app: Flask, world: World) -> None:
    content = digest_content_of(app, Audience.PM, "all", start=at(1), end=at(8))
    assert (content["measured"], content["measured_more"], content["measured_total"]) == (
        [],
        0,
        None,
    )
    with app.test_request_context():
        html, text, _ = render_email(content, unsubscribe_url=f"{BASE}/unsubscribe/x")
    assert "Measured this period" not in html
    assert "Measured this period" not in text


def test_the_section_is_one_query_whatever_the_rows(app: Flask, world: World) -> None:
    def queries(start: datetime, end: datetime) -> int:
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(args[2])

        engine = db.engine(app)
        event.listen(engine, "before_cursor_execute", record)
        try:
            digest_content_of(app, Audience.PM, "all", start=start, end=end)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len([sql for sql in statements if "FROM benefit" in sql])

    assert queries(START, END) == queries(at(1), at(8)) == 1


# --- rendering ----------------------------------------------------------------------------------


def test_the_email_and_markdown_show_the_section(app: Flask, world: World) -> None:
    content = build(app, Audience.PM, "all")
    with app.test_request_context():
        html, text, _ = render_email(content, unsubscribe_url=f"{BASE}/unsubscribe/x")
        markdown = render_markdown(content)

    sentence = "expected 90 h/week; measured 62 h/week, 95% CI 41 to 83, after 8 weeks"
    for rendered in (html, text):
        assert "Measured this period" in rendered
        assert sentence in rendered
        assert "Total: 5 ideas measured 117 h/week, 95% CI 91 to 143" in rendered
        assert "(inconclusive: the interval spans zero)" in rendered
        assert "shared with overlapping deliveries" in rendered
    assert f"{BASE}/suggestions/{world.ids['acme1']}" in html
    assert "## Measured this period" in markdown
    assert f"[#{world.ids['acme1']} Idea acme1]({BASE}/suggestions/{world.ids['acme1']})" in (
        markdown
    )
    vendor = build(app, Audience.VENDOR, f"org:{world.acme.id}")
    with app.test_request_context():
        _, vendor_text, _ = render_email(vendor, unsubscribe_url=f"{BASE}/unsubscribe/x")
    assert "Measured this period" in vendor_text
    assert "Total:" not in vendor_text


def test_the_digest_page_shows_the_section(app: Flask, world: World, client: TrackerClient) -> None:
    content = build(app, Audience.PM, "all")
    digest_id = store_digest(app, "pm", "all", content, period_start=START, period_end=END)
    client.login(world.pm.email)
    page = client.get(f"/digests/{digest_id}").text
    assert '<h2 id="measured-heading">Measured this period</h2>' in page
    assert "expected 90 h/week; measured 62 h/week, 95% CI 41 to 83, after 8 weeks" in page
    assert "5 ideas measured 117 h/week, 95% CI 91 to 143" in page
    assert "Inconclusive" in page
