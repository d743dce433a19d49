"""Delivery on the pages and in the API: what each role sees of Jira status, progress, stuck
stories and missing issues (missing issues are for PMs only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.helpers.api import DocumentedCalls
from tests.helpers.delivery import (
    BROWSE,
    T0,
    Seeded,
    apply,
    done,
    seed,
    seed_initiative,
    snap,
)
from tests.helpers.pages import text_of
from tracker import db
from tracker.models import Role, Suggestion, User, utcnow
from tracker.services.accounts import tokens, users
from tracker.services.jira_status import delivery
from tracker.services.jira_status.snapshots import StatusHistory


def _headers(app: Flask, user: User) -> dict[str, str]:
    with db.session_scope(app) as session:
        owner = users.get_user(session, user.id or 0)
        _, plaintext = tokens.create_token(session, owner=owner, name="delivery test")
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def delivered_world(app, make_user) -> Callable[..., Any]:
    """An initiative whose suggestion (by `author`) has four stories in Jira: one done, one
    stuck in review for 18 days, one in progress since yesterday (missing in Jira since), and
    one not pushed yet."""

    def build(author: User, **options: Any) -> tuple[int, Seeded]:
        assert author.id is not None
        initiative_id, epic_jira_id = seed_initiative(app, epic=True)
        seeded = seed(
            app, author.id, points=(5, 3, None, 2), pushed=(True, True, True, False),
            initiative_id=initiative_id, status_name="In Progress", **options,
        )  # fmt: skip
        finished, review, moving, _ = seeded.stories
        with db.session_scope(app) as session:
            # Submitted before anything happened in Jira: status times are never earlier.
            suggestion = session.get(Suggestion, seeded.suggestion_id)
            assert suggestion is not None
            suggestion.created_at = T0 - timedelta(days=1)
            session.add(suggestion)
        entered = utcnow() - timedelta(days=18, hours=2)
        reviewed = StatusHistory("71", entered, "Dana Dev", "In Progress", "In Review")
        apply(
            app,
            [
                done(finished, at=T0 + timedelta(hours=4)),
                snap(
                    review, "In Review", assignee="Dana Dev", fix_versions=("2025.3",),
                    sprint="Sprint 12", updated=entered,
                    histories=[reviewed],
                ),
                snap(moving, "In Progress", updated=utcnow() - timedelta(days=1)),
                snap(epic_jira_id, "In Progress"),
            ],
            now=utcnow(),
        )  # fmt: skip
        with db.session_scope(app) as session:
            delivery.mark_missing(session, jira_ids=[moving.jira_id], now=T0 + timedelta(days=2))
        return initiative_id, seeded

    return build


# --- suggestion detail ------------------------------------------------------------------------


def test_pm_sees_each_story_in_jira_and_the_missing_one(app, client, login_as, delivered_world):
    pm = login_as(Role.PM)
    _, seeded = delivered_world(pm)
    finished, review, moving, drafted = seeded.stories
    page = client.get(f"/suggestions/{seeded.suggestion_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Delivery" in text
    assert "1 of 4 stories done in Jira" in text
    assert f'href="{BROWSE}{review.key}"' in page.text
    assert "In Review Dana Dev 2025.3 Sprint 12" in text
    assert f"{moving.key}" in text
    assert "Missing in Jira since 2025-03-05" in text
    assert "Not in Jira yet" in text  # the draft not pushed
    assert f'href="/stories/{drafted.id}"' in page.text
    # The timeline: Jira's changes, newest first, with who made them, each key linked to Jira.
    timeline = page.text.split('<ol class="timeline"')[1].split("</ol>")[0]
    pattern = rf'<a href="{re.escape(BROWSE)}([A-Z]+-\d+)"[^>]*>\1</a>(.*?)</li>'
    steps = [key + text_of(rest) for key, rest in re.findall(pattern, timeline)]
    assert steps == [
        f"{review.key}: In Progress → In Review by Dana Dev",
        f"{finished.key}: In Progress → Done by Dana Dev",
    ]
    assert timeline.count("<li>") == len(steps)  # no entry without its link
    assert "style=" not in page.text


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.VENDOR])
def test_submitters_and_vendors_see_the_status_but_not_that_an_issue_is_missing(
    app, client, make_user, delivered_world, role
):
    author = make_user(Role.SUBMITTER)
    _, seeded = delivered_world(author, shared_with_vendors=True)
    viewer = author if role is Role.SUBMITTER else make_user(Role.VENDOR)
    client.login(viewer.email)
    page = client.get(f"/suggestions/{seeded.suggestion_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "1 of 4 stories done in Jira" in text
    assert seeded.stories[2].key in text
    assert "In Review Dana Dev" in text
    assert "issing" not in text
    # They cannot open story drafts, so the summaries are not links.
    assert "/stories/" not in page.text


def test_an_idea_without_stories_has_no_delivery_panel(app, client, login_as):
    pm = login_as(Role.PM)
    seeded = seed(app, pm.id, points=())
    page = client.get(f"/suggestions/{seeded.suggestion_id}")
    assert page.status_code == 200
    assert 'id="delivery"' not in page.text


def test_a_delivered_idea_says_when(app, client, login_as):
    pm = login_as(Role.PM)
    seeded = seed(app, pm.id, points=(1,), status_name="In Progress")
    apply(app, [done(seeded.stories[0], at=T0 + timedelta(hours=3))])
    text = text_of(client.get(f"/suggestions/{seeded.suggestion_id}").text)
    assert "Delivered" in text
    assert "delivered 2025-03-03 12:00" in text
    assert f"Its story is done in Jira ({seeded.stories[0].key})." in text  # the history entry
    assert "Jira sync" in text


# --- initiatives ------------------------------------------------------------------------------


def test_initiative_shows_progress_stuck_stories_and_missing_issues_to_pms(
    app, client, login_as, delivered_world
):
    pm = login_as(Role.PM)
    initiative_id, seeded = delivered_world(pm)
    _, review, moving, _ = seeded.stories
    page = client.get(f"/initiatives/{initiative_id}")
    assert page.status_code == 200
    assert '<progress id="progress-stories" max="4" value="1">25%</progress>' in page.text
    assert '<progress id="progress-points" max="10" value="5">50%</progress>' in page.text
    text = text_of(page.text)
    assert "1 of 4 stories done (25%)" in text
    assert "5 of 10 points done (50%)" in text
    assert "1 story stuck in one Jira status for longer than 14 days" in text
    assert f"{review.key} Route scam appeals to specialists: part 2: stuck in In Review" in text
    assert "stuck in In Review for 18 days" in text
    assert "Missing in Jira" in text
    assert f"{moving.key} missing since 2025-03-05" in text
    assert "style=" not in page.text
    listed = text_of(client.get("/initiatives").text)
    assert "1 of 4 stories done (25%); 5 of 10 points (50%) 1 stuck" in listed


def test_stakeholders_see_progress_and_stuck_stories_but_not_missing_issues(
    app, client, make_user, delivered_world
):
    initiative_id, _ = delivered_world(make_user(Role.PM))
    client.login(make_user(Role.STAKEHOLDER).email)
    text = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "1 of 4 stories done (25%)" in text
    assert "stuck in In Review for 18 days" in text
    assert "issing" not in text


def test_progress_counts_only_ideas_the_viewer_may_see(app, client, make_user, delivered_world):
    owner = make_user(Role.SUBMITTER)
    initiative_id, _ = delivered_world(owner, confidential=True)
    client.login(make_user(Role.SUBMITTER).email)
    text = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "No stories yet" in text
    assert "In Review" not in text
    assert "not yet in Jira" in text_of(client.get("/initiatives").text)


def test_an_initiative_without_stories_says_so(app, client, login_as):
    login_as(Role.PM)
    initiative_id, _ = seed_initiative(app)
    assert "No stories yet" in text_of(client.get(f"/initiatives/{initiative_id}").text)


# --- stories ----------------------------------------------------------------------------------


def test_story_list_and_detail_show_the_jira_status(app, client, login_as, delivered_world):
    pm = login_as(Role.PM)
    _, seeded = delivered_world(pm)
    finished, review, moving, _ = seeded.stories
    listed = text_of(client.get("/stories").text)
    assert f"{review.key} In Review" in listed
    assert f"{finished.key} Done" in listed
    assert f"{moving.key} In Progress missing in Jira" in listed
    detail = text_of(client.get(f"/stories/{review.id}").text)
    assert "Status In Review since" in detail
    assert "Assignee Dana Dev Fix versions 2025.3 Sprint Sprint 12" in detail
    assert "Missing in Jira" in text_of(client.get(f"/stories/{moving.id}").text)


def test_stakeholders_see_story_status_but_not_missing(app, client, make_user, delivered_world):
    _, seeded = delivered_world(make_user(Role.PM))
    client.login(make_user(Role.STAKEHOLDER).email)
    moving = seeded.stories[2]
    assert f"{moving.key} In Progress" in text_of(client.get("/stories").text)
    detail = text_of(client.get(f"/stories/{moving.id}").text)
    assert "Status In Progress" in detail
    assert "issing" not in detail


# --- API --------------------------------------------------------------------------------------


def test_api_suggestion_carries_its_delivery(app, client, make_user, delivered_world):
    author = make_user(Role.SUBMITTER)
    pm = make_user(Role.PM)
    _, seeded = delivered_world(author)
    finished, review, moving, drafted = seeded.stories
    call = DocumentedCalls(client)
    path = f"/suggestions/{seeded.suggestion_id}"
    body = call("GET", path, _headers(app, pm)).get_json()
    shown = body["delivery"]
    assert (shown["stories_done"], shown["stories_total"]) == (1, 4)
    assert shown["in_jira_at"] is None  # seeded without a push
    assert [story["jira_key"] for story in shown["stories"]] == [
        finished.key, review.key, moving.key, ""
    ]  # fmt: skip
    first = shown["stories"][1]
    assert (first["status"], first["delivery_state"], first["assignee"]) == (
        "In Review", "in_progress", "Dana Dev"
    )  # fmt: skip
    assert (first["fix_versions"], first["sprint"]) == (["2025.3"], "Sprint 12")
    assert first["browse_url"] == BROWSE + review.key
    assert shown["stories"][2]["missing_since"].startswith("2025-03-05")
    assert shown["stories"][3]["delivery_state"] is None
    assert shown["stories"][3]["story_id"] == drafted.id
    # The author sees the same, except that an issue went missing.
    mine = call("GET", path, _headers(app, author)).get_json()["delivery"]
    assert [story["missing_since"] for story in mine["stories"]] == [None] * 4
    assert mine["stories"][1]["status"] == "In Review"
    # Lists answer without it.
    listed = call("GET", "/suggestions/mine", _headers(app, author)).get_json()
    assert listed[0]["delivery"] is None


def test_api_initiatives_carry_progress_stuck_and_missing_for_pms(
    app, client, make_user, delivered_world
):
    pm = make_user(Role.PM)
    initiative_id, seeded = delivered_world(pm)
    call = DocumentedCalls(client)
    detail = call("GET", f"/initiatives/{initiative_id}", _headers(app, pm)).get_json()
    shown = detail["delivery"]
    assert (shown["stories_done"], shown["stories_total"], shown["percent_by_stories"]) == (
        1, 4, 25
    )  # fmt: skip
    assert (shown["points_done"], shown["points_total"], shown["percent_by_points"]) == (5, 10, 50)
    (stuck,) = shown["stuck"]
    assert (stuck["jira_key"], stuck["status"], stuck["days"]) == (
        seeded.stories[1].key, "In Review", 18
    )  # fmt: skip
    assert [missing["jira_key"] for missing in shown["missing"]] == [seeded.stories[2].key]
    listed = call("GET", "/initiatives", _headers(app, pm)).get_json()
    assert listed[0]["delivery"]["percent_by_stories"] == 25
    stakeholder = _headers(app, make_user(Role.STAKEHOLDER))
    theirs = call("GET", f"/initiatives/{initiative_id}", stakeholder).get_json()["delivery"]
    assert (theirs["missing"], len(theirs["stuck"])) == ([], 1)
