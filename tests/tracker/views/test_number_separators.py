"""Numbers on the submit form as people write them: "1,200" is accepted like in CSV import and on
the score form; a space, a dot before three digits and non-ASCII digits are not separators."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.helpers.suggestions import VALID
from tracker import db
from tracker.errors import ValidationFailed
from tracker.models import Role, Suggestion
from tracker.services.suggestions import submissions

AREAS = ["Content spam"]
REQUIRED = {"title": "t", "problem": "p", "proposed_change": "c", "area": "Content spam"}


def test_the_form_takes_1_200_tickets_a_week(app, client, login_as):
    login_as(Role.SUBMITTER)
    response = client.submit(
        "/suggestions/new", {**VALID, "weekly_volume": "1,200", "handle_time_minutes": "1,000.5"}
    )
    assert response.status_code == 302, response.text
    with db.session_scope(app) as session:
        stored = session.exec(select(Suggestion)).one()
        assert (stored.weekly_volume, stored.handle_time_minutes) == (1200, 1000.5)


# Arabic-Indic and fullwidth digits: digits to int(), but no number anyone types here.
NOT_NUMBERS = [
    "1 200",
    "1,2",
    "12,00",
    "1,200,",
    "\u0661\u0662\u0660\u0660",
    "\uff11,\uff12\uff10\uff10",
]


@pytest.mark.parametrize("typed", NOT_NUMBERS)
def test_the_form_refuses_what_is_no_number(app, client, login_as, typed):
    login_as(Role.SUBMITTER)
    response = client.submit("/suggestions/new", {**VALID, "weekly_volume": typed})
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="weekly_volume-error">([^<]*)</p>', response.text)
    assert error
    assert error.group(1) == "Weekly ticket volume must be a number."


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1,200", 1200), ("12,345,678", 12_345_678), (" 1,200 ", 1200), ("1200", 1200)],
)
def test_thousands_groups_in_every_number_field(typed, value):
    cleaned = submissions.clean_input(
        {
            **REQUIRED,
            "weekly_volume": typed,
            "handle_time_minutes": "1,000",
            "minutes_saved_per_ticket": "1,000",
        },
        areas=AREAS,
    )
    assert cleaned.weekly_volume == value
    assert cleaned.minutes_saved_per_ticket == 1000


def test_a_dot_is_the_decimal_point():
    # "1.200" is 1.2, as everywhere in the tracker: no whole number of tickets.
    with pytest.raises(ValidationFailed) as refused:
        submissions.clean_input({**REQUIRED, "weekly_volume": "1.200"}, areas=AREAS)
    assert refused.value.fields == {"weekly_volume": "Weekly ticket volume must be a number."}
    cleaned = submissions.clean_input({**REQUIRED, "handle_time_minutes": "1.200"}, areas=AREAS)
    assert cleaned.handle_time_minutes == 1.2


def test_a_separated_number_is_still_bounded():
    with pytest.raises(ValidationFailed) as refused:
        submissions.clean_input({**REQUIRED, "weekly_volume": "100,000,001"}, areas=AREAS)
    assert refused.value.fields == {
        "weekly_volume": "Weekly ticket volume must be between 0 and 100,000,000."
    }
