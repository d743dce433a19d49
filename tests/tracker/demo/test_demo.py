"""`tracker demo load` gives a newcomer a living product, once.

Loading the demo takes seconds, so the tests that only read it share one load per database
engine (`demo`); the tests of loading itself, and of loading into a configured app, load their
own."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func
from sqlmodel import col, select

from tests.helpers.client import TrackerClient
from tests.helpers.pages import text_of
from tracker import db
from tracker.models import (
    Benefit,
    Comment,
    Digest,
    DigestDelivery,
    Initiative,
    JiraLink,
    KpiSignal,
    KpiValue,
    Queue,
    QueueOrganisation,
    Status,
    StatusChange,
    StatusEvent,
    StoryDraft,
    Suggestion,
    Vote,
    utcnow,
)


def test_demo_load_creates_a_realistic_data_set_once(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Loaded 60 ideas" in result.output
    with db.session_scope(app) as session:
        statuses = dict(
            session.exec(select(Suggestion.status, func.count()).group_by(Suggestion.status)).all()
        )
        assert sum(statuses.values()) == 60
        # Accepted ideas with stories in Jira moved on to in delivery, and some to delivered.
        chosen = (Status.ACCEPTED, Status.IN_DELIVERY, Status.DELIVERED)
        assert sum(statuses.get(status, 0) for status in chosen) >= 10
        assert statuses[Status.ACCEPTED] >= 3
        assert statuses[Status.IN_DELIVERY] >= 3
        assert statuses[Status.DELIVERED] >= 1
        assert statuses[Status.DECLINED] >= 3
        assert statuses[Status.DUPLICATE] == 1
        vendor_ideas = session.exec(
            select(func.count()).where(Suggestion.organisation_id.is_not(None))  # type: ignore[union-attr]
        ).one()
        assert vendor_ideas > 5
        assert session.exec(select(func.count()).select_from(Vote)).one() > 50
        assert session.exec(select(func.count()).select_from(Comment)).one() > 20
        assert session.exec(select(func.count()).select_from(Initiative)).one() == 2
        assert session.exec(select(func.count()).select_from(StoryDraft)).one() >= 3
        counts = _counts(session)
    again = runner.invoke(args=["demo", "load"])
    assert "already loaded" in again.output
    with db.session_scope(app) as session:
        assert _counts(session) == counts


def _counts(session):
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Suggestion, StoryDraft, JiraLink, StatusEvent, StatusChange, Digest)
    }


@dataclass(frozen=True)
class Demo:
    app: Flask
    output: str  # what `tracker demo load` printed


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, make_module_app: Callable[..., Flask]) -> Demo:
    """The demo loaded once into an app of its own, for the tests that only read it."""
    app = make_module_app(request.param)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return Demo(app, result.output)


@pytest.fixture
def demo_client(demo: Demo) -> TrackerClient:
    demo.app.test_client_class = TrackerClient
    client = demo.app.test_client()
    assert isinstance(client, TrackerClient)
    return client


def _sign_in(client: TrackerClient, email: str = "priya.pm@example.com") -> None:
    assert client.login(email, "demo password 2026").status_code == 302


def _text(response):
    """The page as a reader sees it."""
    assert response.status_code == 200, response.status_code
    return text_of(response.text)


def test_demo_people_can_sign_in(demo_client):
    response = demo_client.login("priya.pm@example.com", "demo password 2026")
    assert response.status_code == 302


def test_demo_ideas_show_their_jira_status_and_one_is_delivered(demo, demo_client):
    app, client = demo.app, demo_client
    _sign_in(client)
    assert "in a placeholder Jira" in demo.output
    with db.session_scope(app) as session:
        delivered = session.exec(
            select(Suggestion).where(Suggestion.status == Status.DELIVERED)
        ).all()
        assert delivered
        in_review = session.exec(
            select(StoryDraft.suggestion_id, JiraLink.jira_key)
            .join(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
            .where(JiraLink.status_name == "In Review", col(JiraLink.missing_since).is_(None))
        ).first()
        assert in_review is not None
        # The history runs in order: submitted, decided, in Jira (unless delivered by hand,
        # outside Jira), done, all in the past.
        for idea in delivered:
            assert idea.decided_at is not None
            assert idea.delivered_at is not None
            steps = [idea.created_at, idea.decided_at, idea.in_jira_at, idea.delivered_at]
            moments = [moment for moment in steps if moment is not None]
            assert moments == sorted(moments)
            assert idea.delivered_at < utcnow()
        through_jira = [idea for idea in delivered if idea.in_jira_at is not None]
        assert len(through_jira) < len(delivered)  # the demo also delivers by hand
        first = through_jira[0]
    response = client.get(f"/suggestions/{first.id}")
    assert re.search(r'href="https://jira\.example\.invalid/browse/OPS-\d+"', response.text)
    page = _text(response)
    assert "Delivered" in page
    assert "1 of 1 story done in Jira" in page
    assert "Done" in page
    assert "Console 4." in page
    assert "Its story is done in Jira" in page  # the roll-up's entry in the history
    suggestion_id, key = in_review
    page = _text(client.get(f"/suggestions/{suggestion_id}"))
    assert "In delivery" in page
    assert key in page
    assert "In Review" in page
    assert "Ops Sprint 24" in page
    assert "In Progress → In Review" in page  # the status timeline brought back from Jira


def test_demo_initiatives_show_progress_a_stuck_and_a_missing_story(demo, demo_client):
    app, client = demo.app, demo_client
    _sign_in(client)
    with db.session_scope(app) as session:
        ids = {i.name: i.id for i in session.exec(select(Initiative)).all()}
    page = _text(client.get(f"/initiatives/{ids['Faster scam response']}"))
    assert "2 of 4 stories done (50%)" in page
    assert "stuck" not in page.lower()
    page = _text(client.get(f"/initiatives/{ids['Vendor quality programme']}"))
    assert "1 story stuck in one Jira status for longer than 14 days" in page
    assert re.search(r"stuck in In Review for 2\d days", page)
    assert re.search(r"0 of \d stories done", page)
    assert "Missing in Jira" in page


def test_demo_has_last_weeks_digests_for_every_audience(demo, demo_client):
    app, client = demo.app, demo_client
    _sign_in(client)
    with db.session_scope(app) as session:
        digests = session.exec(select(Digest)).all()
        assert {d.audience for d in digests} == {"pm", "stakeholder", "vendor", "submitter"}
        assert len({d.period_end for d in digests}) == 1
        # Web pages only: nothing is queued for the demo's example addresses.
        assert session.exec(select(func.count()).select_from(DigestDelivery)).one() == 0
        pm = next(d for d in digests if d.audience == "pm")
        summary, lead = pm.content["summary"], pm.content["lead_times"]
    for count in ("delivered", "pushed", "status_changes", "stalled"):
        assert summary[count] >= 1, count
    assert summary["accepted"] + summary["declined"] + summary["merged"] >= 1
    assert lead["in_jira_to_done"]["count"] >= 1
    assert 0 < lead["decided_to_in_jira"]["median_days"] < lead["in_jira_to_done"]["median_days"]
    listing = _text(client.get("/digests"))
    for subject in ("All PMs", "Dana Okafor", "Bluewave Support", "Sam Patel"):
        assert subject in listing
    page = _text(client.get(f"/digests/{pm.id}"))
    assert "Vendor quality programme" in page
    assert "OPS-" in page


def test_demo_vendor_sees_only_their_organisations_digests(demo_client):
    _sign_in(demo_client, email="ana@northwind.example")
    listing = _text(demo_client.get("/digests"))
    assert "Northwind BPO" in listing
    assert "All PMs" not in listing
    assert "Bluewave Support" not in listing


def test_demo_leaves_a_configured_jira_and_mail_server_alone(make_app, database_url):
    jira = {"base_url": "http://127.0.0.1:9", "project_key": "OPS", "personal_access_token": "t"}
    app = make_app(database_url, jira=jira, smtp={"host": "127.0.0.1", "port": 9})
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "0 stories in a placeholder Jira" in result.output
    with db.session_scope(app) as session:
        # Made-up issue ids would be synced against the real site's issues.
        assert session.exec(select(func.count()).select_from(JiraLink)).one() == 0
        ready = session.exec(select(StoryDraft).where(StoryDraft.state == "ready")).all()
        assert len(ready) >= 3
        # Digests are web pages only: nothing queued for the demo's example addresses.
        assert session.exec(select(func.count()).select_from(Digest)).one() > 0
        assert session.exec(select(func.count()).select_from(DigestDelivery)).one() == 0


def _weekly(session, queue_id, metric, start, weeks):
    """Sums of `metric` for `weeks` weeks from `start`."""
    rows = session.exec(
        select(col(KpiValue.day), col(KpiValue.value)).where(
            KpiValue.queue_id == queue_id,
            KpiValue.metric == metric,
            col(KpiValue.day) >= start,
            col(KpiValue.day) < start + timedelta(weeks=weeks),
        )
    ).all()
    sums = [0.0] * weeks
    for day, value in rows:
        sums[(day - start).days // 7] += value
    return sums


def test_demo_queues_have_a_year_of_kpis_and_vendors_that_work_them(demo):
    with db.session_scope(demo.app) as session:
        queue_ids = set(session.exec(select(Queue.id)).all())
        with_ideas = set(session.exec(select(Suggestion.queue_id).distinct()).all()) - {None}
        assert with_ideas <= queue_ids
        assert len(queue_ids) >= 30
        spans = session.exec(
            select(
                KpiValue.queue_id,
                func.count(func.distinct(KpiValue.metric)),
                func.min(KpiValue.day),
                func.max(KpiValue.day),
            ).group_by(col(KpiValue.queue_id))
        ).all()
        assert {queue_id for queue_id, *_ in spans} == queue_ids
        yesterday = utcnow().date() - timedelta(days=1)
        for _queue, metrics, first, last in spans:
            assert metrics == 6
            assert last >= yesterday - timedelta(days=1)
            assert (last - first).days >= 360
        worked = session.exec(
            select(col(QueueOrganisation.organisation_id), func.count()).group_by(
                col(QueueOrganisation.organisation_id)
            )
        ).all()
        assert len(worked) == 2
        assert all(count >= 3 for _, count in worked)


def test_demo_data_has_a_visible_spike(demo):
    with db.session_scope(demo.app) as session:
        queue = session.exec(select(Queue).where(Queue.name == "Spam appeals")).one()
        rows = dict(
            session.exec(
                select(col(KpiValue.day), col(KpiValue.value)).where(
                    KpiValue.queue_id == queue.id, KpiValue.metric == "incoming"
                )
            ).all()
        )
    peak = max(rows, key=lambda day: rows[day])
    assert (utcnow().date() - peak).days == 17
    same_weekday = sorted(rows[peak - timedelta(weeks=n)] for n in range(1, 9))
    assert rows[peak] > 2 * same_weekday[4]  # more than twice the usual for its weekday


def test_demo_data_shifts_after_a_delivered_idea(demo):
    with db.session_scope(demo.app) as session:
        idea = session.exec(
            select(Suggestion)
            .where(col(Suggestion.delivered_at).is_not(None))
            .order_by(col(Suggestion.delivered_at))
        ).first()
        assert idea is not None
        assert idea.queue_id is not None
        assert idea.delivered_at is not None
        delivered = idea.delivered_at.date()
        after = delivered + timedelta(days=7 - delivered.weekday())  # the next Monday
        weeks_after = (utcnow().date() - after).days // 7
        assert weeks_after >= 2
        before = after - timedelta(weeks=9)
        manual_before = _weekly(session, idea.queue_id, "manual_incoming", before, 8)
        manual_after = _weekly(session, idea.queue_id, "manual_incoming", after, weeks_after)
        total_before = _weekly(session, idea.queue_id, "incoming", before, 8)
        total_after = _weekly(session, idea.queue_id, "incoming", after, weeks_after)
    ratio = (sum(manual_after) / len(manual_after)) / (sum(manual_before) / 8)
    assert 0.55 < ratio < 0.75  # a third fewer tickets reach agents
    assert max(manual_after) < min(manual_before)  # every week after is below every week before
    # Incoming stays where it was: the work was automated, not lost.
    assert 0.85 < (sum(total_after) / len(total_after)) / (sum(total_before) / 8) < 1.15


def test_demo_ideas_show_evidence_from_data_to_pms(demo, demo_client):
    _sign_in(demo_client)
    with db.session_scope(demo.app) as session:
        idea = session.exec(select(Suggestion).order_by(col(Suggestion.id))).first()
    assert idea is not None
    page = _text(demo_client.get(f"/suggestions/{idea.id}"))
    assert re.search(r"typed [\d,]+/week; data [\d,]+/week \(from data, 8 weeks to \d+ \w+\)", page)


def test_demo_signals_name_the_spike_and_the_shift(demo):
    with db.session_scope(demo.app) as session:
        found = session.exec(
            select(
                col(Queue.name), col(KpiSignal.metric), col(KpiSignal.kind), col(KpiSignal.day)
            ).join(Queue, col(Queue.id) == KpiSignal.queue_id)
        ).all()
        first_delivered = session.exec(
            select(col(Queue.name), col(Suggestion.delivered_at))
            .join(Suggestion, col(Suggestion.queue_id) == Queue.id)
            .where(col(Suggestion.delivered_at).is_not(None))
            .order_by(col(Suggestion.delivered_at))
        ).first()
    assert first_delivered is not None
    shifted, delivered_at = first_delivered
    assert delivered_at is not None
    spike_day = utcnow().date() - timedelta(days=17)
    # The spike stands out among the last four weeks' signals rather than drowning in them.
    recent = [signal for signal in found if (utcnow().date() - signal[3]).days <= 28]
    assert len(recent) < 40
    assert ("Spam appeals", "incoming", "spike", spike_day) in found
    assert any(
        (name, metric, kind) == (shifted, "manual_incoming", "shift")
        and abs((day - delivered_at.date()).days) <= 14
        for name, metric, kind, day in found
    )


def test_demo_benefits_show_a_saving_an_honest_nothing_and_one_still_measuring(demo, demo_client):
    _sign_in(demo_client)
    with db.session_scope(demo.app) as session:
        states = sorted(row.state for row in session.exec(select(Benefit)).all())
    assert {"measured", "inconclusive", "waiting"} <= set(states)
    page = _text(demo_client.get("/benefits"))
    assert "95% CI" in page
