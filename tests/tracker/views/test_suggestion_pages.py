"""Suggestion pages through the HTTP client: submitting, similar ideas, votes, comments,
followers and who may see what."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlmodel import select

from tests.helpers.pages import switch_to, vote_count
from tests.helpers.suggestions import VALID, act, submit_idea
from tracker import db
from tracker.models import Initiative, Role, Suggestion
from tracker.services.suggestions import decisions, engagement, submissions


def count_suggestions(app: Flask) -> int:
    with db.session_scope(app) as session:
        return len(session.exec(select(Suggestion)).all())


# --- submitting -------------------------------------------------------------------------------


def test_submitting_an_idea_shows_it_with_its_hours_saved_estimate(app, client, login_as):
    login_as(Role.SUBMITTER)
    response = client.submit("/suggestions/new", VALID)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Your idea is #1" in page.text
    assert "<h1>Auto-close duplicate spam reports</h1>" in page.text
    assert "1,200 tickets/week x 4 min / 60 = 80 agent hours/week" in page.text
    assert '<a href="https://dash.example.com/spam"' in page.text
    assert "<code>OPS-123</code>" in page.text
    mine = client.get("/suggestions/mine").text
    assert "#1 Auto-close duplicate spam reports" in mine
    assert "New" in mine


@pytest.mark.parametrize(
    ("field", "typed", "message", "kept"),
    [
        ("title", "x" * 201, "Title must be at most 200 characters.", f'value="{"x" * 201}"'),
        ("weekly_volume", "lots", "Weekly ticket volume must be a number.", 'value="lots"'),
        (
            "area",
            "Cooking",
            "Area must be one of: Account integrity, Content spam",
            '<option selected value="Cooking">',
        ),
        (
            "evidence_links",
            "OPS-1\nslack",
            "&#39;slack&#39; is not a link or ticket id",
            "OPS-1\nslack</textarea>",
        ),
    ],
)
def test_a_bad_field_is_named_beside_it_and_nothing_is_saved(
    app, client, login_as, field, typed, message, kept
):
    login_as(Role.SUBMITTER)
    response = client.submit("/suggestions/new", {**VALID, field: typed})
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
    assert error, f"no error beside {field}"
    assert message in error.group(1)
    assert response.text.count('class="error"') == 1  # only the bad field complains
    # Everything typed comes back, the bad value included.
    assert VALID["problem"] in response.text
    assert 'value="Spam reports (EN)"' in response.text
    assert kept in response.text
    assert count_suggestions(app) == 0


def test_an_empty_form_names_every_required_field(app, client, login_as):
    login_as(Role.SUBMITTER)
    response = client.submit("/suggestions/new", {"confidential": "y"})
    assert response.status_code == 422
    for sentence in (
        "Title is required.",
        "Problem today is required.",
        "Proposed change is required.",
        "Area is required.",
    ):
        assert sentence in response.text
    assert re.search(r'id="confidential"[^>]*checked|checked[^>]*id="confidential"', response.text)
    assert count_suggestions(app) == 0


def test_nav_and_home_offer_submitting_only_to_those_who_may(client, login_as, make_user):
    login_as(Role.SUBMITTER)
    home = client.get("/").text
    assert 'href="/suggestions/new">Submit idea<' in home
    assert 'href="/suggestions/mine">My ideas<' in home
    switch_to(client, make_user(Role.STAKEHOLDER))
    home = client.get("/").text
    assert "Submit idea" not in home
    assert 'href="/suggestions/mine">My ideas<' in home


# --- similar ideas ----------------------------------------------------------------------------


def test_similar_panel_finds_a_reworded_idea_and_offers_a_vote(app, client, login_as, make_user):
    existing = submit_idea(app, make_user(Role.SUBMITTER))
    submit_idea(app, make_user(Role.SUBMITTER), title="Faster refunds", problem="Refunds lag.")
    login_as(Role.SUBMITTER)
    fragment = client.get(
        "/suggestions/similar",
        query_string={"title": "Automatically close spam report duplicates", "problem": ""},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text  # a fragment for similar.js, not a page
    assert f"#{existing} Auto-close duplicate spam reports" in fragment.text
    assert "Faster refunds" not in fragment.text
    assert re.search(r"\d+% similar", fragment.text)
    assert f'action="/suggestions/{existing}/vote"' in fragment.text
    assert "Vote for this instead" in fragment.text

    response = client.submit(f"/suggestions/{existing}/vote")
    assert response.status_code == 302
    assert vote_count(client.get(f"/suggestions/{existing}").text) == 1


def test_without_javascript_the_check_button_renders_the_panel_and_keeps_the_draft(
    app, client, login_as, make_user
):
    existing = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.SUBMITTER)
    form = client.get("/suggestions/new").text
    assert 'aria-live="polite"' in form
    assert "js/similar.js" in form
    assert 'formmethod="get"' not in form  # the CSRF token must never travel in a URL
    assert "Check for similar ideas" in form
    page = client.submit(
        "/suggestions/new",
        {
            "check": "1",
            "title": "Close spam report duplicates automatically",
            "problem": "Same spam report closed by hand",
            "queue": "EN spam",
        },
    )
    assert page.status_code == 200
    assert f"#{existing} Auto-close duplicate spam reports" in page.text
    assert 'value="Close spam report duplicates automatically"' in page.text
    assert "Same spam report closed by hand</textarea>" in page.text
    assert 'value="EN spam"' in page.text
    assert count_suggestions(app) == 1  # checking saves nothing


def test_similar_panel_hides_what_a_vendor_may_not_see(
    app, client, make_user, make_organisation, login_as
):
    internal = submit_idea(app, make_user(Role.SUBMITTER), title="Spam report duplicates")
    secret = submit_idea(
        app, make_user(Role.SUBMITTER), title="Spam report duplicates closed", confidential=True
    )
    other_vendor = submit_idea(app, make_user(Role.VENDOR), title="Spam report duplicates again")
    shared = submit_idea(app, make_user(Role.SUBMITTER), title="Spam report duplicate queue")
    act(
        app,
        make_user(Role.PM),
        submissions.set_sharing,
        suggestion_id=shared,
        confidential=False,
        shared_with_vendors=True,
    )
    login_as(Role.VENDOR)
    fragment = client.get("/suggestions/similar", query_string={"title": "spam report duplicates"})
    assert f"#{shared} " in fragment.text
    for hidden in (internal, secret, other_vendor):
        assert f"#{hidden} " not in fragment.text


# --- votes, comments, followers ---------------------------------------------------------------


def test_one_vote_per_person_which_a_second_vote_updates_and_unvote_removes(
    app, client, login_as, make_user
):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.SUBMITTER)
    first = client.submit(f"/suggestions/{idea}/vote", {"frequency": "daily", "note": "EN queue"})
    assert first.status_code == 302
    second = client.submit(f"/suggestions/{idea}/vote", {"frequency": "weekly", "note": "Mondays"})
    assert second.status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    assert vote_count(page) == 1
    assert "</strong> · Every week<br>" in page
    assert "Mondays" in page
    assert "· Every day" not in page
    assert "Update my vote" in page
    bad = client.submit(f"/suggestions/{idea}/vote", {"frequency": "hourly"})
    assert bad.status_code == 422
    assert re.search(r'id="frequency-error">Choose one of: daily', bad.text)
    assert client.submit(f"/suggestions/{idea}/unvote").status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    assert vote_count(page) == 0
    assert "Me too: vote" in page


def test_comments_render_markdown_without_scripts(app, client, login_as, make_user):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.SUBMITTER)
    body = "**Yes**, daily.\n\n<script>alert(1)</script>\n\n[see](javascript:alert(2))"
    response = client.submit(f"/suggestions/{idea}/comments", {"body": body})
    assert response.status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    assert "<strong>Yes</strong>, daily." in page
    assert "alert(1)" not in page
    assert "javascript:" not in page
    assert "Comments (1)" in page
    empty = client.submit(f"/suggestions/{idea}/comments", {"body": "  "})
    assert empty.status_code == 422
    assert 'id="body-error">Write something first.' in empty.text


def test_followers_are_the_submitter_voters_and_commenters(app, client, make_user, login_as):
    submitter = make_user(Role.SUBMITTER, display_name="Sam Submitter")
    voter = make_user(Role.SUBMITTER, display_name="Vic Voter")
    idea = submit_idea(app, submitter)
    act(app, voter, engagement.vote, suggestion_id=idea)
    commenter = login_as(Role.SUBMITTER, display_name="Cai Commenter")
    assert client.submit(f"/suggestions/{idea}/comments", {"body": "Same here"}).status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    assert "3 people follow this idea, you included." in page
    for name in ("Sam Submitter", "Vic Voter", "Cai Commenter"):
        assert f"<li>{name}</li>" in page
    with db.session_scope(app) as session:
        found = session.get(Suggestion, idea)
        assert found is not None
        ids = engagement.watcher_ids(session, found)
    assert ids == sorted([submitter.id, voter.id, commenter.id])

    assert client.submit(f"/suggestions/{idea}/watch", {"watching": "0"}).status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    assert "2 people follow this idea." in page
    assert "<li>Cai Commenter</li>" not in page
    client.submit(f"/suggestions/{idea}/watch", {"watching": "1"})
    assert "3 people follow this idea, you included." in client.get(f"/suggestions/{idea}").text


# --- who sees what ----------------------------------------------------------------------------


def test_vendors_see_their_own_organisation_and_what_is_shared(app, client, make_user, login_as):
    vendor_b = make_user(Role.VENDOR)
    theirs = submit_idea(app, vendor_b, title="Vendor B queue routing")
    login_as(Role.VENDOR)
    assert client.get(f"/suggestions/{theirs}").status_code == 404
    assert client.submit(f"/suggestions/{theirs}/vote").status_code == 404
    assert "Vendor B queue routing" not in client.get("/suggestions/mine").text

    pm = make_user(Role.PM)
    act(
        app,
        pm,
        submissions.set_sharing,
        suggestion_id=theirs,
        confidential=False,
        shared_with_vendors=True,
    )
    page = client.get(f"/suggestions/{theirs}")
    assert page.status_code == 200
    assert "Vendor B queue routing" in page.text
    assert "Shared with vendors" in page.text


def test_confidential_ideas_are_hidden_from_other_submitters(app, client, make_user, login_as):
    author = make_user(Role.SUBMITTER)
    secret = submit_idea(app, author, title="Payroll queue shortcut", confidential=True)
    login_as(Role.SUBMITTER)
    assert client.get(f"/suggestions/{secret}").status_code == 404
    fragment = client.get("/suggestions/similar", query_string={"title": "payroll queue shortcut"})
    assert "Payroll queue shortcut" not in fragment.text
    switch_to(client, author)
    page = client.get(f"/suggestions/{secret}")
    assert page.status_code == 200
    assert "Confidential" in page.text


def test_stakeholders_read_everything_but_get_no_forms_and_403_on_posts(
    app, client, make_user, login_as
):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    act(app, make_user(Role.SUBMITTER), engagement.add_comment, suggestion_id=idea, body="+1")
    login_as(Role.STAKEHOLDER)
    page = client.get(f"/suggestions/{idea}")
    assert page.status_code == 200
    assert "Auto-close duplicate spam reports" in page.text
    assert "Comments (1)" in page.text
    assert not re.search(r'<form[^>]*action="/suggestions/', page.text)
    assert "Decide" not in page.text
    assert "Edit this idea" not in page.text
    for action in ("vote", "unvote", "comments", "watch", "status", "score", "merge", "sharing"):
        assert client.submit(f"/suggestions/{idea}/{action}", {}).status_code == 403, action
    assert client.get(f"/suggestions/{idea}/edit").status_code == 403


# --- editing ----------------------------------------------------------------------------------


def test_the_submitter_edits_their_idea_until_it_is_decided(app, client, make_user, login_as):
    author = login_as(Role.SUBMITTER)
    idea = submit_idea(app, author)
    form = client.get(f"/suggestions/{idea}/edit")
    assert form.status_code == 200
    assert 'value="Auto-close duplicate spam reports"' in form.text
    assert "OPS-123\nhttps://dash.example.com/spam</textarea>" in form.text
    bad = client.submit(f"/suggestions/{idea}/edit", {**VALID, "handle_time_minutes": "soon"})
    assert bad.status_code == 422
    assert "Average handle time must be a number." in bad.text
    changed = client.submit(f"/suggestions/{idea}/edit", {**VALID, "title": "Close spam dupes"})
    assert changed.status_code == 302
    assert "<h1>Close spam dupes</h1>" in client.get(f"/suggestions/{idea}").text

    act(
        app,
        make_user(Role.PM),
        decisions.change_status,
        suggestion_id=idea,
        to="declined",
        reason="Not now.",
    )
    assert client.get(f"/suggestions/{idea}/edit").status_code == 403
    assert "Edit this idea" not in client.get(f"/suggestions/{idea}").text
    switch_to(client, make_user(Role.SUBMITTER))
    assert client.get(f"/suggestions/{idea}/edit").status_code == 403


def test_the_page_links_its_initiative_for_those_who_may_open_initiatives(
    app, client, make_user, login_as
):
    vendor = make_user(Role.VENDOR)
    idea = submit_idea(app, vendor, title="Route scam reports to one queue")
    with db.session_scope(app) as session:
        initiative = Initiative(name="Scam <routing> & triage")
        session.add(initiative)
        session.flush()
        initiative_id = initiative.id
        found = session.get(Suggestion, idea)
        assert found is not None
        found.initiative_id = initiative_id
        session.add(found)
    link = (
        f'<a href="/initiatives/{initiative_id}">Initiative: Scam &lt;routing&gt; &amp; triage</a>'
    )

    login_as(Role.PM)
    assert link in client.get(f"/suggestions/{idea}").text
    assert client.get(f"/initiatives/{initiative_id}").status_code == 200

    switch_to(client, vendor)
    page = client.get(f"/suggestions/{idea}")
    assert page.status_code == 200
    assert "Scam &lt;routing&gt;" not in page.text
    assert f'href="/initiatives/{initiative_id}"' not in page.text
    assert client.get(f"/initiatives/{initiative_id}").status_code == 403
