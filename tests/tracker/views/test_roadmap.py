"""/roadmap and /roadmap/export.md through the HTTP client: columns, the vendor's view, the area
filter and its permalink, refusals, the download and a fixed number of statements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from tests.helpers.client import TrackerClient
from tests.helpers.delivery import seed
from tests.helpers.suggestions import add_idea
from tests.tracker.views.test_benefits_page import counted
from tracker import db
from tracker.models import Initiative, Role, Status, User


@pytest.fixture
def world(
    app: Flask, make_user: Callable[..., User], make_organisation: Callable[..., Any]
) -> dict[str, Any]:
    acme = make_organisation(name="Acme")
    agent = make_user(Role.SUBMITTER)
    vendor = make_user(Role.VENDOR, organisation_id=acme.id)
    with db.session_scope(app) as session:
        initiative = Initiative(name="Faster appeals")
        session.add(initiative)
        session.flush()
        initiative_id = initiative.id
    seed(app, agent.id or 0, points=(3, 2), pushed=(True, False), initiative_id=initiative_id)
    add_idea(
        app,
        agent,
        "Spam <b>macro</b>",
        area="Content spam",
        status=Status.ACCEPTED,
        score=12.0,
        score_framework="rice",
    )
    add_idea(app, agent, "Someday maybe", status=Status.PARKED)
    add_idea(app, vendor, "Acme shortcut", status=Status.ACCEPTED)
    return {"vendor": vendor}


def test_pm_sees_every_column_and_the_permalink(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.PM)
    page = client.get("/roadmap")
    assert page.status_code == 200, page.text
    text = page.text
    for heading in ("Now", "Next", "Later", "Recently delivered"):
        assert f'">{heading} <span' in text
    assert "Faster appeals" in text
    assert "Route scam appeals to specialists" in text
    assert "Spam &lt;b&gt;macro&lt;/b&gt;" in text
    assert "RICE 12" in text
    assert "Parked ideas are kept here" in text
    assert "Someday maybe" in text
    assert "Bookmark this page" in text
    assert "roadmap.css" in text


def test_vendor_sees_no_initiatives(client: TrackerClient, world: dict[str, Any]) -> None:
    assert client.login(world["vendor"].email).status_code == 302
    text = client.get("/roadmap").text
    assert "Acme shortcut" in text
    assert "Faster appeals" not in text
    assert "Initiative</span>" not in text
    assert "Spam" not in text  # an internal idea not shared with vendors


def test_area_filter_and_its_permalink(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.STAKEHOLDER)
    text = client.get("/roadmap?area=Content+spam").text
    assert "Spam &lt;b&gt;macro&lt;/b&gt;" in text
    assert "Someday maybe" not in text
    assert "Faster appeals" not in text
    assert "/roadmap?area=Content+spam</a>" in text
    assert 'href="/roadmap/export.md?area=Content+spam"' in text


@pytest.mark.parametrize("area", ["Nowhere", "%EF%BC%91", "x" * 3000])
def test_a_bad_area_is_a_clear_422(
    client: TrackerClient, login_as: Callable[..., User], area: str
) -> None:
    login_as(Role.PM)
    for url in ("/roadmap", "/roadmap/export.md"):
        page = client.get(f"{url}?area={area}")
        assert page.status_code == 422, (url, page.status_code)
        assert "Area must be one of" in page.text


def test_a_nul_in_the_query_is_refused_before_the_page(
    client: TrackerClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.PM)
    assert client.get("/roadmap?area=Other%00").status_code == 400  # the app-wide input guard


def test_markdown_download(
    client: TrackerClient, login_as: Callable[..., User], world: dict[str, Any]
) -> None:
    login_as(Role.PM)
    response = client.get("/roadmap/export.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="roadmap-')
    assert response.headers["Cache-Control"] == "no-store"
    body = response.text
    assert body.startswith("# Roadmap\n")
    assert "Spam &lt;b&gt;macro&lt;/b&gt;" in body
    assert "**Initiative** [Faster appeals]" in body


def test_integration_accounts_are_refused(
    client: TrackerClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.INTEGRATION)
    assert client.get("/roadmap").status_code == 403


def _add(app: Flask, author: User, count: int) -> None:
    with db.session_scope(app) as session:
        start = len(session.exec(select(Initiative.id)).all())
        names = [Initiative(name=f"Roadmap initiative {n}") for n in range(start, start + count)]
        session.add_all(names)
        session.flush()
        ids = [initiative.id for initiative in names]
    statuses = [Status.ACCEPTED, Status.IN_DELIVERY, Status.PARKED]
    for n, initiative_id in enumerate(ids):
        seed(
            app,
            author.id or 0,
            initiative_id=initiative_id,
            status=statuses[n % 3],
            title=f"Idea {n}",
        )
        add_idea(app, author, f"Loose idea {n}", status=statuses[n % 3], score=float(n))


@pytest.mark.parametrize("url", ["/roadmap", "/roadmap/export.md"])
def test_statements_do_not_grow_with_the_ideas(
    app: Flask, client: TrackerClient, login_as: Callable[..., User], url: str
) -> None:
    pm = login_as(Role.PM)
    _add(app, pm, 3)
    client.get(url)  # warm: first-request work is not the page's
    with counted(app) as few:
        assert client.get(url).status_code == 200
    _add(app, pm, 12)
    with counted(app) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), (len(few), len(many))
