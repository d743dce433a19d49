"""A stakeholder reads ideas, the backlog and story previews, and can change none of them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.journeys import (
    besides_error_answers,
    browser_login,
    score_and_accept,
    seed_story_draft,
    seed_suggestion,
)
from tracker.models import Role, User

pytestmark = pytest.mark.browser

TITLE = "Auto-close spam tickets from known bots"
# Every control of the detail page that changes something, for PMs and contributors.
CHANGING_BUTTONS = (
    "Me too: vote",
    "Post comment",
    "Follow",
    "Change status",
    "Save score",
    "Merge",
    "Save sharing",
)


def test_stakeholder_reads_everything_and_changes_nothing(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    agent = make_browser_user(Role.SUBMITTER)
    pm = make_browser_user(Role.PM)
    suggestion = seed_suggestion(
        live_app,
        agent,
        title=TITLE,
        proposed_change="close tickets from known spam bots without an agent",
        weekly_volume="500",
        minutes_saved_per_ticket="3",
    )
    score_and_accept(
        live_app,
        pm,
        suggestion,
        {"reach": "400", "impact": "2", "confidence": "80", "effort": "1"},
        reason="Cheapest fix for the biggest queue.",
    )
    draft = seed_story_draft(live_app, pm, suggestion)
    stakeholder = make_browser_user(Role.STAKEHOLDER, display_name="Sam Stakeholder")
    browser_login(page, stakeholder.email)
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Submit idea")).to_have_count(0)

    # The backlog, and the idea from it: readable, with no form to change anything.
    main_nav.get_by_role("link", name="Backlog", exact=True).click()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("640")
    row.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="0 votes", exact=True)).to_be_visible()
    expect(page.locator(".decision")).to_contain_text("Cheapest fix for the biggest queue.")
    main = page.get_by_role("main")
    for name in CHANGING_BUTTONS:
        expect(main.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(main.get_by_role("heading", name="Decide")).to_have_count(0)
    expect(main.get_by_role("link", name="Edit this idea")).to_have_count(0)
    expect(main.locator("form")).to_have_count(0)

    # Story drafts and their Jira preview are readable too, without edit links.
    main_nav.get_by_role("link", name="Stories", exact=True).click()
    expect(page.get_by_role("heading", name="Generate from accepted suggestion")).to_have_count(0)
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("button", name="Mark ready")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete draft")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Preview in Jira", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview in Jira")
    expect(page.get_by_role("region", name="Jira Cloud")).to_contain_text(
        "As a support agent, I want to close tickets from known spam bots without an agent"
    )
    expect(page.get_by_role("region", name="Jira Data Center").locator("pre")).to_contain_text(
        "*Given*"
    )

    # Typing the edit addresses by hand gets the refusal page, not a form.
    for address in (f"/suggestions/{suggestion.id}/edit", f"/stories/{draft.id}/edit"):
        response = page.goto(address)
        assert response is not None
        assert response.status == 403, address
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
        expect(page.get_by_role("main").locator("form")).to_have_count(0)
    assert besides_error_answers(console_errors, 403) == []
