"""Ids and whole numbers typed into forms and query strings (tracker/inputs.py): ASCII digits
within the integer column, or the form again with the message beside the field (422), or for a
list filter a 422 naming the parameter. Never a 500, never half-saved.

'²'.isdigit() is true but int('²') fails; Arabic-Indic and fullwidth digits are digits to
int() but no id anyone typed; 2147483648 overflows PostgreSQL's integer; 5,000 digits are
more than int() reads.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from sqlmodel import func, select

from tests.helpers.accounts import new_person_form
from tests.helpers.stories import ready_draft
from tests.helpers.stories import stored as stored_draft
from tests.helpers.suggestions import VALID, accepted_idea, add_idea, stored
from tracker import db
from tracker.models import (
    Initiative,
    InitiativeStakeholder,
    PushJob,
    Role,
    Status,
    StoryDraft,
    Suggestion,
    User,
)

NOT_IDS = ["²", "٣", "\uff11\uff12", "2147483648", "9" * 5000, "-1", "0", "1e3", "+7"]


def count(app: Flask, model: Any) -> int:
    with db.session_scope(app) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def field_error(response: Any, field: str) -> str:
    """The message shown beside the form field `field`."""
    text = html.unescape(response.text)
    marker = f'id="{field}-error">'
    assert marker in text, f"no message beside {field}"
    return text.split(marker, 1)[1].split("<", 1)[0]


# --- initiatives -------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", NOT_IDS)
def test_an_owner_that_is_no_id_is_named_beside_the_field(app, client, login_as, owner):
    login_as(Role.PM)
    response = client.submit("/initiatives/new", {"name": "Scam routing", "owner_id": owner})

    assert response.status_code == 422
    assert "Owner id must be" in field_error(response, "owner_id")
    assert count(app, Initiative) == 0


@pytest.mark.parametrize("stakeholder", ["²", "2147483648", "\u0661"])
def test_a_stakeholder_that_is_no_id_saves_nothing(app, client, login_as, stakeholder):
    pm = login_as(Role.PM)
    response = client.submit(
        "/initiatives/new",
        {
            "name": "Scam routing",
            "owner_id": str(pm.id),
            "stakeholder_ids": [str(pm.id), stakeholder],
        },
    )

    assert response.status_code == 422
    assert "Stakeholder ids must be" in field_error(response, "stakeholder_ids")
    assert (count(app, Initiative), count(app, InitiativeStakeholder)) == (0, 0)


def test_editing_an_initiative_with_a_bad_owner_keeps_it(app, client, login_as):
    pm = login_as(Role.PM)
    made = client.submit("/initiatives/new", {"name": "Scam routing", "owner_id": str(pm.id)})
    initiative_id = int(made.headers["Location"].rsplit("/", 1)[1])

    response = client.submit(
        f"/initiatives/{initiative_id}/edit", {"name": "Renamed", "owner_id": "2147483648"}
    )

    assert response.status_code == 422
    assert "between 1 and 2147483647" in field_error(response, "owner_id")
    with db.session_scope(app) as session:
        initiative = session.get(Initiative, initiative_id)
    assert initiative is not None
    assert (initiative.name, initiative.owner_id) == ("Scam routing", pm.id)


@pytest.mark.parametrize("picked", ["²", "99999999999"])
def test_adding_a_suggestion_that_is_no_id_to_an_initiative(app, client, login_as, picked):
    pm = login_as(Role.PM)
    made = client.submit("/initiatives/new", {"name": "Scam routing", "owner_id": str(pm.id)})
    initiative_id = int(made.headers["Location"].rsplit("/", 1)[1])
    idea = accepted_idea(app, pm)

    response = client.submit(f"/initiatives/{initiative_id}/suggestions", {"suggestion_id": picked})

    assert response.status_code == 422
    assert "Suggestion id must be" in field_error(response, "suggestion_id")
    assert stored(app, idea).initiative_id is None


# --- story drafts ------------------------------------------------------------------------------


@pytest.mark.parametrize("picked", ["²", "2147483648"])
def test_generating_a_draft_from_no_id_is_named(app, client, login_as, picked):
    login_as(Role.PM)
    response = client.submit("/stories/generate", {"suggestion_id": picked})

    assert response.status_code == 422
    assert "Suggestion id must be" in field_error(response, "suggestion_id")
    assert count(app, StoryDraft) == 0


@pytest.mark.parametrize("points", ["²", "٣", "2147483648", "9" * 5000, "three", "-2"])
def test_story_points_that_are_no_whole_number_leave_the_draft_as_it_was(
    app, client, login_as, points
):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")
    before = stored_draft(app, draft_id)

    response = client.submit(
        f"/stories/{draft_id}/edit",
        {"summary": "Changed", "story_points": points, "priority": before.priority},
    )

    assert response.status_code == 422
    assert "Story points must be" in field_error(response, "story_points")
    after = stored_draft(app, draft_id)
    assert (after.summary, after.story_points) == (before.summary, before.story_points)


@pytest.mark.parametrize("initiative", ["²", "99999999999", "x"])
def test_the_story_list_names_an_initiative_filter_that_is_no_id(client, login_as, initiative):
    login_as(Role.PM)
    response = client.get("/stories", query_string={"initiative": initiative})

    assert response.status_code == 422
    assert "Initiative must be" in html.unescape(response.text)


def test_pushing_a_tick_that_is_no_id_queues_nothing(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route scam appeals to the specialists")

    response = client.submit("/jira/push", {"story_ids": [str(draft_id), "²", "2147483648"]})

    assert response.status_code == 422
    assert "Story ids must be" in html.unescape(response.text)
    assert count(app, PushJob) == 0


# --- suggestions -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["²", "#٣", "99999999999", "9" * 5000, "twelve"])
def test_merging_into_no_id_is_named_beside_the_field(app, client, login_as, typed):
    pm = login_as(Role.PM)
    duplicate = add_idea(app, pm, "Spam filter")
    add_idea(app, pm, "Spam filter again")

    response = client.submit(f"/suggestions/{duplicate}/merge", {"target_id": typed})

    assert response.status_code == 422
    assert "Enter the number of the idea" in field_error(response, "target_id")
    assert stored(app, duplicate).status is Status.NEW


# --- the backlog export ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("vendor=%C2%B2", "Vendor"),
        ("vendor=2147483648", "Vendor"),
        ("initiative=%D9%A3", "Initiative"),
        ("submitter=99999999999", "Submitter"),
    ],
)
def test_the_export_refuses_a_bad_filter_before_its_first_byte(app, client, login_as, query, label):
    """Not a 200 whose file stops after the header row."""
    pm = login_as(Role.PM)
    add_idea(app, pm, "Spam filter")

    response = client.get(f"/backlog/export.csv?{query}")

    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert label in html.unescape(response.text)


def test_a_head_request_for_the_export_returns_its_connection(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Spam filter")

    response = client.head("/backlog/export.csv")
    response.close()

    assert response.status_code == 200
    assert db.engine(app).pool.checkedout() == 0  # type: ignore[attr-defined]


# --- administration ----------------------------------------------------------------------------


@pytest.mark.parametrize("organisation", ["²", "2147483648", "9" * 5000])
def test_an_organisation_that_is_no_id_creates_no_user(app, client, login_as, organisation):
    login_as(Role.ADMIN)
    people = count(app, User)

    response = client.submit("/admin/users", new_person_form(organisation_id=organisation))

    assert response.status_code == 422
    assert field_error(response, "organisation_id")
    assert count(app, User) == people


# --- a suggestion's numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["weekly_volume", "handle_time_minutes", "minutes_saved_per_ticket", "automation_share"],
)
@pytest.mark.parametrize("typed", ["²", "٣", "2147483648", "9" * 5000, "nan", "inf", "1e999"])
def test_a_suggestion_number_out_of_range_is_named_beside_its_field(
    app, client, login_as, field, typed
):
    login_as(Role.SUBMITTER)
    values = {**VALID, "minutes_saved_per_ticket": "", field: typed}

    response = client.submit("/suggestions/new", values)

    assert response.status_code == 422, response.text
    assert field_error(response, field)
    assert count(app, Suggestion) == 0
