"""Delivery outside Jira from the idea page (POST /suggestions/<id>/delivered), and what an idea
is measured by on the edit form: PMs only, CSRF, errors beside the form, hostile input."""

from __future__ import annotations

import html
import re

import pytest

from tests.helpers.suggestions import accepted_idea, stored, submit_idea
from tracker.models import Role, Status


def history_rows(page: str) -> list[str]:
    table = page.split('<table class="history">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_a_pm_marks_an_accepted_idea_delivered_from_its_page(app, client, login_as):
    pm = login_as(Role.PM, display_name="Pat PM")
    idea = accepted_idea(app, pm)
    page = client.get(f"/suggestions/{idea}").text
    assert f'action="/suggestions/{idea}/delivered"' in page
    assert "Mark delivered" in page

    response = client.submit(
        f"/suggestions/{idea}/delivered", {"on": "2026-03-02", "note": "Macro live in EN."}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/suggestions/{idea}#benefit")
    assert stored(app, idea).status is Status.DELIVERED

    page = client.get(f"/suggestions/{idea}").text
    assert f"#{idea} is delivered as of 2026-03-02" in page
    assert "Pat PM Accepted → Delivered Macro live in EN." in history_rows(page)[-1]
    assert "Did it work?" in page
    # Delivered by hand: the form now corrects the day, filled with the one given.
    assert "Correct delivery date" in page
    assert 'value="2026-03-02"' in page


def test_a_correction_is_recorded_in_the_history(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    client.submit(f"/suggestions/{idea}/delivered", {"on": "2026-03-02", "note": "Live."})
    response = client.submit(f"/suggestions/{idea}/delivered", {"on": "2026-02-23"})
    assert response.status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    assert "now shows as delivered on 2026-02-23" in page
    assert "Delivery day corrected from 2026-03-02 to 2026-02-23." in history_rows(page)[-1]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("2026-02-30", "2026-02-30 is not a day of the calendar."),
        ("2999-01-01", "2999-01-01 is in the future"),
        ("1999-12-31", "1999-12-31 is before 2000"),
        ("\u0662\u0660\u0662\u0666-\u0660\u0663-\u0660\u0662", "as YYYY-MM-DD"),
        ("\uff12\uff10\uff12\uff16-\uff10\uff13-\uff10\uff12", "as YYYY-MM-DD"),
        ("", "as YYYY-MM-DD"),
        ("9" * 5000, "as YYYY-MM-DD"),
    ],
)
def test_a_bad_day_is_shown_beside_the_field(app, client, login_as, typed, words):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    response = client.submit(f"/suggestions/{idea}/delivered", {"on": typed, "note": "Live."})
    assert response.status_code == 422
    field = response.text.split('<input aria-describedby="on-error" aria-invalid="true"', 1)
    assert len(field) == 2, "the field is not marked invalid"
    assert words in response.text.split('id="on-error"', 1)[1].split("</p>", 1)[0]
    assert stored(app, idea).status is Status.ACCEPTED


def test_control_characters_never_reach_the_service(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    for data in ({"on": "2026-03-02\x00"}, {"on": "2026-03-02", "note": "live\x00"}):
        response = client.submit(f"/suggestions/{idea}/delivered", data)
        assert response.status_code in (400, 422)
    assert stored(app, idea).status is Status.ACCEPTED


def test_a_jira_driven_idea_is_refused_with_the_reason_on_the_page(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm, status=Status.IN_DELIVERY)
    page = client.get(f"/suggestions/{idea}").text
    assert f'action="/suggestions/{idea}/delivered"' not in page
    response = client.submit(f"/suggestions/{idea}/delivered", {"on": "2026-03-02"})
    assert response.status_code == 409
    assert "is in delivery in Jira" in response.text
    assert stored(app, idea).status is Status.IN_DELIVERY


def test_without_the_csrf_token_nothing_happens(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    response = client.post(f"/suggestions/{idea}/delivered", data={"on": "2026-03-02"})
    assert response.status_code == 400
    assert stored(app, idea).status is Status.ACCEPTED


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.VENDOR, Role.STAKEHOLDER])
def test_only_pms_see_and_use_the_form(app, client, login_as, make_user, role):
    idea = accepted_idea(app, make_user(Role.PM), shared_with_vendors=True)
    login_as(role)
    page = client.get(f"/suggestions/{idea}")
    assert f'action="/suggestions/{idea}/delivered"' not in page.text
    response = client.submit(f"/suggestions/{idea}/delivered", {"on": "2026-03-02"})
    assert response.status_code == 403
    assert stored(app, idea).status is Status.ACCEPTED


def test_unknown_ideas_are_a_404(client, login_as):
    login_as(Role.PM)
    assert client.submit("/suggestions/999999/delivered", {"on": "2026-03-02"}).status_code == 404


# --- what an idea is measured by, on the edit form -------------------------------------------


def _edit_form(page: str) -> dict[str, str]:
    """The edit page's fields as a browser would send them back (text inputs and selects)."""
    values = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    for name, body in re.findall(r'<select[^>]*name="([a-z_]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        values[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(
        r'<textarea[^>]*name="([a-z_]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        values[name] = body.strip()
    values.pop("csrf_token", None)
    return values


def test_a_pm_chooses_the_metric_and_the_expected_change(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    page = client.get(f"/suggestions/{idea}/edit").text
    assert "Measured by" in page
    assert '<option value="aht_minutes">' in page
    assert "Expected improvement a week" in page

    form = _edit_form(page) | {"benefit_metric": "aht_minutes", "expected_benefit": "1.5"}
    response = client.submit(f"/suggestions/{idea}/edit", form)
    assert response.status_code == 302, response.text
    found = stored(app, idea)
    assert (found.benefit_metric, found.expected_benefit) == ("aht_minutes", 1.5)
    again = client.get(f"/suggestions/{idea}/edit").text
    assert 'value="1.5"' in again


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"benefit_metric": "no_such"}, "benefit_metric", "'no_such' is not a metric"),
        ({"expected_benefit": "nan"}, "expected_benefit", "must be between 0 and"),
        ({"expected_benefit": "inf"}, "expected_benefit", "must be between 0 and"),
        ({"expected_benefit": "1e12"}, "expected_benefit", "must be between 0 and"),
        ({"expected_benefit": "\u0663"}, "expected_benefit", "must be a number"),
        ({"expected_benefit": "lots"}, "expected_benefit", "must be a number"),
    ],
)
def test_bad_measures_are_shown_beside_their_field(app, client, login_as, changes, field, words):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    form = _edit_form(client.get(f"/suggestions/{idea}/edit").text) | changes
    response = client.submit(f"/suggestions/{idea}/edit", form)
    assert response.status_code == 422
    message = response.text.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert words in html.unescape(message)
    assert stored(app, idea).benefit_metric == ""


def test_submitters_neither_see_nor_send_the_measure(app, client, login_as):
    author = login_as(Role.SUBMITTER)
    idea = submit_idea(app, author)
    page = client.get(f"/suggestions/{idea}/edit").text
    assert "Measured by" not in page
    form = _edit_form(page)
    assert client.submit(f"/suggestions/{idea}/edit", form).status_code == 302
    sneaky = client.submit(f"/suggestions/{idea}/edit", form | {"benefit_metric": "backlog"})
    assert sneaky.status_code == 403
    assert stored(app, idea).benefit_metric == ""
