"""A vendor submits ideas: the live similar-ideas panel, voting instead, "My ideas", field errors,
and the submit and detail pages on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.journeys import (
    PHONE,
    besides_error_answers,
    browser_login,
    seed_suggestion,
    share_with_vendors,
    sideways_scroll,
)
from tracker.models import Role, User

pytestmark = pytest.mark.browser

EXISTING_TITLE = "Automatically close tickets created by known spam bots"


def test_vendor_votes_for_a_similar_idea_then_submits_a_new_one(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    # An internal agent's idea, shared with vendors so this vendor can find it.
    agent = make_browser_user(Role.SUBMITTER, display_name="Ines Internal")
    pm = make_browser_user(Role.PM)
    existing = seed_suggestion(
        live_app,
        agent,
        title=EXISTING_TITLE,
        problem="Known spam bots open hundreds of tickets a day that agents close by hand.",
    )
    share_with_vendors(live_app, pm, existing)
    vendor = make_browser_user(Role.VENDOR, display_name="Vera Vendor")
    browser_login(page, vendor.email)

    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Submit idea", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit an idea")
    page.get_by_label("Title", exact=True).fill("Auto-close spam tickets from known bots")
    page.get_by_label("Problem today", exact=True).fill(
        "Bots we already know open spam tickets, and agents close each one by hand."
    )

    # similar.js fetches the panel after a pause in typing.
    panel = page.locator("#similar")
    expect(panel.get_by_role("heading", name="Similar ideas")).to_be_visible()
    match = panel.get_by_role("listitem").filter(has_text=EXISTING_TITLE)
    expect(match.get_by_role("link", name=f"#{existing.id} {EXISTING_TITLE}")).to_be_visible()
    expect(match).to_contain_text(re.compile(r"\b\d{1,3}% similar"))
    expect(match).to_contain_text("0 votes")

    match.get_by_role("button", name=f"Vote for this instead (#{existing.id})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EXISTING_TITLE)
    expect(page.get_by_role("status")).to_contain_text(f"Your vote counts on #{existing.id}.")
    expect(page.get_by_role("heading", name="1 vote", exact=True)).to_be_visible()
    expect(page.locator(".votes")).to_contain_text("Vera Vendor")
    expect(page.get_by_role("button", name="Withdraw my vote")).to_be_visible()

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit an idea")
    new_title = "Show the user's appeal reason in the queue view"
    page.get_by_label("Title", exact=True).fill(new_title)
    page.get_by_label("Problem today", exact=True).fill(
        "Agents open every appeal to read why the user thinks we got it wrong."
    )
    page.get_by_label("Proposed change", exact=True).fill(
        "Show the first line of the appeal reason as a column in the queue."
    )
    page.get_by_label("Area", exact=True).select_option(label="Content spam")
    page.get_by_label("Weekly ticket volume", exact=True).fill("1200")
    page.get_by_role("button", name="Submit idea", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(new_title)
    expect(page.get_by_role("status")).to_contain_text("Thank you. Your idea is #")
    main_nav.get_by_role("link", name="My ideas", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My suggestions")
    rows = page.get_by_role("row").filter(has=page.get_by_role("cell"))
    expect(rows).to_have_count(1)  # the idea voted for is someone else's
    expect(rows.get_by_role("link")).to_have_text(re.compile(rf"#\d+ {re.escape(new_title)}"))
    expect(rows.get_by_role("cell").nth(1)).to_have_text("New")
    assert console_errors == []


def test_too_long_title_is_shown_beside_the_field_and_the_draft_is_kept(
    page: Page, console_errors: list[str], make_browser_user: Callable[..., User]
) -> None:
    vendor = make_browser_user(Role.VENDOR)
    browser_login(page, vendor.email)
    page.goto("/suggestions/new")

    title = page.get_by_label("Title", exact=True)
    too_long = "Close spam " + "x" * 190  # 201 characters
    title.fill(too_long)
    # The browser itself stops typing at the limit ...
    expect(title).to_have_value(too_long[:200])
    # ... so play an older browser or a pasted-in form that does not honour maxlength.
    title.evaluate("input => input.removeAttribute('maxlength')")
    title.fill(too_long)
    problem = "Spam tickets pile up overnight."
    page.get_by_label("Problem today", exact=True).fill(problem)
    page.get_by_label("Proposed change", exact=True).fill("Close them automatically.")
    page.get_by_label("Area", exact=True).select_option(label="Content spam")
    page.get_by_role("button", name="Submit idea", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("Some fields need attention")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_accessible_description("Title must be at most 200 characters.")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_value(too_long)
    expect(page.get_by_label("Problem today", exact=True)).to_have_value(problem)
    expect(page.get_by_label("Area", exact=True)).to_have_value("Content spam")
    page.goto("/suggestions/mine")
    expect(page.get_by_text("You have not submitted any ideas yet.")).to_be_visible()
    assert besides_error_answers(console_errors, 422) == []


@pytest.mark.parametrize("browser_context_args", [PHONE], ids=["phone"])
def test_submit_page_fits_a_phone(
    page: Page, browser_context_args: dict[str, Any], make_browser_user: Callable[..., User]
) -> None:
    vendor = make_browser_user(Role.VENDOR)
    browser_login(page, vendor.email)
    page.goto("/suggestions/new")
    expect(page.get_by_role("button", name="Submit idea", exact=True)).to_be_visible()
    scroll_width, client_width = sideways_scroll(page)
    assert client_width == PHONE["viewport"]["width"]
    assert scroll_width <= client_width, "the submit page scrolls sideways"


@pytest.mark.parametrize("browser_context_args", [PHONE], ids=["phone"])
@pytest.mark.parametrize("role", [Role.VENDOR, Role.PM])
def test_suggestion_page_fits_a_phone(
    page: Page,
    browser_context_args: dict[str, Any],
    role: Role,
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    vendor = make_browser_user(Role.VENDOR)
    suggestion = seed_suggestion(
        live_app,
        vendor,
        queue="Spam appeals (EN)",
        weekly_volume="2400",
        handle_time_minutes="6",
        minutes_saved_per_ticket="4.5",
        evidence_links=(
            "https://dashboards.example.com/queues/spam-appeals-en/weekly-volume-by-reason"
            "?from=2024-01-01&to=2024-03-31&group=reason\nOPS-1234"
        ),
    )
    viewer = vendor if role is Role.VENDOR else make_browser_user(role)
    browser_login(page, viewer.email)
    page.goto(f"/suggestions/{suggestion.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(suggestion.title)
    if role is Role.PM:
        # The PM panel is the widest part of the page.
        expect(page.get_by_role("heading", name="Decide")).to_be_visible()
    scroll_width, client_width = sideways_scroll(page)
    assert client_width == PHONE["viewport"]["width"]
    assert scroll_width <= client_width, f"the suggestion page scrolls sideways for a {role}"
