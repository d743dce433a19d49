"""Digest periods: the scheduled instant in local time across daylight-saving changes, exact
boundaries, and each period starting where the subject's previous digest ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import col, select

from sync.jobs import digest_send
from tests.helpers.accounts import organisation_factory, user_factory
from tests.mail import SmtpServer
from tracker import db
from tracker.config import Settings
from tracker.models import Digest, Role, User, utcnow
from tracker.services.digests import periods as digests

MICROSECOND = timedelta(microseconds=1)


def settings(**digest_settings: Any) -> Settings:
    zone = digest_settings.pop("timezone", "Europe/Dublin")
    return Settings(timezone=zone, digests=digest_settings)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- the scheduled instant ----------------------------------------------------------------------


def test_the_period_ends_at_the_latest_monday_nine_oclock_local_time() -> None:
    dublin = settings()
    # Wednesday 25 Nov 2026; Dublin is on GMT in winter.
    assert digests.period_end_for(dublin, utc(2026, 11, 25, 12)) == utc(2026, 11, 23, 9)
    # Monday at 08:59 the digest of that day is not due yet.
    assert digests.period_end_for(dublin, utc(2026, 11, 23, 8, 59)) == utc(2026, 11, 16, 9)


def test_the_boundary_is_the_instant_itself() -> None:
    dublin = settings()
    instant = utc(2026, 11, 23, 9)

    assert digests.period_end_for(dublin, instant) == instant
    assert digests.period_end_for(dublin, instant - MICROSECOND) == instant - timedelta(days=7)
    assert digests.period_end_for(dublin, instant + MICROSECOND) == instant


def test_summer_time_keeps_nine_oclock_local_and_moves_the_utc_instant() -> None:
    dublin = settings()
    # Irish summer time starts Sunday 29 March 2026: 09:00 IST is 08:00 UTC.
    after = digests.period_end_for(dublin, utc(2026, 3, 30, 12))
    before = digests.period_end_for(dublin, utc(2026, 3, 24))

    assert (before, after) == (utc(2026, 3, 23, 9), utc(2026, 3, 30, 8))
    assert digests.default_period_start(dublin, after) == before
    assert after - before == timedelta(hours=167)
    # On the Monday at 08:30 UTC it is 09:30 local: due already.
    assert digests.period_end_for(dublin, utc(2026, 3, 30, 8, 30)) == after


def test_a_week_across_the_end_of_new_york_daylight_time_is_169_hours() -> None:
    new_york = settings(timezone="America/New_York")
    # Daylight time ends Sunday 1 November 2026: 09:00 EDT is 13:00 UTC, 09:00 EST is 14:00.
    end = digests.period_end_for(new_york, utc(2026, 11, 2, 15))

    assert end == utc(2026, 11, 2, 14)
    assert digests.default_period_start(new_york, end) == utc(2026, 10, 26, 13)
    assert end - digests.default_period_start(new_york, end) == timedelta(hours=169)
    # 13:30 UTC that Monday is 08:30 EST: the week before is still the latest.
    assert digests.period_end_for(new_york, utc(2026, 11, 2, 13, 30)) == utc(2026, 10, 26, 13)


def test_another_weekday_and_time_from_the_settings() -> None:
    friday = settings(timezone="America/New_York", weekday="friday", send_at="17:30")

    # Friday 6 March 2026 17:30 EST = 22:30 UTC; the next Friday is in daylight time (21:30 UTC).
    assert digests.period_end_for(friday, utc(2026, 3, 9)) == utc(2026, 3, 6, 22, 30)
    assert digests.period_end_for(friday, utc(2026, 3, 13, 21, 30)) == utc(2026, 3, 13, 21, 30)
    assert digests.period_end_for(friday, utc(2026, 3, 13, 21, 29)) == utc(2026, 3, 6, 22, 30)


def test_now_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        digests.period_end_for(settings(), datetime(2026, 11, 23, 9))


# --- one period after the other -----------------------------------------------------------------


def pm_digests(app: Flask) -> list[Digest]:
    with db.session_scope(app) as session:
        return list(
            session.exec(
                select(Digest).where(Digest.subject_key == "all").order_by(col(Digest.period_end))
            )
        )


def prepare(app: Flask, period_end: datetime) -> list[Digest]:
    with db.session_scope(app) as session:
        return digests.prepare(session, settings=app.config["SETTINGS"], period_end=period_end)


@pytest.fixture
def dublin_app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url, timezone="Europe/Dublin")


def add_pm(app: Flask) -> User:
    return user_factory(app, organisation_factory(app))(Role.PM)


def test_each_period_starts_where_the_previous_digest_ended(dublin_app: Flask) -> None:
    app = dublin_app
    add_pm(app)

    prepare(app, utc(2026, 3, 23, 9))
    prepare(app, utc(2026, 3, 30, 8))
    assert prepare(app, utc(2026, 3, 30, 8)) == []  # a period is prepared once

    first, second = pm_digests(app)
    assert (first.period_start, first.period_end) == (utc(2026, 3, 16, 9), utc(2026, 3, 23, 9))
    assert (second.period_start, second.period_end) == (utc(2026, 3, 23, 9), utc(2026, 3, 30, 8))
    assert second.content["period"]["start"].startswith("2026-03-23T09:00")


def test_a_missed_week_is_covered_by_the_next_digest(dublin_app: Flask) -> None:
    app = dublin_app
    add_pm(app)

    prepare(app, utc(2026, 11, 9, 9))
    prepare(app, utc(2026, 11, 23, 9))  # the scheduler was down on 16 November

    assert [(d.period_start, d.period_end) for d in pm_digests(app)] == [
        (utc(2026, 11, 2, 9), utc(2026, 11, 9, 9)),
        (utc(2026, 11, 9, 9), utc(2026, 11, 23, 9)),
    ]


def test_send_now_moves_the_start_of_the_next_scheduled_digest(
    make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer
) -> None:
    app = make_app(database_url, smtp=smtp_server.config())
    pm = add_pm(app)
    scheduled = digests.period_end_for(app.config["SETTINGS"], utcnow())
    prepare(app, scheduled)

    pressed = utcnow()
    result = digest_send.send_now(app, actor=pm, now=pressed)
    next_week = scheduled + timedelta(days=7)
    assert prepare(app, scheduled) == []  # the scheduled period is not prepared again
    prepare(app, next_week)

    assert result.prepared == 1
    assert result.report.sent == 2  # the scheduled week's email was still pending
    assert [(d.period_start, d.period_end, d.created_by_id) for d in pm_digests(app)] == [
        (digests.default_period_start(app.config["SETTINGS"], scheduled), scheduled, None),
        (scheduled, pressed, pm.id),
        (pressed, next_week, None),
    ]
