"""A stakeholder and a vendor open their digests in the browser, and each sees only their own.

The digests are built from real data by services.digest_content for each audience and stored,
as the weekly job would leave them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.digest_samples import store_digest
from tests.helpers.journeys import (
    besides_error_answers,
    browser_login,
    score_and_accept,
    seed_suggestion,
)
from tracker import db
from tracker.models import AreaSubscription, Audience, Organisation, Role, User
from tracker.services.digests import content as digest_content

pytestmark = pytest.mark.browser

INTERNAL_TITLE = "Auto-close spam tickets from known bots"
VENDOR_TITLE = "Bulk-close queue for Acme reviewers"
FOLLOWED_AREA = "Content spam"
OTHER_AREA = "Vendor tooling and training"


def build_and_store(app: Flask, audience: Audience, subject_key: str, start: datetime) -> int:
    """The digest for this audience over [start, now], stored like the scheduled job does."""
    end = datetime.now(UTC) + timedelta(seconds=1)
    with db.session_scope(app) as session:
        content = digest_content.build(
            session,
            audience=audience,
            subject_key=subject_key,
            period_start=start,
            period_end=end,
            settings=app.config["SETTINGS"],
        )
    return store_digest(
        app, audience.value, subject_key, content, period_start=start, period_end=end
    )


def open_my_digest(page: Page, expected_heading: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Digests").click()
    rows = page.get_by_role("table").first.get_by_role("row")
    expect(rows).to_have_count(2)  # the header and one digest
    rows.nth(1).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(expected_heading)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/login")


def test_stakeholder_and_vendor_each_see_only_their_digest(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
    make_browser_organisation: Callable[..., Organisation],
) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    acme = make_browser_organisation("Acme Moderation")
    pm = make_browser_user(Role.PM)
    agent = make_browser_user(Role.SUBMITTER)
    vendor = make_browser_user(Role.VENDOR, organisation_id=acme.id, display_name="Val Vendor")
    stakeholder = make_browser_user(Role.STAKEHOLDER, display_name="Sam Stakeholder")
    with db.session_scope(live_app) as session:
        session.add(AreaSubscription(user_id=stakeholder.id or 0, area=FOLLOWED_AREA))

    internal = seed_suggestion(live_app, agent, title=INTERNAL_TITLE, area=FOLLOWED_AREA)
    seed_suggestion(live_app, vendor, title=VENDOR_TITLE, area=OTHER_AREA)
    inputs = {"reach": "400", "impact": "2", "confidence": "80", "effort": "1"}
    score_and_accept(live_app, pm, internal, inputs, reason="Cheapest fix for the biggest queue.")

    stakeholder_digest = build_and_store(
        live_app, Audience.STAKEHOLDER, f"user:{stakeholder.id}", start
    )
    build_and_store(live_app, Audience.VENDOR, f"org:{acme.id}", start)

    # The stakeholder: the area they follow; not the vendor's idea in another area.
    browser_login(page, stakeholder.email)
    open_my_digest(page, "Status digest")
    main = page.get_by_role("main")
    expect(main.get_by_text("Sam Stakeholder")).to_be_visible()
    decisions = main.get_by_role("region", name="Decisions")
    expect(decisions.get_by_role("link", name=f"#{internal.id} {INTERNAL_TITLE}")).to_be_visible()
    expect(decisions).to_contain_text("Accepted")
    expect(main).not_to_contain_text(VENDOR_TITLE)
    expect(main).not_to_contain_text("Acme Moderation")
    sign_out(page)

    # The vendor: their organisation's ideas only, and the stakeholder's digest does not exist.
    browser_login(page, vendor.email)
    open_my_digest(page, "Status digest")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Acme Moderation")
    new_ideas = main.get_by_role("region", name="New ideas (1)")
    expect(new_ideas.get_by_role("link", name=VENDOR_TITLE, exact=False)).to_be_visible()
    expect(main).not_to_contain_text(INTERNAL_TITLE)
    expect(main.get_by_role("region", name="Decisions")).to_have_count(0)

    response = page.goto(f"/digests/{stakeholder_digest}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("main")).not_to_contain_text(INTERNAL_TITLE)
    markdown = page.request.get(f"/digests/{stakeholder_digest}.md")
    assert markdown.status == 404

    assert besides_error_answers(console_errors, 404) == []
