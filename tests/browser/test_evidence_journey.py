"""Evidence from data on the submit form, in Chromium: choosing a queue fills weekly volume and
handle time from its last weeks and says so; typed figures are left alone; a link from a queue
fills the queue and its figures on arrival. No console errors (evidence.js obeys the CSP)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.journeys import browser_login
from tests.helpers.kpis import daily, make_queue, put_values
from tracker.models import Queue, Role, User

pytestmark = pytest.mark.browser


def queue_with_data(app: Flask, name: str, per_day: float, aht: float) -> Queue:
    queue = make_queue(app, name)
    today = date.today()
    start = today - timedelta(days=today.weekday() + 1) - timedelta(weeks=8) + timedelta(days=1)
    put_values(app, queue.id, "manual_solved", daily(start, [per_day] * 56))
    put_values(app, queue.id, "aht_minutes", daily(start, [aht] * 56))
    return queue


def test_choosing_a_queue_fills_the_figures_from_data_unless_typed(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    queue_with_data(live_app, "Spam reports (EN)", 100, 6)
    queue_with_data(live_app, "Refund requests", 40, 11.5)
    browser_login(page, make_browser_user(Role.SUBMITTER).email)
    page.goto("/suggestions/new")
    volume = page.get_by_label("Weekly ticket volume", exact=True)
    handle = page.get_by_label("Current average handle time (minutes)", exact=True)
    note = page.locator("#queue-evidence")
    # The datalist offers the queues.
    expect(page.locator("#queue-names option")).to_have_count(2)

    queue = page.get_by_label("Queue or workflow", exact=True)
    queue.fill("Spam reports (EN)")
    queue.blur()
    expect(volume).to_have_value("700")
    expect(handle).to_have_value("6")
    expect(note).to_contain_text("Filled in from data, 8 weeks to")
    expect(note).to_contain_text("700 tickets a week, 6 min handle time")

    # A figure the person typed stays; the other one follows the queue.
    volume.fill("1500")
    queue.fill("Refund requests")
    queue.blur()
    expect(handle).to_have_value("11.5")
    expect(volume).to_have_value("1500")
    expect(note).to_contain_text("280 tickets a week")

    # A new queue name has no data: the note goes, the figures stay as they are.
    queue.fill("A queue nobody has yet")
    queue.blur()
    expect(note).to_have_text("")
    expect(handle).to_have_value("11.5")
    assert [e for e in console_errors if "404" not in e] == []


def test_a_link_from_a_queue_fills_the_queue_and_its_figures(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    queue = queue_with_data(live_app, "Spam reports (EN)", 100, 6)
    browser_login(page, make_browser_user(Role.SUBMITTER).email)
    page.goto(f"/suggestions/new?queue_id={queue.id}")
    expect(page.get_by_label("Queue or workflow", exact=True)).to_have_value("Spam reports (EN)")
    expect(page.get_by_label("Weekly ticket volume", exact=True)).to_have_value("700")
    expect(page.locator("#queue-evidence")).to_contain_text("from data, 8 weeks to")
    assert console_errors == []
