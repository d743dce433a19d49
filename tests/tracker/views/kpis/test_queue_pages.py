"""The queue pages: the list with sparklines, a queue's weekly charts with delivered ideas and
signals, its CSV, and queue management (new, edit, merge) for PMs."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlmodel import select

from tests.helpers.kpis import daily, make_queue, put_values
from tests.helpers.suggestions import add_idea
from tracker import db
from tracker.models import KpiSignal, KpiValue, Queue, QueueOrganisation, Role, Status, Suggestion
from tracker.services.kpis import series


def _id(queue: Queue) -> int:
    assert queue.id is not None
    return queue.id


def _last_monday() -> date:
    return series.last_full_week(datetime.now(UTC).date())


def _weeks_of_values(app, queue_id: int, weeks: int = 12, incoming: float = 100.0) -> date:
    """`weeks` full weeks of the six default metrics ending last Sunday; returns the first day."""
    start = _last_monday() - timedelta(weeks=weeks - 1)
    days = 7 * weeks
    put_values(app, queue_id, "incoming", daily(start, [incoming] * days))
    put_values(app, queue_id, "manual_incoming", daily(start, [incoming / 4] * days))
    put_values(app, queue_id, "solved", daily(start, [incoming] * days))
    put_values(app, queue_id, "manual_solved", daily(start, [incoming / 4] * days))
    put_values(app, queue_id, "aht_minutes", daily(start, [6.0] * days))
    put_values(app, queue_id, "backlog", daily(start, [40.0] * days))
    return start


def test_list_shows_queues_by_area_with_latest_week(app, client, login_as):
    spam = make_queue(app, "Spam appeals (EN)", area="Content spam")
    make_queue(app, "Refunds", area="Scams and fraud")
    _weeks_of_values(app, _id(spam))
    login_as(Role.STAKEHOLDER)
    page = client.get("/queues")
    assert page.status_code == 200
    text = page.text
    assert text.index("Content spam") < text.index("Spam appeals (EN)")
    assert text.index("Scams and fraud") < text.index("Refunds")
    # 100 a day x 7 = 700 a week; manual share 25%; handle time 6 minutes.
    assert ">700<" in text
    assert "25.0%" in text
    assert ">6.0<" in text
    assert 'class="spark"' in text
    assert "No data" in text  # Refunds has none
    assert "New queue" not in text
    sunday = _last_monday() + timedelta(days=6)
    assert f"to {sunday.isoformat()}; the figure beside each line is the latest week" in text


def test_list_marks_inactive_queues_and_shows_pm_actions(app, client, login_as):
    queue = make_queue(app, "Old queue")
    with db.session_scope(app) as session:
        stored = session.get(Queue, _id(queue))
        assert stored is not None
        stored.active = False
    login_as(Role.PM)
    text = client.get("/queues").text
    assert "Inactive" in text
    assert "New queue" in text
    assert "Merge queues" in text


def test_list_reads_sparklines_in_a_flat_number_of_queries(app, client, login_as):
    login_as(Role.PM)

    def count_for(queues: int) -> int:
        for number in range(queues):
            queue = make_queue(app, f"Queue {queues}-{number}")
            _weeks_of_values(app, _id(queue), weeks=2)
        statements: list[str] = []
        engine = db.engine(app)

        def record(*_args: object) -> None:
            statements.append("x")

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/queues").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    assert count_for(2) == count_for(5)


def test_list_is_paged(app, client, login_as):
    for number in range(3):
        make_queue(app, f"Queue {number}")
    login_as(Role.PM)
    first = client.get("/queues?per_page=2").text
    assert "Queue 0" in first
    assert "Queue 2" not in first
    assert "Page 1 of 2" in first
    assert "Queue 2" in client.get("/queues?per_page=2&page=2").text


def test_queue_page_draws_weekly_charts_with_a_marker_per_delivered_idea(app, client, login_as):
    queue = make_queue(app)
    start = _weeks_of_values(app, _id(queue))
    pm = login_as(Role.PM)
    delivered_on = datetime.combine(start + timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    shipped = add_idea(
        app,
        pm,
        "Auto-close spam appeals",
        area="Content spam",
        queue_id=_id(queue),
        queue=queue.name,
        status=Status.DELIVERED,
        delivered_at=delivered_on,
    )
    page = client.get(f"/queues/{_id(queue)}")
    assert page.status_code == 200
    text = page.text
    for title in ("Incoming", "Solved", "Manual and automation share", "Average handle time"):
        assert f">{title} (" in text or f">{title}," in text
    assert "Agent hours per week" in text
    assert text.count('<svg class="kpi-chart"') == 6
    assert 'viewBox="0 0 480 220"' in text
    assert "min-width" not in text
    assert text.count("<desc id=") == 6
    assert f"#{shipped} Auto-close spam appeals delivered {delivered_on:%Y-%m-%d}" in text
    assert "Delivered" in text  # the idea's status in the list
    # The table for screen readers: agent hours = 25 x 7 x 6 / 60 = 17.5 a week.
    assert "<details" in text
    assert ">17.5<" in text
    assert "Edit" in text
    assert "Download CSV" in text


def test_queue_page_hides_ideas_the_viewer_may_not_see(app, client, login_as, make_user):
    queue = make_queue(app)
    author = make_user(Role.SUBMITTER)
    add_idea(
        app,
        author,
        "Secret plan",
        area="Content spam",
        queue_id=_id(queue),
        queue=queue.name,
        confidential=True,
        delivered_at=datetime.now(UTC) - timedelta(days=20),
    )
    login_as(Role.STAKEHOLDER)
    text = client.get(f"/queues/{_id(queue)}").text
    assert "Secret plan" not in text
    assert "No ideas you can see" in text


def test_queue_page_lists_signals_with_a_link_to_start_an_idea(app, client, login_as):
    queue = make_queue(app)
    start = _weeks_of_values(app, _id(queue))
    with db.session_scope(app) as session:
        signal = KpiSignal(
            queue_id=_id(queue),
            metric="incoming",
            kind="spike",
            day=start + timedelta(days=40),
            baseline=100,
            value=400,
            size=300,
            agent_hours=30,
            worse=True,
        )
        session.add(signal)
        session.flush()
        signal_id = signal.id
    login_as(Role.SUBMITTER)
    text = client.get(f"/queues/{_id(queue)}").text
    assert "Spike</strong> in incoming" in text
    assert f"/suggestions/new?queue_id={_id(queue)}&amp;signal={signal_id}" in text
    assert 'class="chart-signal chart-signal-worse"' in text
    assert "Edit</a>" not in text


def test_three_years_and_bad_years(app, client, login_as):
    queue = make_queue(app)
    login_as(Role.PM)
    three = client.get(f"/queues/{_id(queue)}?years=3")
    assert three.status_code == 200
    first = _last_monday() - timedelta(weeks=3 * 52 - 1)
    assert f"Weeks from {first.isoformat()}" in three.text
    bad = client.get(f"/queues/{_id(queue)}?years=%EF%BC%92")  # a full-width digit two
    assert bad.status_code == 422
    assert "years" in bad.text.lower()


def test_csv_has_a_row_per_week(app, client, login_as):
    queue = make_queue(app)
    start = _weeks_of_values(app, _id(queue), weeks=3)
    login_as(Role.STAKEHOLDER)
    response = client.get(f"/queues/{_id(queue)}/kpis.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 52
    last = rows[-1]
    assert last["week_start"] == _last_monday().isoformat()
    assert last["incoming"] == "700"
    assert last["manual_share"] == "25"
    assert last["agent_hours"] == "17.5"
    assert rows[-3]["week_start"] == start.isoformat()
    assert rows[-4]["incoming"] == ""


def test_pm_creates_a_queue_with_vendor_organisations(app, client, login_as, make_organisation):
    vendor = make_organisation(name="Acme Support")
    login_as(Role.PM)
    form = client.get("/queues/new")
    assert form.status_code == 200
    assert "Acme Support" in form.text
    response = client.submit(
        "/queues/new",
        {
            "name": "  Spam   appeals (DE) ",
            "area": "Content spam",
            "description": "German appeals",
            "active": "y",
            "organisation_ids": [str(vendor.id)],
        },
    )
    assert response.status_code == 302
    with db.session_scope(app) as session:
        queue = session.exec(select(Queue)).one()
        assert queue.name == "Spam appeals (DE)"
        assert session.get(QueueOrganisation, (_id(queue), vendor.id)) is not None


def test_queue_form_shows_service_errors_beside_fields(app, client, login_as):
    make_queue(app, "Refunds")
    login_as(Role.PM)
    taken = client.submit("/queues/new", {"name": "refunds", "area": "Content spam"})
    assert taken.status_code == 409
    assert re.search(r'id="name-error">This name is taken', taken.text)
    bad_area = client.submit("/queues/new", {"name": "New one", "area": "Nope"})
    assert bad_area.status_code == 422
    assert 'id="area-error"' in bad_area.text
    forged = client.submit("/queues/new", {"name": "Other", "organisation_ids": ["x1"]})
    assert forged.status_code == 422
    assert 'id="organisation_ids-error"' in forged.text


def test_pm_edits_a_queue_and_ideas_follow_the_name(app, client, login_as):
    queue = make_queue(app, "Refunds")
    pm = login_as(Role.PM)
    idea = add_idea(app, pm, "Refund macro", queue_id=_id(queue), queue=queue.name)
    page = client.get(f"/queues/{_id(queue)}/edit")
    assert page.status_code == 200
    assert 'value="Refunds"' in page.text
    response = client.submit(
        f"/queues/{_id(queue)}/edit", {"name": "Refund requests", "area": "Content spam"}
    )
    assert response.status_code == 302
    with db.session_scope(app) as session:
        edited = session.get(Queue, _id(queue))
        moved = session.get(Suggestion, idea)
        assert edited is not None
        assert moved is not None
        assert edited.active is False  # the box was left unchecked
        assert moved.queue == "Refund requests"


def test_pm_merges_queues_and_sees_what_moved(app, client, login_as):
    target = make_queue(app, "Spam appeals (EN)")
    stray = make_queue(app, "Spam appeal EN")
    pm = login_as(Role.PM)
    add_idea(app, pm, "Stray idea", queue_id=_id(stray), queue=stray.name)
    day = _last_monday()
    put_values(app, _id(target), "incoming", {day: 5})
    put_values(app, _id(stray), "incoming", {day: 9, day + timedelta(days=1): 7})
    assert client.get("/queues/merge").status_code == 200
    response = client.submit(
        "/queues/merge", {"source_ids": [str(_id(stray))], "target_id": str(_id(target))}
    )
    assert response.status_code == 200
    assert "1 idea moved" in response.text
    assert "1 KPI value moved" in response.text
    assert "1 KPI value dropped" in response.text
    with db.session_scope(app) as session:
        assert session.get(Queue, _id(stray)) is None
        kept = session.get(KpiValue, (_id(target), "incoming", day))
        assert kept is not None
        assert kept.value == 5


def test_merge_into_itself_is_refused_beside_the_field(app, client, login_as):
    queue = make_queue(app)
    login_as(Role.PM)
    response = client.submit(
        "/queues/merge", {"source_ids": [str(_id(queue))], "target_id": str(_id(queue))}
    )
    assert response.status_code == 422
    assert 'id="source_ids-error">Leave the target queue out' in response.text
    missing = client.submit("/queues/merge", {"source_ids": [str(_id(queue))], "target_id": ""})
    assert missing.status_code == 422
    assert "Choose the queue to keep." in missing.text


def test_management_pages_are_for_pms(app, client, login_as):
    queue = make_queue(app)
    login_as(Role.STAKEHOLDER)
    for url in ("/queues/new", f"/queues/{_id(queue)}/edit", "/queues/merge"):
        assert client.get(url).status_code == 403
