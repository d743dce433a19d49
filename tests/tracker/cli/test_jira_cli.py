"""`tracker jira check` and `tracker jira push` against the fake Jira: what an operator reads,
and the exit status scripts rely on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fakejira import FakeJira
from tests.helpers.jira import WRONG_TOKEN, jira_config, jobs
from tests.helpers.stories import ready_draft
from tracker import db
from tracker.models import Role, StoryDraft
from tracker.services.ports import CheckResult


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    return make_app(database_url, jira=jira_config(fake))


def invoke(app: Flask, *args: str, expect: int) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == expect, result.output
    return result


# --- check --------------------------------------------------------------------------------------


def test_check_prints_every_check_ok(app, fake):
    result = invoke(app, "jira", "check", expect=0)

    lines = result.output.splitlines()
    assert lines[0] == f"OK    Configuration: The tracker uses project OPS at {fake.url}."
    assert any(line.startswith("OK    Credentials: Jira accepts the account") for line in lines)
    assert not any(line.startswith("FAIL") for line in lines)
    assert lines[-1] == "Jira is ready for pushes."
    assert fake.api_token not in result.output


def test_check_with_a_wrong_token_fails_with_the_sentence(make_app, database_url, fake):
    app = make_app(database_url, jira=jira_config(fake, api_token=WRONG_TOKEN))

    result = invoke(app, "jira", "check", expect=1)

    assert (
        "FAIL  Credentials: Jira refused the credentials: check jira.email and jira.api_token."
        in result.output
    )
    assert "1 problem to fix before pushing." in result.output
    assert WRONG_TOKEN not in result.output


def test_check_unconfigured_names_the_keys(make_app, database_url):
    result = invoke(make_app(database_url), "jira", "check", expect=1)

    assert result.output.startswith(
        "FAIL  Configuration: Jira is not configured: set jira.base_url"
    )


# --- push ---------------------------------------------------------------------------------------


def test_push_needs_one_choice_of_what(app, make_user):
    pm = make_user(Role.PM)

    result = invoke(app, "jira", "push", "--as", pm.email, expect=2)

    assert "one of --story ID (repeatable), --initiative ID or --all-ready" in result.output
    assert invoke(app, "jira", "push", "--story", "1", expect=2).output.count("--as") >= 1


def test_push_refuses_a_draft_that_is_not_ready(app, make_user):
    pm = make_user(Role.PM)
    unready = ready_draft(app, pm, "Draft still being written", ready=False)

    result = invoke(app, "jira", "push", "--as", pm.email, "--story", str(unready), expect=1)

    assert f"Only ready drafts can be pushed; not ready: #{unready}." in result.output
    assert jobs(app) == []


def test_push_as_a_stakeholder_is_refused(app, make_user):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    stakeholder = make_user(Role.STAKEHOLDER)

    result = invoke(
        app, "jira", "push", "--as", stakeholder.email, "--story", str(draft_id), expect=1
    )

    assert "Only PMs push stories to Jira." in result.output
    assert jobs(app) == []


def test_push_as_an_unknown_person_is_refused(app):
    result = invoke(app, "jira", "push", "--as", "nobody@example.com", "--all-ready", expect=1)

    assert "Error:" in result.output
    assert jobs(app) == []


def test_all_ready_with_nothing_ready_says_so(app, make_user):
    pm = make_user(Role.PM)
    ready_draft(app, pm, "Draft still being written", ready=False)

    result = invoke(app, "jira", "push", "--as", pm.email, "--all-ready", expect=1)

    assert "No story draft is ready; mark drafts ready first." in result.output


def test_push_all_ready_creates_the_issues_and_prints_their_keys(app, make_user, fake):
    pm = make_user(Role.PM)
    first = ready_draft(app, pm, "Route scam appeals to the specialists")
    second = ready_draft(app, pm, "Auto-close duplicate refund tickets")
    ready_draft(app, pm, "Draft still being written", ready=False)

    result = invoke(app, "jira", "push", "--as", pm.email, "--all-ready", expect=0)

    keys = sorted(issue.key for issue in fake.issues())
    assert len(keys) == 2
    assert re.search(r"Push #\d+: 2 items queued\.", result.output)
    for key, draft_id in zip(keys, (first, second), strict=True):
        assert re.search(rf"{key}\s+story #{draft_id} '", result.output), result.output
    assert "2 pushed, 0 failed, 0 still waiting." in result.output

    again = invoke(app, "jira", "push", "--as", pm.email, "--all-ready", expect=0)
    assert again.output == "All 2 ready stories are in Jira already; nothing to push.\n"
    assert len(fake.issues()) == 2, "pushed drafts are not pushed twice"


def test_push_reports_jiras_reason_and_exits_1(app, make_user, fake):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    with db.session_scope(app) as session:
        draft = session.get(StoryDraft, draft_id)
        assert draft is not None
        draft.priority = "Showstopper"  # unmapped names go to Jira as they are; it has no such
        session.add(draft)

    result = invoke(app, "jira", "push", "--as", pm.email, "--story", str(draft_id), expect=1)

    assert re.search(rf"FAILED\s+story #{draft_id} '[^']+': .*Showstopper", result.output)
    assert "0 pushed, 1 failed, 0 still waiting." in result.output
    assert fake.issues() == []
    # The fake counts each refused request as a contract breach; this one was the point.
    assert [v for v in fake.take_violations() if "Showstopper" not in v] == []


# --- check --refresh, details, and words ---------------------------------------------------------


def test_check_refresh_asks_jira_again_and_prints_each_failures_detail(app, monkeypatch):
    asked: list[bool] = []

    def check_site(flask_app, *, refresh=False):
        asked.append(refresh)
        return [
            CheckResult("Configuration", True, "The tracker uses project OPS."),
            CheckResult(
                "Search",
                False,
                "Jira refused the label search; the sync cannot find pushed issues.",
                detail="POST /rest/api/2/search answered 405: Method Not Allowed",
            ),
        ]

    monkeypatch.setattr("tracker.cli.jira.check_site", check_site)

    result = invoke(app, "jira", "check", "--refresh", expect=1)

    assert asked == [True]
    assert result.output.splitlines() == [
        "OK    Configuration: The tracker uses project OPS.",
        "FAIL  Search: Jira refused the label search; the sync cannot find pushed issues.",
        "      detail: POST /rest/api/2/search answered 405: Method Not Allowed",
        "1 problem to fix before pushing.",
    ]
    invoke(app, "jira", "check", expect=1)
    assert asked == [True, False]


def test_all_ready_when_one_ready_story_is_in_jira_says_so_and_exits_0(app, make_user, fake):
    pm = make_user(Role.PM)
    ready_draft(app, pm, "Route scam appeals to the specialists")
    invoke(app, "jira", "push", "--as", pm.email, "--all-ready", expect=0)

    again = invoke(app, "jira", "push", "--as", pm.email, "--all-ready", expect=0)

    assert again.output == "The one ready story is in Jira already; nothing to push.\n"
    assert len(jobs(app)) == 1
