"""The PM digest's "Queues that moved": the signals detected in the digest's period, with links to
the queue and to start an idea; other audiences' digests have no such section."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

from flask import Flask

from tests.helpers.digests import digest_content_of
from tests.helpers.kpis import make_queue, put_signal
from tracker.models import Audience
from tracker.services.digests.render import render_email, render_markdown

START = datetime(2026, 11, 16, 9, tzinfo=UTC)
END = START + timedelta(weeks=1)


def add_signal(app: Flask, queue_id: int, detected_at: datetime, **fields: object) -> int:
    return put_signal(
        app, queue_id, **{"day": date(2026, 11, 2), **fields, "detected_at": detected_at}
    )


build = partial(digest_content_of, start=START, end=END)


def test_the_pm_digest_lists_the_signals_of_its_period(app: Flask, make_organisation):
    acme = make_organisation("Acme BPO")
    queue = make_queue(app, "Spam <appeals> (EN)", organisation_ids=[acme.id])
    assert queue.id is not None
    inside = add_signal(app, queue.id, START + timedelta(days=2))
    add_signal(app, queue.id, START - timedelta(hours=1), day=date(2026, 10, 26))
    add_signal(app, queue.id, END, day=date(2026, 11, 9))

    content = build(app, Audience.PM, "all")

    [moved] = content["queues_moved"]
    base = app.config["SETTINGS"].base_url.rstrip("/")
    assert moved["queue"] == "Spam <appeals> (EN)"
    assert moved["queue_url"] == f"{base}/queues/{queue.id}"
    assert moved["idea_url"] == f"{base}/suggestions/new?queue_id={queue.id}&signal={inside}"
    assert moved["text"] == (
        "Level shift from 2026-11-02: incoming to agents 1,160.0 → 1,860.0 tickets a week "
        "(+70.0 agent hours a week)"
    )
    assert content["queues_moved_more"] == 0
    # Vendors' digests never carry queue KPIs, not even of the queues they work.
    assert build(app, Audience.VENDOR, f"org:{acme.id}")["queues_moved"] == []

    with app.test_request_context():
        html, text, _ = render_email(content, unsubscribe_url=f"{base}/unsubscribe/x")
        markdown = render_markdown(content)
    assert "Queues that moved" in html
    assert "Queues that moved" in text
    assert "Spam &lt;appeals&gt; (EN)" in html
    assert "<appeals>" not in html
    assert f"signal={inside}" in html
    assert "Start an idea from this" in text
    assert "+70.0 agent hours a week" in markdown


def test_a_quiet_period_has_no_section(app: Flask):
    queue = make_queue(app, "Refunds")
    assert queue.id is not None
    add_signal(app, queue.id, START - timedelta(days=30))
    content = build(app, Audience.PM, "all")
    assert content["queues_moved"] == []
    with app.test_request_context():
        _, text, _ = render_email(content, unsubscribe_url="https://tracker.example.com/u")
    assert "Queues that moved" not in text


def test_one_event_is_one_line_however_many_metrics_it_moved(app: Flask):
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    when = START + timedelta(days=2)
    add_signal(app, queue.id, when, metric="incoming", agent_hours=None)
    with_hours = add_signal(app, queue.id, when)
    add_signal(app, queue.id, when, day=date(2026, 9, 7))  # another event

    content = build(app, Audience.PM, "all")

    by_day = {moved["day"]: moved for moved in content["queues_moved"]}
    assert sorted(by_day) == ["2026-09-07", "2026-11-02"]
    event = by_day["2026-11-02"]
    assert event["text"].startswith("Level shift from 2026-11-02: ")
    assert "incoming 1,160.0 → 1,860.0 tickets a week" in event["text"]
    assert "incoming to agents 1,160.0 → 1,860.0 tickets a week (+70.0" in event["text"]
    # The idea starts from the move that costs agent hours.
    assert event["idea_url"].endswith(f"signal={with_hours}")
    assert content["queues_moved_more"] == 0
