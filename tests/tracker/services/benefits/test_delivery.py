"""Delivery outside Jira: a PM marks an accepted idea delivered on a day with a note; the move is
recorded like any other (history, notifications, digests) and measured; Jira's deliveries and
hostile days are refused with a sentence naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlmodel import col, select

from tests.helpers.digests import digest_content_of
from tests.helpers.suggestions import act, stored, submit_idea
from tracker import db
from tracker.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tracker.models import (
    Audience,
    Benefit,
    Notification,
    Role,
    Status,
    StatusChange,
    Suggestion,
    User,
)
from tracker.services.accounts import users
from tracker.services.benefits import delivery
from tracker.services.notifications import collection as notifications
from tracker.services.suggestions import decisions, engagement

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)  # a Tuesday morning
RICE = {"reach": 400, "impact": 2, "confidence": 80, "effort": 1}


def accepted(app: Flask, author: User, pm: User) -> int:
    """An idea by `author`, scored and accepted by `pm`."""
    idea = submit_idea(app, author)
    act(app, pm, decisions.score, suggestion_id=idea, framework="rice", inputs=RICE)
    act(app, pm, decisions.change_status, suggestion_id=idea, to="accepted")
    return idea


def deliver(app: Flask, pm: User, idea: int, on: date, note: str = "", now: datetime = NOW):
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        done = delivery.mark_delivered(
            session,
            actor=actor,
            suggestion_id=idea,
            on=on,
            note=note,
            now=now,
            settings=app.config["SETTINGS"],
        )
        return done.corrected, done.delivered_at


def history(app: Flask, idea: int) -> list[StatusChange]:
    with db.session_scope(app) as session:
        return list(
            session.exec(
                select(StatusChange)
                .where(StatusChange.suggestion_id == idea)
                .order_by(col(StatusChange.id))
            )
        )


def field_of(error: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return list(error.value.fields)


def test_a_pm_marks_an_accepted_idea_delivered_with_history_and_a_measurement(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    corrected, moment = deliver(app, pm, idea, date(2026, 3, 2), "New refund macro live.")

    assert not corrected
    # Noon of the day in the configured zone (UTC here), so the day reads the same everywhere.
    assert moment == datetime(2026, 3, 2, 12, tzinfo=UTC)
    found = stored(app, idea)
    assert found.status is Status.DELIVERED
    assert found.delivered_at == datetime(2026, 3, 2, 12, tzinfo=UTC)
    last = history(app, idea)[-1]
    assert (last.actor_id, last.from_status, last.to_status, last.reason) == (
        pm.id,
        "accepted",
        "delivered",
        "New refund macro live.",
    )
    with db.session_scope(app) as session:  # measured at once (no queue: not measurable)
        assert session.get(Benefit, idea) is not None


def test_today_before_noon_is_stored_as_now_and_the_note_may_be_empty(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    _, moment = deliver(app, pm, idea, NOW.date())
    assert moment == NOW  # never in the future
    assert history(app, idea)[-1].reason == "Delivered outside Jira."


def test_the_day_is_read_in_the_configured_zone(
    make_app: Callable[..., Flask], database_url: str, make_user: Callable[..., User]
) -> None:
    app = make_app(database_url, timezone="Pacific/Auckland")
    pm = make_user(Role.PM)
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    evening = datetime(2026, 3, 2, 20, tzinfo=UTC)  # already 3 March, 09:00, in Auckland
    _, moment = deliver(app, pm, idea, date(2026, 3, 3), now=evening)
    assert moment == evening
    with pytest.raises(ValidationFailed) as error:
        deliver(app, pm, idea, date(2026, 3, 4), now=evening)
    assert field_of(error) == ["on"]


def test_a_hand_delivery_can_be_corrected_and_the_history_keeps_both(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    deliver(app, pm, idea, date(2026, 3, 2), "Macro live.")
    corrected, moment = deliver(app, pm, idea, date(2026, 2, 23), "It went live a week earlier.")
    assert corrected
    assert moment == datetime(2026, 2, 23, 12, tzinfo=UTC)
    reasons = [change.reason for change in history(app, idea)[-2:]]
    assert reasons == [
        "Macro live.",
        "Delivery day corrected from 2026-03-02 to 2026-02-23: It went live a week earlier.",
    ]


def test_jira_driven_states_and_undecided_ideas_are_refused(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    author = make_user(Role.SUBMITTER)
    in_jira = accepted(app, author, pm)
    by_jira = accepted(app, author, pm)
    with db.session_scope(app) as session:
        for idea in (in_jira, by_jira):
            found = session.get(Suggestion, idea)
            assert found is not None
            found.status = Status.IN_DELIVERY
            session.add(found)
        done = session.get(Suggestion, by_jira)
        assert done is not None
        decisions.record_system_moves(session, moves=[(done, Status.DELIVERED, "All done")])
    fresh = submit_idea(app, author)

    with pytest.raises(Conflict, match="in delivery in Jira"):
        deliver(app, pm, in_jira, date(2026, 3, 2))
    with pytest.raises(Conflict, match="delivered through Jira"):
        deliver(app, pm, by_jira, date(2026, 3, 2))
    with pytest.raises(Conflict, match="Only an accepted idea"):
        deliver(app, pm, fresh, date(2026, 3, 2))
    assert stored(app, fresh).status is Status.NEW


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.VENDOR, Role.STAKEHOLDER])
def test_only_pms_mark_ideas_delivered(
    app: Flask, make_user: Callable[..., User], pm: User, role: Role
) -> None:
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    with pytest.raises(PermissionDenied):
        deliver(app, make_user(role), idea, date(2026, 3, 2))
    with pytest.raises(NotFound):
        deliver(app, pm, 999_999, date(2026, 3, 2))


@pytest.mark.parametrize(
    ("on", "field"),
    [(date(2026, 3, 11), "on"), (date(1999, 12, 31), "on")],
    ids=["future", "before-2000"],
)
def test_days_out_of_range_name_the_field(
    app: Flask, make_user: Callable[..., User], pm: User, on: date, field: str
) -> None:
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    with pytest.raises(ValidationFailed) as error:
        deliver(app, pm, idea, on)
    assert field_of(error) == [field]
    assert stored(app, idea).status is Status.ACCEPTED


def test_a_note_with_control_characters_or_too_long_is_refused(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    for note in ("live\x00", "x" * (delivery.NOTE_MAX + 1)):
        with pytest.raises(ValidationFailed) as error:
            deliver(app, pm, idea, date(2026, 3, 2), note)
        assert field_of(error) == ["note"]


@pytest.mark.parametrize(
    "typed",
    [
        "2026-02-30",
        "2026-13-01",
        "\uff12\uff10\uff12\uff16-\uff10\uff13-\uff10\uff12",  # full-width digits
        "٢٠٢٦-٠٣-٠٢",  # Arabic-Indic digits
        "2026-3-2",
        "02/03/2026",
        "2026-03-02\x00",
        "",
        None,
        20260302,
        "9" * 5000,
    ],
)
def test_a_typed_day_is_strictly_yyyy_mm_dd(typed: object) -> None:
    with pytest.raises(ValidationFailed) as error:
        delivery.delivery_day(typed)
    assert field_of(error) == ["on"]


def test_a_typed_day_is_read() -> None:
    assert delivery.delivery_day(" 2026-03-02 ") == date(2026, 3, 2)


def test_a_manual_delivery_notifies_and_is_in_the_digest_like_a_jira_one(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    author, fan = make_user(Role.SUBMITTER), make_user(Role.SUBMITTER)
    idea = accepted(app, author, pm)
    act(app, fan, engagement.vote, suggestion_id=idea)
    with db.session_scope(app) as session:  # the acceptance was news already
        notifications.collect(session, now=datetime.now(UTC))
    deliver(app, pm, idea, date(2026, 3, 2), "Macro live.")

    with db.session_scope(app) as session:
        assert notifications.collect(session, now=datetime.now(UTC)) == 2
        told = session.exec(
            select(Notification.user_id, Notification.kind).where(Notification.kind == "delivered")
        ).all()
    assert sorted(told) == sorted([(author.id, "delivered"), (fan.id, "delivered")])

    week = {
        "start": datetime(2026, 3, 2, tzinfo=UTC),
        "end": datetime(2026, 3, 9, tzinfo=UTC),
    }
    content = digest_content_of(app, Audience.PM, "all", **week)
    assert [item["suggestion"]["id"] for item in content["delivered"]] == [idea]
    assert content["summary"]["delivered"] == 1


def test_a_delivery_recorded_late_is_in_the_digest_of_the_week_it_was_recorded(
    app: Flask, make_user: Callable[..., User], pm: User
) -> None:
    """Recorded today for a day months ago: the week it happened has been sent already, so the
    week it was recorded reports it (with its real day); a correction later is no news."""
    idea = accepted(app, make_user(Role.SUBMITTER), pm)
    deliver(app, pm, idea, date(2026, 3, 2), "Macro live.")
    now = datetime.now(UTC)
    this_week = {"start": now - timedelta(days=7), "end": now + timedelta(minutes=1)}
    content = digest_content_of(app, Audience.PM, "all", **this_week)
    assert [item["suggestion"]["id"] for item in content["delivered"]] == [idea]
    assert content["delivered"][0]["at"].startswith("2026-03-02")

    deliver(app, pm, idea, date(2026, 3, 3), "Corrected: went live a day later.")
    later = {"start": now, "end": now + timedelta(days=7)}
    assert digest_content_of(app, Audience.PM, "all", **later)["delivered"] == []
