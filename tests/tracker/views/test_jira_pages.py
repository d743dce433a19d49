"""Jira in the web UI: the admin's connection check against the fake Jira, pushing ready drafts
and watching the push, the story and initiative pages' Jira parts, and who may do what."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlmodel import select

from tests.fakejira import FakeJira
from tests.helpers.client import TrackerClient
from tests.helpers.jira import WRONG_TOKEN, jira_config, jobs, run_worker
from tests.helpers.pages import text_of
from tests.helpers.stories import initiative_with, ready_draft
from tracker import db
from tracker.models import JiraLink, Role, User
from tracker.services.accounts import users
from tracker.services.stories import drafts, push_queue


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    """The conftest fixtures (client, login_as, make_user) then work against the fake Jira."""
    return make_app(database_url, jira=jira_config(fake))


def client_for(app: Flask, user: User) -> TrackerClient:
    """A signed-in client for another app built on the same database."""
    app.test_client_class = TrackerClient
    other = app.test_client()
    assert isinstance(other, TrackerClient)
    assert other.login(user.email).status_code == 302
    return other


# --- the connection check -------------------------------------------------------------------------


def test_admin_tests_a_healthy_connection_and_every_check_is_ok(client, login_as, fake):
    login_as(Role.ADMIN)

    page = client.get("/jira/check")
    assert page.status_code == 200
    assert "Test Jira connection" in page.text
    assert fake.url in page.text
    assert "Set (never shown)" in page.text

    result = client.submit("/jira/check")

    assert result.status_code == 200
    text = text_of(result.text)
    assert "Every check passed" in text
    for name in ("Configuration", "Connection", "Credentials", "Project", "Create screen"):
        assert f"OK {name}:" in text
    assert "Problem" not in text
    assert "Project OPS" in text
    assert fake.api_token not in result.text
    assert fake.api_token not in page.text


def test_wrong_token_names_the_settings_to_fix_and_never_shows_the_token(
    make_app, database_url, make_user, fake
):
    admin = make_user(Role.ADMIN)
    wrong = make_app(database_url, jira=jira_config(fake, api_token=WRONG_TOKEN))
    browser = client_for(wrong, admin)

    result = browser.submit("/jira/check")

    assert result.status_code == 200
    text = text_of(result.text)
    assert "1 problem found" in text
    assert "Problem Credentials: Jira refused the credentials: check jira.email and " in text
    assert WRONG_TOKEN not in result.text
    assert WRONG_TOKEN not in browser.get("/jira/check").text


def test_unconfigured_jira_says_which_keys_to_set(make_app, database_url, make_user):
    admin = make_user(Role.ADMIN)
    browser = client_for(make_app(database_url), admin)

    page = text_of(browser.get("/jira/check").text)
    assert "Jira is not configured." in page
    for key in ("jira.base_url", "jira.project_key", "jira.api_token", "TRACKER_JIRA__API_TOKEN"):
        assert key in page

    result = text_of(browser.submit("/jira/check").text)
    assert "Problem Configuration: Jira is not configured: set jira.base_url" in result


def test_only_admins_see_the_jira_link_and_check_page(client, login_as):
    login_as(Role.PM)
    assert 'href="/jira/check"' not in client.get("/").text
    assert client.get("/jira/check").status_code == 403
    assert client.submit("/jira/check").status_code == 403


# --- pushing ------------------------------------------------------------------------------------


def test_pm_pushes_ticked_ready_drafts_and_sees_them_queued(app, client, login_as):
    pm = login_as(Role.PM)
    first = ready_draft(app, pm, "Route scam appeals to the specialists")
    second = ready_draft(app, pm, "Auto-close duplicate refund tickets")
    unready = ready_draft(app, pm, "Draft still being written", ready=False)

    listing = client.get("/stories").text
    assert f'name="story_ids" value="{first}"' in listing
    assert f'name="story_ids" value="{second}"' in listing
    assert f'name="story_ids" value="{unready}"' not in listing, "only ready drafts can be ticked"

    response = client.submit("/jira/push", {"story_ids": [str(first), str(second)]})

    assert response.status_code == 302
    [job] = jobs(app)
    assert response.headers["Location"].endswith(f"/jira/pushes/{job.id}")
    assert job.total == 2
    assert job.state == "queued", "tests run the worker themselves; nothing started it"
    page = client.get(response.headers["Location"])
    text = text_of(page.text)
    assert "Pushing 2 stories to Jira." in text
    assert "0 of 2 done" in text
    assert "Waiting for the worker." in text
    assert "Route scam appeals to the specialists" in text
    assert "Auto-close duplicate refund tickets" in text
    assert '<meta http-equiv="refresh" content="3">' in page.text, "reloads itself without JS"
    assert "js/progress.js" in page.text
    assert f'href="/stories/{first}"' in page.text
    assert f"#{job.id}" in client.get("/jira/pushes").text


def test_after_the_worker_ran_the_page_shows_the_jira_keys(app, client, login_as, fake):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    location = client.submit("/jira/push", {"story_ids": [str(draft_id)]}).headers["Location"]

    run_worker(app)

    page = client.get(location)
    text = text_of(page.text)
    assert "1 of 1 done" in text
    [issue] = fake.issues()
    assert issue.key in text
    assert re.search(rf'<a href="[^"]+/browse/{issue.key}">{issue.key}</a>', page.text)
    assert 'http-equiv="refresh"' not in page.text, "a finished push stops reloading"
    detail = client.get(f"/stories/{draft_id}").text
    assert f">{issue.key}</a>" in detail
    assert "Update in Jira" in detail


def test_a_draft_that_is_not_ready_is_refused_and_the_choice_kept(app, client, login_as):
    pm = login_as(Role.PM)
    ready = ready_draft(app, pm, "Route scam appeals to the specialists")
    unready = ready_draft(app, pm, "Draft still being written", ready=False)

    response = client.submit("/jira/push", {"story_ids": [str(ready), str(unready)]})

    assert response.status_code == 422
    text = text_of(response.text)
    assert f"Only ready drafts can be pushed; not ready: #{unready}." in text
    assert f"Mark #{unready} ready first" in text
    assert re.search(rf'name="story_ids" value="{ready}"[^>]* checked', response.text)
    assert f'name="story_ids" value="{unready}"' not in response.text
    assert "Draft still being written" in text
    assert jobs(app) == []


def test_pushing_nothing_asks_to_choose(client, login_as):
    login_as(Role.PM)

    response = client.submit("/jira/push", {})

    assert response.status_code == 422
    assert "Choose stories to push." in response.text


def test_initiative_push_queues_the_epic_then_its_ready_drafts(app, client, login_as, fake):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    initiative_id = initiative_with(app, pm, draft_id)
    assert "Push initiative to Jira" in client.get(f"/initiatives/{initiative_id}").text

    response = client.submit(f"/jira/initiatives/{initiative_id}/push")

    assert response.status_code == 302
    text = text_of(client.get(response.headers["Location"]).text)
    assert "0 of 2 done" in text
    assert "Epic Faster scam handling" in text
    assert "Route scam appeals to the specialists" in text
    initiative_page = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "Waiting push #" in initiative_page

    run_worker(app)

    [epic] = [issue for issue in fake.issues() if issue.fields["summary"] == "Faster scam handling"]
    initiative_page = client.get(f"/initiatives/{initiative_id}").text
    assert re.search(
        rf'Epic <a href="[^"]+/browse/{epic.key}"[^>]*>{epic.key}</a>', initiative_page
    )


def test_stakeholder_watches_a_push_but_may_not_start_one(app, client, login_as, make_user, fake):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        job = push_queue.request_push(session, actor=actor, story_ids=[draft_id], site_id="main")
    login_as(Role.STAKEHOLDER)

    progress = client.get(f"/jira/pushes/{job.id}")
    assert progress.status_code == 200
    assert "Route scam appeals to the specialists" in progress.text
    assert client.get("/jira/pushes").status_code == 200
    listing = client.get("/stories").text
    assert 'name="story_ids"' not in listing
    assert "Push to Jira" not in listing

    assert client.submit("/jira/push", {"story_ids": [str(draft_id)]}).status_code == 403
    assert client.submit(f"/jira/stories/{draft_id}/unlink").status_code == 403
    assert len(jobs(app)) == 1


def test_vendor_is_refused_everything_jira(app, client, login_as, make_user):
    pm = make_user(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    login_as(Role.VENDOR)

    assert client.get("/jira/pushes").status_code == 403
    assert client.get("/jira/pushes/1").status_code == 403
    assert client.get("/jira/check").status_code == 403
    assert client.submit("/jira/push", {"story_ids": [str(draft_id)]}).status_code == 403
    assert client.submit(f"/jira/stories/{draft_id}/relink", {"key": "OPS-1"}).status_code == 403
    assert jobs(app) == []


# --- one pushed story -----------------------------------------------------------------------------


def linked_draft(app: Flask, pm: User, key: str = "OPS-7") -> int:
    """A ready draft linked to an issue as if it had been pushed (through the push queue)."""
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    with db.session_scope(app) as session:
        push_queue.relink(
            session,
            actor=users.get_user(session, pm.id or 0),
            story_id=draft_id,
            site_id="main",
            jira_id="10077",
            jira_key=key,
            browse_url=f"https://jira.example.com/browse/{key}",
        )
    return draft_id


def test_a_pushed_story_shows_its_key_and_can_be_unlinked(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = linked_draft(app, pm)
    detail = client.get(f"/stories/{draft_id}").text
    assert '<a href="https://jira.example.com/browse/OPS-7">OPS-7</a>' in detail
    assert "Update in Jira" in detail
    assert "Unlink" in detail
    assert "Link to existing Jira issue" not in detail
    assert (
        '<a href="https://jira.example.com/browse/OPS-7" class="jira-key">OPS-7</a>'
        in client.get("/stories").text
    )

    response = client.submit(f"/jira/stories/{draft_id}/unlink")

    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]).text)
    assert "Unlinked from OPS-7; the issue itself stays in Jira." in page
    assert "Not in Jira yet." in page
    assert "Link to existing Jira issue" in page
    with db.session_scope(app) as session:
        assert session.exec(select(JiraLink)).all() == []


def test_unlinking_a_story_that_is_not_in_jira_says_so(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")

    response = client.submit(f"/jira/stories/{draft_id}/unlink", follow_redirects=True)

    assert "This story is not linked to a Jira issue." in response.text


def test_relink_with_a_malformed_key_keeps_it_and_explains(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")

    response = client.submit(f"/jira/stories/{draft_id}/relink", {"key": "not a key"})

    assert response.status_code == 422
    assert "A Jira key looks like OPS-123." in response.text
    assert 'value="not a key"' in response.text


def test_relink_to_an_issue_made_in_jira(app, client, login_as, fake):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    issue = fake.add_issue("Scam appeals routing (made by hand)")

    response = client.submit(f"/jira/stories/{draft_id}/relink", {"key": issue.key.lower()})

    assert response.status_code == 302, response.text
    page = client.get(response.headers["Location"]).text
    assert f"Linked to {issue.key}" in page
    assert re.search(rf'<a href="[^"]+/browse/{issue.key}">{issue.key}</a>', page)


def test_relink_to_a_missing_issue_shows_jiras_answer(app, client, login_as, fake):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")

    response = client.submit(f"/jira/stories/{draft_id}/relink", {"key": "OPS-404"})

    assert response.status_code == 422
    assert 'value="OPS-404"' in response.text
    assert "Server error" not in response.text
    with db.session_scope(app) as session:
        assert push_queue.link_for_story(session, story_id=draft_id) is None


def pushed_through_the_worker(app: Flask, client: TrackerClient, pm: User) -> tuple[int, str]:
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    client.submit("/jira/push", {"story_ids": [str(draft_id)]})
    run_worker(app)
    with db.session_scope(app) as session:
        link = push_queue.link_for_story(session, story_id=draft_id)
        assert link is not None
        assert link.jira_key is not None
        return draft_id, link.jira_key


def test_update_in_jira_sends_the_edited_summary(app, client, login_as, fake):
    pm = login_as(Role.PM)
    draft_id, key = pushed_through_the_worker(app, client, pm)
    with db.session_scope(app) as session:
        draft = drafts.get_draft(
            session, actor=users.get_user(session, pm.id or 0), draft_id=draft_id
        )
        draft.summary = "Route scam appeals to the fraud specialists"
        session.add(draft)

    response = client.submit(f"/jira/stories/{draft_id}/update")

    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]).text)
    assert f"Updated {key} in Jira with the draft's summary, text and points." in page
    issue = fake.issue_by_key(key)
    assert issue is not None
    assert issue.fields["summary"] == "Route scam appeals to the fraud specialists"


def test_update_of_an_issue_gone_from_jira_is_a_message_not_a_crash(app, client, login_as, fake):
    pm = login_as(Role.PM)
    draft_id, key = pushed_through_the_worker(app, client, pm)
    fake.delete(key)

    response = client.submit(f"/jira/stories/{draft_id}/update", follow_redirects=True)

    assert response.status_code == 200
    assert f"{key} was not updated: " in response.text
    assert "Server error" not in response.text
