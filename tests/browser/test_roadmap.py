"""/roadmap in Chromium as a PM and as a vendor, at 1366 px and 390 px: four columns side by side
on the desktop, stacked on the phone, nothing scrolls sideways, the vendor sees no initiative and
no idea that is not theirs to see, and the Markdown export downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.delivery import seed, seed_initiative
from tests.helpers.journeys import PHONE, browser_login, sideways_scroll
from tests.helpers.suggestions import add_idea
from tracker.models import Role, Status, User

pytestmark = pytest.mark.browser

DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
# A long unbroken word is what pushes a phone page sideways.
LONG = "Prefill-the-appeal-reason-for-verified-business-accounts-everywhere"
COLUMNS = ("Now", "Next", "Later", "Recently delivered")


def _seed(app: Flask, make_user: Callable[..., User]) -> User:
    """An initiative in delivery, an internal accepted idea, a parked one, and a vendor's own
    accepted idea; returns the vendor."""
    agent = make_user(Role.SUBMITTER)
    vendor = make_user(Role.VENDOR)
    initiative_id, _ = seed_initiative(app, "Scam appeal routing")
    assert agent.id is not None
    seed(app, agent.id, points=(3, 5), initiative_id=initiative_id)
    add_idea(app, agent, f"Internal {LONG}", status=Status.ACCEPTED, score=20.0)
    add_idea(app, agent, "Someday maybe", status=Status.PARKED)
    add_idea(app, vendor, "Vendor shortcut", status=Status.ACCEPTED)
    return vendor


def _tops(page: Page) -> list[float]:
    return [
        page.locator(f"section.roadmap-{name}").bounding_box()["y"]  # type: ignore[index]
        for name in ("now", "next", "later", "delivered")
    ]


@pytest.mark.parametrize("browser_context_args", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pm_roadmap(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
    browser_context_args: dict[str, Any],
) -> None:
    _seed(live_app, make_browser_user)
    pm = make_browser_user(Role.PM)
    browser_login(page, pm.email)
    page.goto("/roadmap")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roadmap")
    for name in COLUMNS:
        expect(page.get_by_role("heading", level=2, name=name)).to_be_visible()
    expect(page.get_by_role("link", name="Scam appeal routing")).to_be_visible()
    expect(page.get_by_text("Someday maybe")).to_be_visible()
    expect(page.get_by_text("Bookmark this page")).to_be_visible()
    tops = _tops(page)
    if browser_context_args is PHONE:
        assert tops == sorted(tops)
        assert len(set(tops)) == 4  # stacked
    else:
        assert len(set(tops)) == 1  # side by side
    scroll, width = sideways_scroll(page)
    assert scroll <= width, (scroll, width)

    page.get_by_label("Area").select_option("Other")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roadmap: Other")
    permalink = page.locator(".roadmap-permalink a")
    expect(permalink).to_contain_text("/roadmap?area=Other")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Markdown").click()
    assert download.value.suggested_filename.startswith("roadmap-")
    assert console_errors == []


@pytest.mark.parametrize("browser_context_args", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_vendor_roadmap(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
    browser_context_args: dict[str, Any],
) -> None:
    vendor = _seed(live_app, make_browser_user)
    browser_login(page, vendor.email)
    page.goto("/roadmap")
    expect(page.get_by_text("Vendor shortcut")).to_be_visible()
    expect(page.get_by_text("Scam appeal routing")).to_have_count(0)
    expect(page.get_by_text("Someday maybe")).to_have_count(0)
    expect(page.get_by_text(LONG)).to_have_count(0)
    scroll, width = sideways_scroll(page)
    assert scroll <= width, (scroll, width)
    assert console_errors == []
