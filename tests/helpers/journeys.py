"""What a person does in the browser, step by step, and the data earlier users would have left
there, seeded through the services (the digest rendering tests seed theirs the same way)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Page, expect

from tests.helpers.accounts import PASSWORD
from tracker import db
from tracker.models import StoryDraft, Suggestion, User
from tracker.services.stories import drafts
from tracker.services.suggestions import decisions, submissions

# An iPhone-sized screen that honours the page's viewport meta tag, as a real phone does.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def browser_login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form like a person would, and wait for the home page."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def sideways_scroll(page: Page) -> tuple[int, int]:
    """The page's scroll width and the viewport's client width; the first exceeding the second
    means the page scrolls sideways."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return int(widths[0]), int(widths[1])


# --- data seeded through the services on the live app, as earlier users would have left it -----


def seed_suggestion(app: Flask, submitter: User, **fields: Any) -> Suggestion:
    """A suggestion submitted by `submitter`; `fields` override the form values typed."""
    raw: dict[str, Any] = {
        "title": "Prefill the appeal reason in spam appeals",
        "problem": "Agents retype the appeal reason from the user's message on every ticket.",
        "proposed_change": "Copy the reason the user gave into the ticket's reason field.",
        "area": "Content spam",
        **fields,
    }
    areas = list(app.config["SETTINGS"].suggestions.areas)
    with db.session_scope(app) as session:
        return submissions.create_suggestion(session, actor=submitter, raw=raw, areas=areas)


def share_with_vendors(app: Flask, pm: User, suggestion: Suggestion) -> None:
    assert suggestion.id is not None
    with db.session_scope(app) as session:
        submissions.set_sharing(
            session,
            actor=pm,
            suggestion_id=suggestion.id,
            confidential=False,
            shared_with_vendors=True,
        )


def score_and_accept(
    app: Flask, pm: User, suggestion: Suggestion, inputs: dict[str, Any], reason: str = ""
) -> None:
    """Score with the configured framework, then accept (accepting needs a score)."""
    assert suggestion.id is not None
    framework = app.config["SETTINGS"].scoring.framework
    with db.session_scope(app) as session:
        decisions.score(
            session, actor=pm, suggestion_id=suggestion.id, framework=framework, inputs=inputs
        )
        decisions.change_status(
            session, actor=pm, suggestion_id=suggestion.id, to="accepted", reason=reason
        )


def seed_story_draft(app: Flask, pm: User, suggestion: Suggestion) -> StoryDraft:
    """The story draft a PM generates from an accepted suggestion."""
    assert suggestion.id is not None
    with db.session_scope(app) as session:
        return drafts.generate_draft(
            session,
            actor=pm,
            suggestion_id=suggestion.id,
            settings=app.config["SETTINGS"].stories,
        )


def besides_error_answers(console_errors: list[str], *statuses: int) -> list[str]:
    """The console errors other than Chromium's own note of a page answered with one of these
    HTTP statuses (it logs "Failed to load resource" even for a page it then shows)."""
    notes = tuple(f"the server responded with a status of {status} " for status in statuses)
    return [error for error in console_errors if not any(note in error for note in notes)]
