"""/benefits, its CSV and Markdown exports, and the initiative pages' benefit line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlmodel import select

from tests.helpers.benefits import delivered_idea, put_benefit
from tests.helpers.client import TrackerClient
from tracker import db
from tracker.models import Initiative, Role, User

EXPORTS = ("/benefits/export.csv", "/benefits/export.md")


@pytest.fixture
def world(
    app: Flask, make_user: Callable[..., User], make_organisation: Callable[..., Any]
) -> dict[str, Any]:
    """An internal idea in an initiative, one idea each from Acme and Globex (Globex's shared
    with every vendor), and a waiting one."""
    acme, globex = make_organisation(name="Acme"), make_organisation(name="Globex")
    agent = make_user(Role.SUBMITTER)
    acme_staff = make_user(Role.VENDOR, organisation_id=acme.id)
    globex_staff = make_user(Role.VENDOR, organisation_id=globex.id)
    with db.session_scope(app) as session:
        initiative = Initiative(name="Faster spam")
        session.add(initiative)
        session.flush()
        internal = delivered_idea(
            session,
            author=agent,
            title="Spam macro",
            area="Content spam",
            initiative_id=initiative.id,
        )
        put_benefit(session, internal, measured=62.0, ci_low=41.0, ci_high=83.0)
        mine = delivered_idea(session, author=acme_staff, title="Acme triage rule")
        put_benefit(session, mine, measured=20.0, ci_low=-5.0, ci_high=45.0, state="inconclusive")
        theirs = delivered_idea(
            session,
            author=globex_staff,
            title="Globex secret saving",
            shared_with_vendors=True,
        )
        put_benefit(session, theirs, measured=500.0, ci_low=400.0, ci_high=600.0)
        waiting = delivered_idea(session, author=agent, title="Still measuring")
        put_benefit(
            session,
            waiting,
            state="waiting",
            measured=None,
            ci_low=None,
            ci_high=None,
            post_weeks=3,
        )
        initiative_id = initiative.id
    return {"acme": acme_staff, "initiative_id": initiative_id}


def test_pm_sees_totals_groups_and_the_table(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.PM)
    page = client.get("/benefits")
    assert page.status_code == 200, page.text
    text = page.text
    # 62 + 20 + 500, and the interval of three independent queues.
    assert "Measured 582 h/week (95% CI" in text
    assert "from 3 measured ideas; expected 270 h/week" in text
    assert "1 waiting" in text
    assert "2 measured" in text
    assert "1 inconclusive" in text
    for heading in ("By area", "By organisation", "By initiative", "By delivery quarter"):
        assert heading in text
    assert "Faster spam" in text
    assert "2026 Q1" in text
    assert "Internal" in text
    assert "Spam macro" in text
    assert '62 <span class="muted">(41 to 83)' in text
    assert "3 of 8 weeks" in text


def test_vendor_sees_only_their_organisation(client: TrackerClient, world: dict[str, Any]) -> None:
    assert client.login(world["acme"].email).status_code == 302
    text = client.get("/benefits").text
    assert "Acme triage rule" in text
    assert "Globex" not in text
    assert "Spam macro" not in text
    assert "500" not in text
    assert "By initiative" not in text
    assert "Faster spam" not in text
    for url in EXPORTS:
        body = client.get(url).get_data(as_text=True)
        assert "Acme triage rule" in body
        assert "Globex" not in body
        assert "Spam macro" not in body


def test_filters_apply_to_the_page_and_exports(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.PM)
    text = client.get("/benefits?area=Content+spam&state=measured").text
    assert "Spam macro" in text
    assert "Acme triage rule" not in text
    assert "Measured 62 h/week (95% CI 41 to 83)" in text
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/benefits/export.csv?organisation=internal")
                .get_data(as_text=True)
                .removeprefix("\ufeff")
            )
        )
    )
    assert {r["title"] for r in rows} == {"Spam macro", "Still measuring"}
    markdown = client.get("/benefits/export.md?quarter=2026-Q1&state=inconclusive")
    assert markdown.mimetype == "text/markdown"
    assert "Acme triage rule" in markdown.get_data(as_text=True)
    assert "Spam macro" not in markdown.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "state=nonsense",
        "state=%00",
        "quarter=2026-Q9",
        "quarter=%D9%A3%D9%A3%D9%A3%D9%A3-Q1",
        "organisation=%D9%A3",
        "organisation=" + "9" * 5000,
        "area=%00spam",
        "area=" + "x" * 500,
    ],
)
@pytest.mark.parametrize("url", ["/benefits", *EXPORTS])
def test_hostile_filters_get_a_clear_message(
    client: TrackerClient, login_as: Callable[..., User], url: str, query: str
) -> None:
    login_as(Role.STAKEHOLDER)
    answer = client.get(f"{url}?{query}")
    # NUL and other control characters are refused by the app-wide input guard (400) first.
    assert answer.status_code in (400, 422), answer.status_code
    if answer.status_code == 422:
        assert "must" in answer.text


def test_hostile_paging_is_clamped(client: TrackerClient, login_as: Callable[..., User]) -> None:
    login_as(Role.PM)
    for query in ("page=%EF%BC%92", "page=" + "9" * 400, "per_page=-3", "page=0"):
        assert client.get(f"/benefits?{query}").status_code == 200


def test_csv_export_is_a_safe_download(
    app: Flask, client: TrackerClient, login_as: Callable[..., User]
) -> None:
    pm = login_as(Role.PM)
    with db.session_scope(app) as session:
        idea = delivered_idea(session, author=pm, title="@SUM(A1:A9) macro")
        put_benefit(session, idea)
    answer = client.get("/benefits/export.csv")
    assert answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    assert "'@SUM(A1:A9) macro" in answer.get_data(as_text=True)


def test_nothing_delivered_yet(client: TrackerClient, login_as: Callable[..., User]) -> None:
    login_as(Role.SUBMITTER)
    text = client.get("/benefits").text
    assert "Nothing measured yet" in text
    assert "No delivered ideas" in text


def test_initiative_pages_show_the_sum(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.STAKEHOLDER)
    line = "Measured 62 h/week (95% CI 41 to 83) from 1 of 1 delivered idea; expected 90"
    assert line in client.get("/initiatives").text
    assert line in client.get(f"/initiatives/{world['initiative_id']}").text


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _add_ideas(app: Flask, author: User, count: int) -> None:
    with db.session_scope(app) as session:
        start = len(session.exec(select(Initiative.id)).all())
        for n in range(start, start + count):
            initiative = Initiative(name=f"Initiative {n}")
            session.add(initiative)
            session.flush()
            idea = delivered_idea(
                session, author=author, title=f"Idea {n}", initiative_id=initiative.id
            )
            put_benefit(session, idea, shared_with=[])


@pytest.mark.parametrize("url", ["/benefits", "/benefits/export.csv", "/initiatives"])
def test_statements_do_not_grow_with_the_ideas(
    app: Flask, client: TrackerClient, login_as: Callable[..., User], url: str
) -> None:
    pm = login_as(Role.PM)
    _add_ideas(app, pm, 3)
    client.get(url)  # warm: first-request work is not the page's
    with counted(app) as few:
        assert client.get(url).status_code == 200
    _add_ideas(app, pm, 27)
    with counted(app) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_how_estimates_held_up_by_source_and_area(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.PM)
    page = client.get("/benefits").text
    assert "How estimates held up" in page
    assert "Ideas from Acme" in page
    assert "Ideas from Globex" in page


def test_a_vendor_sees_how_only_its_own_estimates_held_up(
    client: TrackerClient, world: dict[str, Any]
) -> None:
    assert client.login(world["acme"].email).status_code == 302
    page = client.get("/benefits").text
    assert "Ideas from Acme" in page
    assert "Globex" not in page
