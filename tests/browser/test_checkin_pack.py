"""The check-in pack in Chromium: the print button works under the CSP, and printed (print media
emulated, then a real PDF) the pack drops navigation, forms and buttons, prints the queue link's
address and fits the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.journeys import browser_login
from tests.helpers.kpis import make_queue
from tests.helpers.suggestions import add_idea
from tracker.models import Role, User

pytestmark = pytest.mark.browser


def test_the_pack_prints_cleanly(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    vendor = make_browser_user(Role.VENDOR)
    assert vendor.organisation_id is not None
    pm = make_browser_user(Role.PM)
    add_idea(live_app, vendor, "Macro for refund answers")
    queue = make_queue(live_app, "Refund disputes", organisation_ids=[vendor.organisation_id])
    browser_login(page, pm.email)

    page.goto(f"/organisations/{vendor.organisation_id}/checkin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check-in pack")
    button = page.get_by_role("button", name="Print / save as PDF")
    expect(button).to_be_visible()  # print.js shows it: no inline script needed
    expect(page.get_by_role("button", name="Record check-in")).to_be_visible()
    expect(page.locator(".print-only")).to_be_hidden()

    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("aside.checkin-record")).to_be_hidden()
    expect(button).to_be_hidden()
    expect(page.locator(".print-only")).to_be_visible()
    expect(page.get_by_text("Macro for refund answers")).to_be_visible()
    queue_link = page.get_by_role("link", name="Refund disputes")
    after = queue_link.evaluate("link => getComputedStyle(link, '::after').content")
    assert f"/queues/{queue.id}" in after
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert console_errors == []
