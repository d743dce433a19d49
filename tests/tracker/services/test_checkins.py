"""The check-in pack's contents (services/checkins): the period, each section's items and the
visibility rule, the queues' trends, recording a check-in and the Markdown rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.helpers.kpis import daily, make_queue, put_signal, put_values
from tests.helpers.suggestions import act, add_idea
from tracker import db
from tracker.config import current_settings
from tracker.errors import NotFound, PermissionDenied, ValidationFailed
from tracker.models import (
    Benefit,
    BenefitState,
    CheckIn,
    Comment,
    Role,
    Status,
    StatusChange,
    User,
    utcnow,
)
from tracker.services.accounts import users
from tracker.services.checkins import markdown, pack, records, trends
from tracker.services.kpis import charts, series
from tracker.services.suggestions import engagement

TODAY = utcnow().date()


def _org(user: User) -> int:
    assert user.organisation_id is not None
    return user.organisation_id


def _pack(app, viewer: User, organisation_id: int) -> pack.Pack:
    with app.app_context(), db.session_scope(app) as session:
        assert viewer.id is not None
        actor = users.get_user(session, viewer.id)
        return pack.pack(
            session,
            actor=actor,
            organisation_id=organisation_id,
            settings=current_settings(),
            today=TODAY,
        )


def _titles(rows: Any) -> list[str]:
    return [getattr(row, "suggestion", row).title for row in rows.items]


def _ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def test_the_period_starts_at_the_latest_checkin_or_90_days_back(app, make_user):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)
    add_idea(app, vendor, "Four months old", age_days=120)
    add_idea(app, vendor, "Two months old", age_days=60)
    add_idea(app, vendor, "Yesterday's", age_days=1)
    found = _pack(app, pm, _org(vendor))
    assert found.last is None
    assert found.since == TODAY - timedelta(days=90)
    assert _titles(found.ideas) == ["Yesterday's", "Two months old"]

    with db.session_scope(app) as session:
        for held in (30, 10, 20):  # recorded out of order: the latest day counts
            session.add(
                CheckIn(
                    organisation_id=_org(vendor),
                    held_on=TODAY - timedelta(days=held),
                    notes=f"Held {held} days ago",
                    open_questions=f"Question from {held}\n",
                    recorded_by_id=pm.id,
                )
            )
    found = _pack(app, pm, _org(vendor))
    assert found.since == TODAY - timedelta(days=10)
    assert _titles(found.ideas) == ["Yesterday's"]
    assert found.open_questions == ["Question from 10"]
    assert [past.checkin.notes for past in found.past] == [
        "Held 10 days ago",
        "Held 20 days ago",
        "Held 30 days ago",
    ]
    assert found.past[0].recorded_by == pm.display_name


def test_who_may_read_which_pack(app, make_user, make_organisation):
    vendor = make_user(Role.VENDOR)
    other = make_user(Role.VENDOR)
    internal = make_organisation(name="Internal", is_vendor=False)
    assert internal.id is not None
    assert _pack(app, vendor, _org(vendor)).organisation.id == _org(vendor)
    for organisation_id in (_org(other), internal.id, 424242):
        with pytest.raises(NotFound):
            _pack(app, vendor, organisation_id)
    with pytest.raises(NotFound):
        _pack(app, make_user(Role.PM), internal.id)
    assert _pack(app, make_user(Role.STAKEHOLDER), _org(other)).organisation.id == _org(other)


def test_confidential_ideas_of_colleagues_stay_hidden_from_vendors(app, make_user):
    vendor = make_user(Role.VENDOR)
    colleague = make_user(Role.VENDOR, organisation_id=_org(vendor))
    add_idea(app, colleague, "Colleague's secret", confidential=True)
    add_idea(app, colleague, "Colleague's open idea")
    assert _titles(_pack(app, vendor, _org(vendor)).ideas) == ["Colleague's open idea"]
    assert len(_pack(app, make_user(Role.PM), _org(vendor)).ideas.items) == 2


def test_decisions_are_the_period_s_accepts_declines_parks_and_merges(app, make_user):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)
    idea = add_idea(app, vendor, "Decided idea")
    with db.session_scope(app) as session:
        for to, days, reason in (
            ("under_review", 5, ""),
            ("accepted", 4, "Clear win"),
            ("parked", 3, "Next quarter"),
            ("declined", 200, "Too old to show"),
            ("duplicate", 1, "Same as #1"),
        ):
            session.add(
                StatusChange(
                    suggestion_id=idea,
                    actor_id=pm.id,
                    from_status="new",
                    to_status=to,
                    reason=reason,
                    created_at=_ago(days),
                )
            )
    found = _pack(app, pm, _org(vendor))
    assert [(d.label, d.change.reason) for d in found.decisions.items] == [
        ("Merged", "Same as #1"),
        ("Parked", "Next quarter"),
        ("Accepted", "Clear win"),
    ]
    assert found.decisions.items[0].decided_by == pm.display_name


def test_deliveries_settled_measurements_and_ideas_still_measuring(app, make_user):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)

    def delivered(title: str, days: float) -> int:
        return add_idea(
            app, vendor, title, status=Status.DELIVERED, age_days=300, delivered_at=_ago(days)
        )

    fresh = delivered("Delivered last week", 7)
    unmeasured = delivered("Delivered, no row yet", 2)
    settled = delivered("Settled this month", 120)
    shared = delivered("Settled, shared", 120)
    measuring = delivered("Still measuring", 100)
    delivered("Settled long ago", 300)
    with db.session_scope(app) as session:
        session.add(Benefit(suggestion_id=fresh, expected=10.0, post_weeks=1, post_weeks_target=8))
        for suggestion_id, figures in (
            (settled, (20.0, 10.0, 30.0, [])),
            (shared, (5.0, -1.0, 11.0, [settled])),
        ):
            measured, low, high, group = figures
            session.add(
                Benefit(
                    suggestion_id=suggestion_id,
                    state=BenefitState.MEASURED.value,
                    expected=25.0,
                    measured=measured,
                    ci_low=low,
                    ci_high=high,
                    post_weeks=8,
                    post_weeks_target=8,
                    shared_with=group,
                    settled_at=_ago(10),
                )
            )
        session.add(Benefit(suggestion_id=measuring, post_weeks=6, post_weeks_target=8))
    found = _pack(app, pm, _org(vendor))
    assert sorted(_titles(found.delivered)) == ["Delivered last week", "Delivered, no row yet"]
    assert sorted(_titles(found.settled)) == ["Settled this month", "Settled, shared"]
    assert _titles(found.measuring) == ["Still measuring"]
    summaries = {row.suggestion.id: row.summary for row in found.delivered.items}
    assert summaries[fresh] == "expected 10 h/week; measuring, 1 of 8 weeks"
    assert summaries[unmeasured] == "Delivered; the first measurement runs shortly."
    assert found.total is not None
    assert found.total.measured == pytest.approx(25.0)
    assert found.total.counted == 2
    assert unmeasured in {row.suggestion.id for row in found.delivered.items}


def test_questions_are_undecided_ideas_whose_last_word_is_a_pm_s(app, make_user):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)
    asked = add_idea(app, vendor, "Asked, no answer yet", status=Status.UNDER_REVIEW)
    answered = add_idea(app, vendor, "Asked and answered")
    decided = add_idea(app, vendor, "Asked but declined", status=Status.DECLINED)
    for idea in (asked, answered, decided):
        act(app, pm, engagement.add_comment, suggestion_id=idea, body=f"How many a week? ({idea})")
    act(app, vendor, engagement.add_comment, suggestion_id=answered, body="About 900.")
    found = _pack(app, pm, _org(vendor))
    assert _titles(found.questions) == ["Asked, no answer yet"]
    (question,) = found.questions.items
    assert question.asked_by == pm.display_name
    assert isinstance(question.comment, Comment)


def _full_weeks(app, queue_id: int, incoming: list[float]) -> None:
    """One value a day of every sparkline input for the weeks given (oldest first), ending
    with the last full week."""
    first = series.last_full_week(TODAY) - timedelta(weeks=len(incoming) - 1)
    days = [value for value in incoming for _ in range(7)]
    put_values(app, queue_id, "incoming", daily(first, days))
    put_values(app, queue_id, "manual_incoming", daily(first, [v / 4 for v in days]))
    put_values(app, queue_id, "aht_minutes", daily(first, [6.0] * len(days)))


def test_queue_trends_compare_the_last_4_weeks_with_the_8_before(app, make_user):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)
    worked = make_queue(app, "Refund disputes", organisation_ids=[_org(vendor)])
    elsewhere = make_queue(app, "Other vendor's queue")
    assert worked.id is not None
    assert elsewhere.id is not None
    _full_weeks(app, worked.id, [100.0] * 8 + [80.0] * 4)
    put_signal(app, worked.id, day=TODAY - timedelta(days=14))
    put_signal(app, worked.id, day=TODAY - timedelta(days=210), detected_at=_ago(200))
    put_signal(app, elsewhere.id)
    found = _pack(app, pm, _org(vendor))
    (row,) = found.queues
    assert row.queue.name == "Refund disputes"
    incoming, share, aht = row.trends
    assert incoming.recent == pytest.approx(560.0)
    assert incoming.before == pytest.approx(700.0)
    assert incoming.change_text == "-20%"
    assert incoming.better is True  # fewer tickets is better
    assert share.change_text == "+0.0 pts"
    assert share.better is None
    assert aht.recent == pytest.approx(6.0)
    assert len(row.signals) == 1  # the one detected in the period


def test_trend_without_data_has_no_comparison():
    empty = trends.Trend("incoming", "Incoming", "tickets", charts.sparkline([]), None, 3.0, True)
    assert empty.change is None
    assert empty.change_text == "no comparison"
    assert empty.better is None
    zero = trends.Trend("incoming", "Incoming", "tickets", charts.sparkline([]), 4.0, 0.0, True)
    assert zero.change is None
    worse = trends.Trend("aht", "AHT", "min", charts.sparkline([]), 6.6, 6.0, True)
    assert worse.change_text == "+10%"
    assert worse.better is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 2026-01-05 ", date(2026, 1, 5)),
        (TODAY.isoformat(), TODAY),
    ],
)
def test_held_on_accepts_iso_days_up_to_today(raw, expected):
    assert records.held_on_value(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "05/01/2026", "2026-1-5", "2026-02-30", "\u0662\u0660\u0662\u0666-01-05", "1999-12-31"],
)
def test_held_on_refuses_anything_else_naming_the_field(raw):
    with pytest.raises(ValidationFailed) as refused:
        records.held_on_value(raw, today=TODAY)
    assert set(refused.value.fields) == {"held_on"}


def test_held_on_refuses_the_future():
    with pytest.raises(ValidationFailed, match="cannot be in the future"):
        records.held_on_value((TODAY + timedelta(days=1)).isoformat(), today=TODAY)


def test_recording_needs_a_pm_and_a_vendor_organisation(app, make_user, make_organisation):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)
    internal = make_organisation(name="Internal", is_vendor=False)
    data = records.CheckInInput(held_on=TODAY.isoformat(), notes="  Notes  ")
    with pytest.raises(PermissionDenied):
        act(
            app,
            vendor,
            records.record_checkin,
            organisation_id=_org(vendor),
            data=data,
            today=TODAY,
        )
    with pytest.raises(NotFound):
        act(app, pm, records.record_checkin, organisation_id=internal.id, data=data, today=TODAY)
    made = act(
        app, pm, records.record_checkin, organisation_id=_org(vendor), data=data, today=TODAY
    )
    assert made.notes == "Notes"
    assert made.held_on == TODAY


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("# Heading", "\\# Heading"),
        ("- a list", "\\- a list"),
        ("+ another", "\\+ another"),
        ("1. numbered", "1\\. numbered"),
        ("12) numbered", "12\\) numbered"),
        ("=====", "\\====="),
        ("a | b [c](d) <b>", "a \\| b \\[c\\]\\(d\\) &lt;b&gt;"),
        ("plain words, 2.5 hours", "plain words, 2.5 hours"),
    ],
)
def test_notes_lines_cannot_become_markdown(raw, escaped):
    assert markdown.block_line(raw) == escaped


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Acme Moderation", "acme-moderation"), ("Ünïcode Ltd.", "n-code-ltd"), ("東京", "org-9")],
)
def test_slug_is_ascii_for_the_file_name(name, expected):
    assert markdown.slug(name, "org-9") == expected


def test_markdown_carries_every_section(app, make_user):
    vendor = make_user(Role.VENDOR)
    pm = make_user(Role.PM)
    queue = make_queue(app, "Refund | disputes", organisation_ids=[_org(vendor)])
    idea = add_idea(app, vendor, "Idea [one]")
    with db.session_scope(app) as session:
        session.add(
            CheckIn(
                organisation_id=_org(vendor),
                held_on=TODAY - timedelta(days=200),
                notes="# Agreed\n- first point",
                open_questions="Who owns | it?",
                recorded_by_id=pm.id,
            )
        )
    text = markdown.render(_pack(app, pm, _org(vendor)), base_url="https://tracker.example/")
    assert f"[#{idea} Idea \\[one\\]](https://tracker.example/suggestions/{idea}) · New" in text
    assert f"### [Refund \\| disputes](https://tracker.example/queues/{queue.id})" in text
    assert "| Incoming (tickets) | - | - | no comparison |" in text
    assert "- Who owns \\| it?" in text
    assert "  > \\# Agreed\n  > \\- first point" in text
    for heading in ("## Decisions", "## Delivered and measured", "## Queues", "## Open questions"):
        assert f"\n{heading}\n" in text
