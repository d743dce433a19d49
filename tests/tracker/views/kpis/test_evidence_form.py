"""Evidence from data on the submit form and the idea page: the queue list, the figures a queue
fills in, links that start an idea from a queue or a signal, both figures for PMs with the
mismatch flag, and the ops estimate that scores from data when there is data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.helpers.kpis import daily, make_queue, put_values
from tests.helpers.pages import switch_to, text_of
from tests.helpers.suggestions import stored, submit_idea
from tracker import db
from tracker.models import KpiSignal, Role

QUEUE = "Spam reports (EN)"  # the queue of tests.helpers.suggestions.VALID (1,200/week typed)


def last_sunday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday() + 1)


def with_data(app, name=QUEUE, *, per_day=100, aht=6.0, organisation_ids=()):
    """A queue with 8 full weeks of `per_day` tickets solved by hand at `aht` minutes."""
    queue = make_queue(app, name, organisation_ids=organisation_ids)
    start = last_sunday() - timedelta(weeks=8) + timedelta(days=1)
    put_values(app, queue.id, "manual_solved", daily(start, [per_day] * 56))
    put_values(app, queue.id, "aht_minutes", daily(start, [aht] * 56))
    return queue


def queue_value(page: str) -> str:
    """What the submit form's queue field holds."""
    found = re.search(r'<input[^>]*\bid="queue"[^>]*>', page)
    assert found is not None
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def note() -> str:
    end = last_sunday()
    return f"from data, 8 weeks to {end.day} {end:%b}"


def test_choosing_a_queue_gives_its_figures_from_data(app, client, login_as):
    queue = with_data(app)
    login_as(Role.SUBMITTER)
    response = client.get("/queues/evidence", query_string={"queue": "  spam REPORTS (en) "})
    assert response.status_code == 200
    assert response.get_json() == {
        "queue_id": queue.id,
        "name": QUEUE,
        "weekly_volume": 700,
        "handle_time_minutes": 6.0,
        "weeks": 8,
        "to": last_sunday().isoformat(),
        "basis": "manual_solved",
        "note": note(),
    }


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"queue": "No such queue"}, 404),
        ({"queue": "Empty queue"}, 404),  # a queue without data
        ({}, 404),
        ({"queue": "Spam\x00reports"}, 400),  # refused before any view (tracker/security.py)
        ({"queue": "x" * 121}, 422),
    ],
)
def test_no_figures_without_a_queue_with_data(app, client, login_as, query, status):
    with_data(app)
    make_queue(app, "Empty queue")
    login_as(Role.SUBMITTER)
    response = client.get("/queues/evidence", query_string=query)
    assert response.status_code == status
    if status != 400:
        assert "error" in response.get_json()


def test_vendors_get_figures_only_of_queues_their_organisation_works(
    app, client, login_as, make_organisation
):
    worked = make_organisation(name="Worker Ltd")
    with_data(app, organisation_ids=[worked.id])
    with_data(app, "Other queue")
    login_as(Role.VENDOR, organisation_id=worked.id)
    assert client.get("/queues/evidence", query_string={"queue": QUEUE}).status_code == 200
    hidden = client.get("/queues/evidence", query_string={"queue": "Other queue"})
    assert hidden.status_code == 404
    page = client.get("/suggestions/new").text
    assert f'<option value="{QUEUE}">' in page
    assert "Other queue" not in page
    assert 'list="queue-names"' in page
    assert "js/evidence.js" in page


def test_a_link_from_a_queue_or_a_signal_fills_the_form(app, client, login_as):
    queue = with_data(app)
    with db.session_scope(app) as session:
        signal = KpiSignal(
            queue_id=queue.id,
            metric="incoming",
            kind="spike",
            day=date(2026, 11, 12),
            baseline=820,
            value=1140,
            size=320,
        )
        session.add(signal)
        session.flush()
        signal_id = signal.id
    login_as(Role.SUBMITTER)
    page = client.get("/suggestions/new", query_string={"queue_id": queue.id}).text
    assert queue_value(page) == QUEUE
    page = client.get("/suggestions/new", query_string={"signal": signal_id}).text
    assert queue_value(page) == QUEUE
    assert "Incoming rose from 820 to 1,140 a day on 12 Nov 2026 (+39%)." in text_of(page)


