"""A PM triages a new idea, scores it, accepts it, drafts a story, fixes what the checks find,
marks it ready and previews it as Jira will show it; the accepted idea is on the matrix."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.journeys import besides_error_answers, browser_login, seed_suggestion
from tracker.models import Role, User

pytestmark = pytest.mark.browser

TITLE = "Auto-close spam tickets from known bots"


def test_pm_triages_accepts_and_drafts_a_ready_story(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    assert live_app.config["SETTINGS"].scoring.framework == "rice"  # the form filled below
    agent = make_browser_user(Role.SUBMITTER, display_name="Ines Internal")
    suggestion = seed_suggestion(
        live_app,
        agent,
        title=TITLE,
        problem="Known spam bots open hundreds of tickets a day that agents close by hand.",
        proposed_change="close tickets from known spam bots without an agent",
        queue="Spam (EN)",
        weekly_volume="500",
        handle_time_minutes="4",
        minutes_saved_per_ticket="3",
    )
    pm = make_browser_user(Role.PM, display_name="Pat PM")
    browser_login(page, pm.email)

    # Triage: from the backlog to the idea, then under review.
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Backlog", exact=True).click()
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".facts")).to_contain_text("25")  # 500 tickets x 3 min / 60 hours
    decide = page.get_by_role("complementary").locator(".pm-panel")
    expect(decide.get_by_role("heading", name="Decide")).to_be_visible()
    decide.get_by_label("New status", exact=True).select_option(label="Under review")
    decide.get_by_role("button", name="Change status", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"#{suggestion.id} is now under review.")
    expect(page.locator(".tags .status")).to_have_text("Under review")

    # Score with the configured framework (RICE) and see how the number was reached.
    expect(decide.get_by_role("heading", name="Score (RICE)")).to_be_visible()
    decide.get_by_label("Reach", exact=True).fill("400")
    decide.get_by_label("Impact", exact=True).select_option(label="2 - high")
    decide.get_by_label("Confidence", exact=True).select_option(label="80% - medium")
    decide.get_by_label("Effort", exact=True).fill("1")
    decide.get_by_role("button", name="Save score", exact=True).click()
    formula = "RICE = 400 x 2 x 80% / 1 = 640"
    expect(page.get_by_role("status")).to_contain_text(f"Scored: {formula}.")
    score_heading = page.get_by_role("heading", name="Score", exact=True)
    expect(score_heading.locator("xpath=following-sibling::p[1]")).to_have_text(formula)
    expect(decide.get_by_label("Reach", exact=True)).to_have_value("400")

    # Accept, with the reason the submitter will read.
    decide.get_by_label("New status", exact=True).select_option(label="Accepted")
    reason = "Spam bots cost us 25 agent hours a week; this is the cheapest fix."
    decide.get_by_label("Reason", exact=True).fill(reason)
    decide.get_by_role("button", name="Change status", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"#{suggestion.id} is now accepted.")
    expect(page.locator(".decision")).to_contain_text(f"Why accepted: {reason}")
    history = page.locator("table.history tbody").get_by_role("row")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("Submitted")
    expect(history.nth(0)).to_contain_text("Ines Internal")
    expect(history.nth(1).get_by_role("cell").nth(2)).to_have_text("New → Under review")
    expect(history.nth(2).get_by_role("cell").nth(1)).to_have_text("Pat PM")
    expect(history.nth(2).get_by_role("cell").nth(2)).to_have_text("Under review → Accepted")
    expect(history.nth(2)).to_contain_text(reason)
    expect(history.nth(2)).to_contain_text(f"Score at the decision: {formula}")

    # The accepted idea is on the impact-effort matrix, as a link to its page.
    main_nav.get_by_role("link", name="Matrix", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Impact-effort matrix")
    expect(page.get_by_role("img", name="Impact-effort matrix of 1 ideas")).to_be_visible()
    dot = page.locator("svg.matrix").get_by_role("link", name=re.compile(re.escape(TITLE)))
    expect(dot).to_have_count(1)
    expect(page.locator("table.matrix-table").get_by_role("row").nth(1)).to_contain_text("Accepted")
    page.locator("table.matrix-table").get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    # Draft the story from the accepted idea.
    main_nav.get_by_role("link", name="Stories", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Story drafts")
    page.get_by_label("Accepted suggestion", exact=True).select_option(
        label=f"#{suggestion.id} {TITLE}"
    )
    page.get_by_role("button", name="Generate draft", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit story draft")
    expect(page.get_by_role("status")).to_contain_text(
        f"Draft generated from suggestion #{suggestion.id}"
    )
    expect(page.get_by_label("Summary", exact=True)).to_have_value(TITLE)
    expect(page.get_by_label("Given, criterion 1")).to_have_value("a ticket in the Spam (EN) queue")

    # Break it: no benefit. Saving is allowed, marking ready is not.
    page.get_by_label("So that", exact=True).fill("")
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    checks = page.get_by_role("region", name="Checks before ready")
    expect(checks).to_contain_text("Benefit: Say why it matters (so that ...).")
    checks.get_by_role("button", name="Mark ready", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Edit story draft")
    expect(page.get_by_role("alert")).to_have_text("Not ready yet: 1 problem(s) to fix first.")
    benefit = page.get_by_label("So that", exact=True)
    expect(benefit).to_have_accessible_description("Say why it matters (so that ...).")
    expect(benefit).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".state").first).to_have_text("Draft")

    # Fix it and mark it ready.
    benefit.fill("agents close 500 fewer bot spam tickets a week by hand")
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(checks).to_contain_text("All checks pass.")
    checks.get_by_role("button", name="Mark ready", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Marked ready for Jira.")
    expect(page.locator(".state").first).to_have_text("Ready")
    expect(checks.get_by_role("button", name="Mark ready")).to_have_count(0)

    # Preview: the same description for Jira Cloud (rendered) and Data Center (wiki markup).
    page.get_by_role("link", name="Preview in Jira", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview in Jira")
    cloud = page.get_by_role("region", name="Jira Cloud")
    expect(cloud).to_contain_text(
        "As a support agent, I want to close tickets from known spam bots without an agent, "
        "so that agents close 500 fewer bot spam tickets a week by hand."
    )
    expect(cloud.get_by_role("heading", name="Acceptance criteria")).to_be_visible()
    expect(cloud.get_by_role("listitem").first).to_have_text(
        "Given a ticket in the Spam (EN) queue When an agent handles it after the change is live "
        "Then the agent finishes it without the manual step"
    )
    wiki = page.get_by_role("region", name="Jira Data Center").locator("pre")
    expect(wiki).to_contain_text("h3. Acceptance criteria")
    expect(wiki).to_contain_text(
        "# *Given* a ticket in the Spam (EN) queue *When* an agent handles it after the change "
        "is live *Then* the agent finishes it without the manual step"
    )
    expect(wiki).to_contain_text(f"/suggestions/{suggestion.id}]")
    # The only error answer on the way is the refused "Mark ready" (422).
    assert besides_error_answers(console_errors, 422) == []
