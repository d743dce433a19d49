"""The request-wide input guard (tracker/security.py): a query parameter, form field or path part
holding NUL or another control character is refused with 400 naming it, before any view runs, so
nothing is saved and PostgreSQL never sees one. Uploaded files and JSON bodies are not its job."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlmodel import func, select

from tests.helpers.accounts import new_person_form
from tests.helpers.suggestions import VALID, accepted_idea, stored, submit_idea
from tracker import db
from tracker.models import (
    Comment,
    Initiative,
    Organisation,
    Role,
    Status,
    StatusChange,
    Suggestion,
    User,
    Vote,
)
from tracker.security import ControlCharacters, refuse_control_characters
from tracker.services.accounts import tokens, users
from tracker.views.suggestion_forms import SUGGESTION_FIELDS


def count(app: Flask, model: Any) -> int:
    with db.session_scope(app) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def assert_refused(response: Any, name: str) -> None:
    assert response.status_code == 400, response.text
    assert f"'{name}' contains a control character" in html.unescape(response.text)


# --- form fields -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", [name for name in SUGGESTION_FIELDS if name != "confidential"])
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x85"])
def test_a_suggestion_field_with_a_control_character_is_refused(
    app, client, login_as, field, control
):
    login_as(Role.SUBMITTER)
    response = client.submit("/suggestions/new", {**VALID, field: f"Spam{control}filter"})

    assert_refused(response, field)
    assert count(app, Suggestion) == 0


def test_tab_newline_and_carriage_return_are_text_in_a_form(app, client, login_as):
    login_as(Role.SUBMITTER)
    problem = "Agents\tclose spam by hand.\r\nEvery day.\nAll day."
    response = client.submit("/suggestions/new", {**VALID, "problem": problem})

    assert response.status_code == 302, response.text
    with db.session_scope(app) as session:
        [stored] = session.exec(select(Suggestion)).all()
    assert stored.problem == problem


def test_editing_a_suggestion_with_nul_changes_nothing(app, client, login_as):
    author = login_as(Role.SUBMITTER)
    idea = submit_idea(app, author)

    response = client.submit(f"/suggestions/{idea}/edit", {**VALID, "title": "New\x00title"})

    assert_refused(response, "title")
    assert stored(app, idea).title == VALID["title"]


def test_comments_votes_and_decision_reasons_with_nul_are_refused(app, client, login_as, make_user):
    login_as(Role.PM)
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    changes = count(app, StatusChange)

    comment = client.submit(f"/suggestions/{idea}/comments", {"body": "Same\x00here"})
    vote = client.submit(f"/suggestions/{idea}/vote", {"frequency": "", "note": "daily\x00"})
    decision = client.submit(f"/suggestions/{idea}/status", {"to": "declined", "reason": "No\x00"})

    assert_refused(comment, "body")
    assert_refused(vote, "note")
    assert_refused(decision, "reason")
    assert (count(app, Comment), count(app, Vote), count(app, StatusChange)) == (0, 0, changes)
    assert stored(app, idea).status is Status.NEW


def test_initiatives_and_health_notes_with_nul_are_refused(app, client, login_as):
    pm = login_as(Role.PM)
    created = client.submit("/initiatives/new", {"name": "Scam\x00 routing", "owner_id": pm.id})
    assert_refused(created, "name")
    goal = client.submit(
        "/initiatives/new", {"name": "Scam routing", "goal": "\x00", "owner_id": pm.id}
    )
    assert_refused(goal, "goal")
    assert count(app, Initiative) == 0

    made = client.submit("/initiatives/new", {"name": "Scam routing", "owner_id": str(pm.id)})
    assert made.status_code == 302, made.text
    initiative_id = int(made.headers["Location"].rsplit("/", 1)[1])
    health = client.submit(
        f"/initiatives/{initiative_id}/health", {"health": "at_risk", "note": "Late\x00"}
    )
    assert_refused(health, "note")
    with db.session_scope(app) as session:
        initiative = session.get(Initiative, initiative_id)
    assert initiative is not None
    assert initiative.health_note == ""


def test_admin_names_with_nul_are_refused(app, client, login_as):
    login_as(Role.ADMIN)
    people = count(app, User)
    person = client.submit("/admin/users", new_person_form(display_name="New\x00 Person"))
    organisation = client.submit("/admin/organisations", {"name": "Acme\x00", "is_vendor": "y"})

    assert_refused(person, "display_name")
    assert_refused(organisation, "name")
    assert count(app, User) == people
    assert count(app, Organisation) == 0


def test_sign_in_with_nul_is_refused_before_any_lookup(client, make_user):
    user = make_user(Role.SUBMITTER)
    response = client.submit("/login", {"email": user.email + "\x00", "password": "x"})

    assert_refused(response, "email")


# --- query strings and paths -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/backlog?area=%00",
        "/backlog?q=spam%00",
        "/backlog?status=new%0A",
        "/backlog/export.csv?area=%00",
        "/matrix?area=%00",
        "/stories?state=%09draft",
        "/digests?audience=%1B",
        "/suggestions/similar?title=%00",
        "/suggestions/mine?page=%C2%85",
    ],
)
def test_a_query_parameter_with_any_control_character_is_refused(client, login_as, url):
    login_as(Role.PM)
    response = client.get(url)

    name = re.search(r"\?(\w+)=", url).group(1)  # type: ignore[union-attr]
    assert_refused(response, name)
    assert response.mimetype == "text/html"


def test_the_parameter_name_itself_is_checked_and_shown_escaped(client, login_as):
    login_as(Role.PM)
    response = client.get("/backlog?ar%00ea=Other")

    assert_refused(response, "ar\\x00ea")


def test_the_similar_panel_carries_the_drafts_lines(client, login_as):
    """similar.js sends the textarea while the person types: new lines are text there."""
    login_as(Role.SUBMITTER)
    response = client.get("/suggestions/similar?title=Spam&problem=line%20one%0Aline%20two")
    assert response.status_code == 200
    assert_refused(client.get("/suggestions/similar?title=Spam&problem=a%00b"), "problem")


def test_a_path_part_with_a_control_character_is_refused(client):
    assert_refused(client.get("/unsubscribe/abc%00def"), "token")


def test_the_api_answers_json_naming_the_parameter(app, client, make_user):
    user = make_user(Role.PM)
    with db.session_scope(app) as session:
        _, plaintext = tokens.create_token(
            session, owner=users.get_user(session, user.id), name="guard"
        )

    response = client.get(
        "/api/v1/suggestions?area=%00", headers={"Authorization": f"Bearer {plaintext}"}
    )

    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "fields"}
    assert "'area' contains a control character" in body["fields"]["area"]


# --- what the guard leaves to others -----------------------------------------------------------


def test_json_bodies_and_uploaded_files_are_left_to_their_readers(app):
    with app.test_request_context("/api/v1/suggestions", method="POST", json={"title": "a\x00"}):
        refuse_control_characters()
    upload = {"file": (io.BytesIO(b"a\x00b"), "ideas\x01.csv")}
    with app.test_request_context("/suggestions/import", method="POST", data=upload):
        refuse_control_characters()
    form = {"mode": "\x00"}
    with (
        app.test_request_context("/suggestions/import", method="POST", data=form),
        pytest.raises(ControlCharacters),
    ):
        refuse_control_characters()


def test_a_csv_with_control_characters_imports_through_the_dry_run(app, client, login_as):
    """The importer drops them, so the text the dry run keeps in its form passes the guard."""
    login_as(Role.SUBMITTER)
    header = "title,problem,proposed_change,area\n"
    data = (header + "Re\x00fund\x01 macro,Slow\x1b,Add a macro,Other\n").encode()
    dry = client.submit(
        "/suggestions/import",
        {"file": (io.BytesIO(data), "ideas\x00.csv"), "action": "check"},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200, dry.text
    kept = re.search(r'name="csv_text" type="hidden" value="([^"]*)"', dry.text)
    name = re.search(r'name="filename" type="hidden" value="([^"]*)"', dry.text)
    assert kept
    assert name

    imported = client.submit(
        "/suggestions/import",
        {
            "csv_text": html.unescape(kept.group(1)),
            "filename": html.unescape(name.group(1)),
            "action": "import",
            "mode": "all",
        },
        content_type="multipart/form-data",
    )

    assert imported.status_code == 200, imported.text
    with db.session_scope(app) as session:
        [stored] = session.exec(select(Suggestion)).all()
    assert (stored.title, stored.problem) == ("Refund macro", "Slow")


def test_an_accepted_idea_is_untouched_by_a_refused_merge_form(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm, "Route scam appeals")
    response = client.submit(f"/suggestions/{idea}/merge", {"target_id": "1\x00"})

    assert_refused(response, "target_id")
    assert stored(app, idea).status is Status.ACCEPTED