@pytest.mark.parametrize(
    "query",
    [
        {"queue_id": "abc"},
        {"queue_id": "99999999999999999999999"},
        {"queue_id": "\u0663"},
        {"signal": "0"},
        {"signal": "-4"},
        {"signal": "424242", "queue_id": "424242"},
    ],
)
def test_bad_or_unknown_ids_in_the_link_are_ignored(app, client, login_as, query):
    with_data(app)
    login_as(Role.SUBMITTER)
    response = client.get("/suggestions/new", query_string=query)
    assert response.status_code == 200
    assert queue_value(response.text) == ""


def test_a_vendor_link_to_a_queue_they_do_not_work_fills_nothing(
    app, client, login_as, make_organisation
):
    queue = with_data(app, organisation_ids=[make_organisation(name="Worker Ltd").id])
    login_as(Role.VENDOR)  # an organisation of their own
    page = client.get("/suggestions/new", query_string={"queue_id": queue.id}).text
    assert queue_value(page) == ""


def facts(page: str) -> str:
    return text_of(page.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0])


def test_pms_see_typed_and_data_figures_with_the_mismatch_flag(app, client, make_user, login_as):
    with_data(app)
    idea = submit_idea(app, make_user(Role.SUBMITTER))  # typed 1,200/week and 6 min
    login_as(Role.PM)
    shown = facts(client.get(f"/suggestions/{idea}").text)
    assert f"typed 1,200/week; data 700/week ({note()})" in shown
    assert f"typed 6 min; data 6 min ({note()})" in shown
    # Volume differs by 71%, handle time not at all: one flag.
    assert shown.count("Typed and data differ by more than 25%") == 1


def test_others_see_the_data_without_the_flag_and_only_for_queues_they_may_see(
    app, client, make_user, make_organisation
):
    worked = make_organisation(name="Worker Ltd")
    with_data(app, organisation_ids=[worked.id])
    author = make_user(Role.SUBMITTER)
    idea = submit_idea(app, author)
    switch_to(client, author)
    shown = facts(client.get(f"/suggestions/{idea}").text)
    assert f"typed 1,200/week; data 700/week ({note()})" in shown
    assert "differ" not in shown
    with db.session_scope(app) as session:
        found = stored(app, idea)
        found.shared_with_vendors = True
        session.add(found)
    switch_to(client, make_user(Role.VENDOR))  # sees the idea, not the queue's data
    shown = facts(client.get(f"/suggestions/{idea}").text)
    assert "data" not in shown
    assert "1,200" in shown
    switch_to(client, make_user(Role.VENDOR, organisation_id=worked.id))
    assert "data 700/week" in facts(client.get(f"/suggestions/{idea}").text)


def test_the_ops_estimate_uses_the_data_when_the_queue_has_data(app, client, make_user, login_as):
    with_data(app)
    idea = submit_idea(app, make_user(Role.SUBMITTER))  # typed: 1,200 x 4 min = 80 h/week
    login_as(Role.PM)
    page = client.get(f"/suggestions/{idea}").text
    assert "Use as reach (46.7)" in page  # 700 x 4 / 60
    assert "Use as reach (80)" not in page
    assert "700 tickets/week (from data) x 4 min / 60 = 46.7 agent hours/week" in text_of(page)
    assert re.search(r"agent hours saved per week, from data", text_of(page))
    response = client.submit(
        f"/suggestions/{idea}/score",
        {"reach": "", "impact": "2", "confidence": "80", "effort": "2", "use_estimate": "1"},
    )
    assert response.status_code == 302
    assert stored(app, idea).score_inputs["reach"] == pytest.approx(46.7)


def test_the_ops_estimate_by_share_automated_takes_handle_time_from_data(
    app, client, make_user, login_as
):
    with_data(app, aht=9.0)
    idea = submit_idea(
        app, make_user(Role.SUBMITTER), minutes_saved_per_ticket="", automation_share="50"
    )
    login_as(Role.PM)
    page = text_of(client.get(f"/suggestions/{idea}").text)
    # 700 x 50% x 9 / 60 = 52.5, where the typed 1,200 x 50% x 6 / 60 gave 60.
    assert (
        "700 tickets/week (from data) x 50% automated x 9 min (from data) / 60"
        " = 52.5 agent hours/week"
    ) in page


def test_the_edit_page_offers_the_queues_too(app, client, make_user, login_as):
    with_data(app)
    author = login_as(Role.SUBMITTER)
    idea = submit_idea(app, author, queue="")
    page = client.get(f"/suggestions/{idea}/edit").text
    options = re.findall(r'<option value="([^"]*)">', page.split('id="queue-names"')[1])
    assert QUEUE in options
    assert "data-evidence-url" in page
