"""With no Jira configured a PM is never offered Push, and a push left over from before reads
the same everywhere: "Stopped" with its reason on the push page and in Recent pushes, and its
story "Not pushed" with that reason on the story page and in the story list, never "Queued",
"Done" or a green "Pushing" message."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.helpers.journeys import (
    browser_login,
    score_and_accept,
    seed_story_draft,
    seed_suggestion,
)
from tracker import db
from tracker.models import PushJob, Role, User
from tracker.services.stories import drafts, initiatives, push_execution, push_queue

pytestmark = pytest.mark.browser

REASON = "Jira is not configured: set jira.base_url and the Jira credentials."
RICE = {"reach": "400", "impact": "2", "confidence": "80", "effort": "1"}


def ready_story(app: Flask, agent: User, pm: User, title: str) -> int:
    # With its evidence: a story drafted from an idea with none is flagged as boilerplate.
    evidence = {"queue": "Spam appeals", "weekly_volume": "1200", "handle_time_minutes": "6"}
    suggestion = seed_suggestion(app, agent, title=title, minutes_saved_per_ticket="4", **evidence)
    score_and_accept(app, pm, suggestion, RICE)
    draft = seed_story_draft(app, pm, suggestion)
    assert draft.id is not None
    with db.session_scope(app) as session:
        drafts.mark_ready(
            session, actor=pm, draft_id=draft.id, settings=app.config["SETTINGS"].stories
        )
    return draft.id


def stopped_push(app: Flask, pm: User, draft_id: int) -> int:
    """A push queued before pushes were refused without Jira, stopped by the worker."""
    with db.session_scope(app) as session:
        job = push_queue.request_push(session, actor=pm, story_ids=[draft_id], site_id="main")
        assert job.id is not None
        push_execution.finish_job(session, job=job, error=REASON)
        return job.id


def test_without_jira_nothing_offers_push_and_every_page_agrees(
    page: Page,
    console_errors: list[str],
    live_app: Flask,
    make_browser_user: Callable[..., User],
) -> None:
    agent = make_browser_user(Role.SUBMITTER)
    pm = make_browser_user(Role.PM, display_name="Pat PM")
    fresh = ready_story(live_app, agent, pm, "Auto-close spam tickets from known bots")
    old = ready_story(live_app, agent, pm, "Route scam appeals to the specialists")
    job_id = stopped_push(live_app, pm, old)
    with db.session_scope(live_app) as session:
        made = initiatives.create_initiative(
            session,
            actor=pm,
            data=initiatives.InitiativeInput(
                name="Less spam", goal="", owner_id=pm.id, target_date=None
            ),
        )
        initiative_id = made.id
    browser_login(page, pm.email)
    main = page.get_by_role("main")

    # The story list: no ticking, no Push button, and why.
    page.goto("/stories")
    expect(main.get_by_role("button", name="Push to Jira")).to_have_count(0)
    expect(main.get_by_role("checkbox")).to_have_count(0)
    expect(main).to_contain_text("Pushing to Jira needs Jira")
    old_row = main.get_by_role("row").filter(has_text="Route scam appeals")
    expect(old_row).to_contain_text(f"Not pushed: {REASON}")
    expect(old_row).not_to_contain_text("Queued")

    # A ready story never pushed: no Push, plainly not in Jira.
    main.get_by_role("link", name="Auto-close spam tickets from known bots").click()
    expect(page).to_have_url(re.compile(rf"/stories/{fresh}$"))
    jira = page.get_by_role("region", name="Jira")
    expect(jira).to_contain_text("Not in Jira yet.")
    expect(jira.get_by_role("button")).to_have_count(0)
    expect(jira).to_contain_text("Pushing needs Jira")

    # The story of the old push says what its push page says.
    page.goto(f"/stories/{old}")
    expect(jira).to_contain_text(f"Not pushed: {REASON}")
    expect(jira.get_by_role("button")).to_have_count(0)
    jira.get_by_role("link", name=f"push #{job_id}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Push #{job_id} to Jira")
    expect(main).to_contain_text(f"Stopped: {REASON}")
    expect(main).not_to_contain_text("Finished")
    row = main.get_by_role("row").filter(has_text="Route scam appeals")
    expect(row).to_contain_text("Not pushed")
    expect(page.locator(".flash-success")).to_have_count(0)

    # Recent pushes: stopped, not done.
    main.get_by_role("link", name="Recent pushes").click()
    listed = main.get_by_role("row").filter(has_text=f"#{job_id}")
    expect(listed).to_contain_text(f"Stopped: {REASON}")
    expect(listed).not_to_contain_text("Done")

    # The initiative page offers no push either.
    page.goto(f"/initiatives/{initiative_id}")
    expect(main.get_by_role("button", name="Push initiative to Jira")).to_have_count(0)
    with db.session_scope(live_app) as session:
        assert [job.id for job in session.exec(select(PushJob))] == [job_id], "nothing queued"
    assert console_errors == []
