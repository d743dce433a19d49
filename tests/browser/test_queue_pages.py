"""Queue pages in Chromium on a 390 px phone and on a desktop: nothing wider than the screen,
every chart drawn, chart text large enough to read, the delivered idea and a spike marked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.journeys import browser_login
from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.models import Role, Status, Suggestion, User
from tracker.services.kpis import signal_scan

pytestmark = pytest.mark.browser

WEEKS = 30


def queue_with_history(app: Flask, submitter: User) -> int:
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    assert submitter.id is not None
    end = datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=7 * WEEKS - 1)
    rng = np.random.default_rng(11)
    incoming = [float(round(900 + rng.normal(0, 20))) for _ in range(7 * WEEKS)]
    incoming[7 * 20 + 2] += 900  # a spike
    put_values(app, queue.id, "incoming", daily(start, incoming))
    put_values(app, queue.id, "manual_incoming", daily(start, [v * 0.6 for v in incoming]))
    put_values(app, queue.id, "manual_solved", daily(start, [v * 0.55 for v in incoming]))
    put_values(app, queue.id, "aht_minutes", daily(start, [6.0] * 7 * WEEKS))
    with db.session_scope(app) as session:
        session.add(
            Suggestion(
                title="Auto-close appeals of deleted accounts",
                problem="p",
                proposed_change="c",
                area="Content spam",
                queue=queue.name,
                queue_id=queue.id,
                submitter_id=submitter.id,
                status=Status.DELIVERED,
                delivered_at=datetime.now(UTC) - timedelta(weeks=6),
            )
        )
        signal_scan.scan(session, settings=app.config["SETTINGS"])
    return queue.id


@pytest.mark.parametrize("width", [390, 1280])
def test_a_queue_page_fits_the_screen_and_marks_what_happened(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
    width: int,
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    pm = make_browser_user(Role.PM)
    queue_id = queue_with_history(live_app, pm)
    browser_login(page, pm.email)

    page.goto("/queues")
    expect(page.get_by_role("link", name="Spam appeals (EN)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"/queues/{queue_id}")
    expect(page.get_by_role("heading", name="Spam appeals (EN)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    charts = page.locator("svg.kpi-chart")
    assert charts.count() >= 5
    # The smallest axis label as drawn on this screen, in CSS pixels.
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('svg.kpi-chart text')]"
        ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
    )
    assert smallest >= 8, f"chart text {smallest:.1f} px high on a {width} px screen"
    expect(page.locator(".chart-marker").first).to_be_attached()  # the delivered idea
    expect(page.locator("circle.chart-signal").first).to_be_attached()  # the spike
    expect(page.get_by_role("link", name="Start an idea from this").first).to_be_visible()
    assert console_errors == []
