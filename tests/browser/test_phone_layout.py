"""The main pages on a 390 px phone and a 1366 px desktop: nothing scrolls sideways on the phone,
the links fold behind a one-row "Menu" bar there and show in full on the desktop, tables turn
into labelled cards, the matrix fits the screen with a legend, and the header names the role in
one word without repeating a name that is the role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.benefits import delivered_idea, put_benefit
from tests.helpers.delivery import seed, seed_initiative
from tests.helpers.digest_samples import sample_content, store_digest
from tests.helpers.journeys import (
    PHONE,
    browser_login,
    score_and_accept,
    seed_suggestion,
    sideways_scroll,
)
from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.models import Role, User

pytestmark = pytest.mark.browser

DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
# Long unbroken words are what push a phone page sideways, so the seeded titles carry some.
TITLE = "Prefill the appeal reason in spam-and-scam-appeals-for-verified-business-accounts"
TOP_BAR_MAX_PX = 64


def seed_world(app: Flask, admin: User, make_user: Callable[..., User]) -> dict[str, str]:
    """One of everything the main pages list; returns the pages to visit by name."""
    agent = make_user(Role.SUBMITTER, display_name="Ada Agent")
    idea = seed_suggestion(app, agent, title=TITLE, weekly_volume="1200")
    score_and_accept(
        app, admin, idea, {"reach": "400", "impact": "2", "confidence": "80", "effort": "1"}
    )
    initiative_id, _ = seed_initiative(app, "Scam-appeal-routing-for-verified-business-accounts")
    assert agent.id is not None
    seed(app, agent.id, points=(3, 5), initiative_id=initiative_id)
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    start = datetime.now(UTC).date() - timedelta(days=70)
    put_values(app, queue.id, "incoming", daily(start, [900.0 + day % 7 for day in range(70)]))
    with db.session_scope(app) as session:
        delivered = delivered_idea(session, author=agent, queue_id=queue.id, queue=queue.name)
        put_benefit(session, delivered)
    end = datetime.now(UTC)
    digest_id = store_digest(
        app,
        "pm",
        "all",
        sample_content(evil=False),
        period_start=end - timedelta(days=7),
        period_end=end,
    )
    return {
        "home": "/",
        "backlog": "/backlog",
        "matrix": "/matrix",
        "idea": f"/suggestions/{idea.id}",
        "submit": "/suggestions/new",
        "my ideas": "/suggestions/mine",
        "queues": "/queues",
        "queue": f"/queues/{queue.id}",
        "benefits": "/benefits",
        "initiatives": "/initiatives",
        "initiative": f"/initiatives/{initiative_id}",
        "stories": "/stories",
        "digests": "/digests",
        "digest": f"/digests/{digest_id}",
        "users": "/admin/users",
    }


@pytest.mark.parametrize("browser_context_args", [PHONE], ids=["phone"])
def test_no_main_page_scrolls_sideways_on_a_phone(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    admin = make_browser_user(Role.ADMIN, display_name="Administrator")
    pages = seed_world(live_app, admin, make_browser_user)
    browser_login(page, admin.email)

    wide = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response is not None, name
        assert response.ok, (name, response.status)
        scroll_width, client_width = sideways_scroll(page)
        if scroll_width > client_width + 1:
            wide[name] = scroll_width
        header = page.locator("header.topbar").bounding_box()
        assert header is not None, name
        assert header["height"] <= TOP_BAR_MAX_PX, (name, header)
    assert wide == {}, f"pages wider than {PHONE['viewport']['width']} px: {wide}"
    assert console_errors == []


@pytest.mark.parametrize("browser_context_args", [PHONE], ids=["phone"])
def test_the_phone_menu_opens_and_leads_somewhere(
    page: Page, console_errors: list[str], make_browser_user: Callable[..., User]
) -> None:
    pm = make_browser_user(Role.PM, display_name="Priya PM")
    browser_login(page, pm.email)
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()

    menu.click()
    nav.get_by_role("link", name="Backlog", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Backlog")
    expect(nav).to_be_hidden()  # a new page starts with the menu folded
    assert console_errors == []


@pytest.mark.parametrize("browser_context_args", [PHONE], ids=["phone"])
def test_tables_become_labelled_cards_and_the_matrix_fits(
    page: Page, live_app: Flask, make_browser_user: Callable[..., User]
) -> None:
    admin = make_browser_user(Role.ADMIN, display_name="Administrator")
    pages = seed_world(live_app, admin, make_browser_user)
    browser_login(page, admin.email)
    width = PHONE["viewport"]["width"]

    page.goto(pages["users"])
    cell = page.locator("table.stack-on-phone td[data-label='Organisation']").first
    expect(cell).to_have_css("display", "block")
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Organisation: "'
    expect(page.locator("table.stack-on-phone thead")).not_to_be_in_viewport()

    page.goto(pages["matrix"])
    chart = page.locator("svg.matrix").bounding_box()
    assert chart is not None
    assert chart["x"] >= 0
    assert chart["x"] + chart["width"] <= width
    dot = page.locator("svg.matrix a.matrix-link").first
    expect(dot.locator("title")).to_contain_text(TITLE)
    expect(dot.locator("text.matrix-number")).to_have_text("1")
    legend = page.get_by_role("list", name="Legend")
    expect(legend.get_by_role("listitem")).to_have_count(5)
    expect(legend).to_contain_text("Quick wins")
    row = page.locator("table.matrix-table td[data-label='Idea']").first
    expect(row).to_have_css("display", "block")


@pytest.mark.parametrize("browser_context_args", [DESKTOP], ids=["desktop"])
def test_the_desktop_keeps_the_full_nav_and_a_short_role(
    page: Page, live_app: Flask, make_browser_user: Callable[..., User]
) -> None:
    admin = make_browser_user(Role.ADMIN, display_name="Administrator")
    seed_world(live_app, admin, make_browser_user)
    browser_login(page, admin.email)
    nav = page.get_by_role("navigation", name="Main")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    for name in ("Backlog", "Matrix", "Queues", "Initiatives", "Benefits", "Digests", "Users"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    # A name that is the role is shown once.
    expect(page.locator(".who-name")).to_have_text("Administrator")
    assert sideways_scroll(page)[0] <= DESKTOP["viewport"]["width"]

    page.goto("/matrix")
    chart = page.locator("svg.matrix").bounding_box()
    assert chart is not None
    assert chart["width"] > 600  # full size, not a phone's

    page.get_by_role("button", name="Sign out").click()
    stakeholder = make_browser_user(Role.STAKEHOLDER, display_name="Dana Okafor")
    browser_login(page, stakeholder.email)
    expect(page.locator(".who-name")).to_have_text("Dana Okafor · Stakeholder")
    expect(page.locator("header.topbar")).not_to_contain_text("read-only")
