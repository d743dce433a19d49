"""Digests emailed through a real SMTP server on loopback: who gets what, once, and what happens
when the server refuses, is down, or the sending process dies between sending and recording."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from sync.jobs import digests as digest_jobs
from sync.jobs.digest_send import send_now, send_pending
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.digests import (
    BASE_URL,
    DigestWorld,
    deactivate,
    deliveries,
    digest_rows,
    digest_settings,
    turn_digests_off,
)
from tests.mail import SmtpServer
from tracker import db
from tracker.errors import Conflict, PermissionDenied
from tracker.models import (
    DeliveryStatus,
    Digest,
    DigestDelivery,
    Role,
    User,
    utcnow,
)
from tracker.services.digests import delivery as digest_delivery
from tracker.services.digests import periods as digests


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer) -> Flask:
    return make_app(database_url, **digest_settings(smtp_server))


def addresses(server: SmtpServer) -> list[str]:
    return sorted(r for message in server.messages for r in message.recipients)


# --- who gets what ------------------------------------------------------------------------------


def test_each_recipient_gets_one_email_with_html_and_text_parts(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    result = send_now(app, actor=digest_world.pm)

    w = digest_world
    assert addresses(smtp_server) == sorted(
        [
            w.pm.email,
            w.pm2.email,
            w.stakeholder.email,
            w.vendor_a.email,  # Acme's digest
            w.vendor_a.email,  # their own ideas
            w.vendor_a2.email,
            w.vendor_b.email,
            w.agent.email,
        ]
    )
    assert (result.report.sent, result.report.failed) == (8, 0)
    for message in smtp_server.messages:
        html, text = message.part("html"), message.part("plain")
        assert "<script" not in html.lower()
        assert not re.search(r"""src\s*=\s*["']?https?:""", html, re.IGNORECASE)
        assert text.strip()
        unsubscribe = message.message["List-Unsubscribe"]
        assert unsubscribe.startswith(f"<{BASE_URL}/unsubscribe/")
        assert message.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe.strip("<>") in text
        digest_id = re.match(r"<digest-(\d+)-", str(message.message["Message-ID"]))
        assert digest_id is not None
        assert f"{BASE_URL}/digests/{digest_id.group(1)}" in text  # the permalink
    rows = deliveries(app)
    assert {row.status for row in rows} == {DeliveryStatus.SENT.value}
    for row in rows:
        assert row.message_id == f"<digest-{row.digest_id}-{row.user_id}@tracker.example>"
        assert row.sent_at is not None
        assert row.attempts == 1
    received_ids = {str(m.message["Message-ID"]) for m in smtp_server.messages}
    assert received_ids == {row.message_id for row in rows}


def test_nobody_deactivated_opted_out_idle_or_an_admin_gets_a_digest(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    send_now(app, actor=digest_world.pm)

    for person in (
        digest_world.opted_out_pm,
        digest_world.gone_pm,
        digest_world.admin,
        digest_world.idle_stakeholder,
        digest_world.quiet_agent,
    ):
        assert smtp_server.to(person.email) == [], person.email
    with db.session_scope(app) as session:
        pm_target = digests.targets(session, app.config["SETTINGS"])[0]
        assert [u.email for u in pm_target.recipients] == [
            digest_world.pm.email,
            digest_world.pm2.email,
        ]


def test_vendors_only_get_their_own_organisations_digest(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    send_now(app, actor=digest_world.pm)

    [globex_mail] = smtp_server.to(digest_world.vendor_b.email)
    assert "Globex Review" in globex_mail.subject
    assert digest_world.acme_idea.title not in globex_mail.part("plain")
    assert digest_world.agent_idea.title not in globex_mail.part("plain")
    acme_mails = list(smtp_server.to(digest_world.vendor_a2.email))
    assert len(acme_mails) == 1
    assert "Acme Moderation" in acme_mails[0].subject
    assert digest_world.acme_idea.title in acme_mails[0].part("plain")
    assert digest_world.agent_idea.title not in acme_mails[0].part("plain")


def test_a_submitter_hears_about_their_idea_and_not_when_nothing_happened(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    send_now(app, actor=digest_world.pm)
    [mail] = smtp_server.to(digest_world.agent.email)
    assert digest_world.agent_idea.title in mail.part("plain")
    smtp_server.clear()

    # A week later nothing happened to the agent's idea: the digest is kept, not emailed.
    with db.session_scope(app) as session:
        later = digests.prepare(
            session, settings=app.config["SETTINGS"], period_end=utcnow() + timedelta(days=7)
        )
    send_pending(app)

    submitter = [d for d in later if d.subject_key == f"user:{digest_world.agent.id}"]
    assert len(submitter) == 1
    assert smtp_server.to(digest_world.agent.email) == []
    assert smtp_server.to(digest_world.pm.email) != []  # PMs get the portfolio digest every week


# --- exactly once -------------------------------------------------------------------------------


def test_a_second_run_sends_nothing(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    now = utcnow()
    settings = app.config["SETTINGS"]
    with db.session_scope(app) as session:
        first = digests.prepare(session, settings=settings, period_end=now)
    send_pending(app, now=now)
    sent = len(smtp_server.messages)

    with db.session_scope(app) as session:
        again = digests.prepare(session, settings=settings, period_end=now)
    report = send_pending(app, now=now + timedelta(hours=1))

    assert first
    assert again == []
    assert report.sent == 0
    assert len(smtp_server.messages) == sent
    assert len(digest_rows(app)) == len(first)


def test_a_period_prepared_by_a_racing_run_is_skipped_not_duplicated(
    app: Flask, digest_world: DigestWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = app.config["SETTINGS"]
    end = utcnow()
    real_plan = digests.plan

    def plan_then_lose_the_race(session: Any, **kwargs: Any) -> list[digests.PlannedDigest]:
        planned = real_plan(session, **kwargs)
        first = planned[0]
        with db.session_scope(app) as other:  # another process commits the PM digest first
            other.add(
                Digest(
                    audience=first.target.audience.value,
                    subject_key=first.target.subject_key,
                    period_start=first.period_start,
                    period_end=first.period_end,
                    content=first.content,
                )
            )
        return planned

    monkeypatch.setattr(digests, "plan", plan_then_lose_the_race)
    with db.session_scope(app) as session:
        created = digests.prepare(session, settings=settings, period_end=end)

    rows = digest_rows(app)
    assert ("pm", "all") not in {(d.audience, d.subject_key) for d in created}
    assert len(rows) == len(created) + 1
    assert [d.subject_key for d in rows].count("all") == 1
    assert all(d.digest_id != rows[0].id for d in deliveries(app))


# --- failures -----------------------------------------------------------------------------------


@pytest.fixture
def one_pm(app: Flask, make_user: Callable[..., User]) -> User:
    return make_user(Role.PM)


def prepare_now(app: Flask, now: datetime) -> None:
    with db.session_scope(app) as session:
        digests.prepare(session, settings=app.config["SETTINGS"], period_end=now)


def only_delivery(app: Flask) -> DigestDelivery:
    [row] = deliveries(app)
    return row


def test_a_temporary_refusal_is_retried_after_the_backoff_then_sent_once(
    app: Flask, one_pm: User, smtp_server: SmtpServer
) -> None:
    now = utcnow()
    prepare_now(app, now)
    smtp_server.refuse_next(1)

    report = send_pending(app, now=now)

    row = only_delivery(app)
    assert (report.sent, report.failed) == (0, 1)
    assert row.status == DeliveryStatus.FAILED.value
    assert row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at is not None
    assert timedelta(minutes=5) <= row.next_attempt_at - now < timedelta(minutes=6)

    assert send_pending(app, now=now + timedelta(minutes=4)).sent == 0
    assert smtp_server.messages == []

    assert send_pending(app, now=now + timedelta(minutes=6)).sent == 1
    assert send_pending(app, now=now + timedelta(hours=2)).sent == 0
    row = only_delivery(app)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT.value, 2, "")
    assert len(smtp_server.to(one_pm.email)) == 1


def test_the_backoff_doubles_and_stops_at_max_attempts(
    make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer
) -> None:
    app = make_app(database_url, smtp=smtp_server.config(), digests={"max_attempts": 3})
    user_factory(app, organisation_factory(app))(Role.PM)
    now = utcnow()
    prepare_now(app, now)
    smtp_server.refuse_next(5)

    waits = []
    at = now
    for _ in range(3):
        send_pending(app, now=at)
        row = only_delivery(app)
        if row.next_attempt_at is not None:
            waits.append(row.next_attempt_at - at)
            at = row.next_attempt_at + timedelta(seconds=1)

    row = only_delivery(app)
    assert [round(w / timedelta(minutes=1)) for w in waits] == [5, 10]
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED.value, 3, None)
    assert send_pending(app, now=at + timedelta(days=1)).failed == 0  # given up
    assert smtp_server.messages == []


def test_a_permanent_refusal_is_not_retried(
    app: Flask, one_pm: User, smtp_server: SmtpServer
) -> None:
    now = utcnow()
    prepare_now(app, now)
    smtp_server.refuse_next(1, "550 5.1.1 No such mailbox")

    send_pending(app, now=now)
    send_pending(app, now=now + timedelta(days=1))

    row = only_delivery(app)
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED.value, 1, None)
    assert "550" in row.last_error
    assert smtp_server.messages == []


def test_an_unreachable_server_fails_the_attempt_and_a_later_run_sends(
    app: Flask, make_user: Callable[..., User], smtp_server: SmtpServer
) -> None:
    first, second = make_user(Role.PM), make_user(Role.PM)
    now = utcnow()
    prepare_now(app, now)
    smtp_server.stop()

    report = send_pending(app, now=now)

    assert (report.sent, report.failed) == (0, 1)
    statuses = sorted(row.status for row in deliveries(app))
    assert statuses == [DeliveryStatus.FAILED.value, DeliveryStatus.PENDING.value]
    assert "Cannot reach the mail server" in report.errors[0]

    smtp_server.start()
    assert send_pending(app, now=now + timedelta(minutes=6)).sent == 2
    assert sorted(addresses(smtp_server)) == sorted([first.email, second.email])


def test_a_crash_between_sending_and_recording_does_not_send_twice(
    app: Flask, one_pm: User, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    prepare_now(app, now)

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # the process dies right after the server accepted the email

    monkeypatch.setattr(digest_delivery, "mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        send_pending(app, now=now)
    monkeypatch.undo()
    assert len(smtp_server.messages) == 1
    assert only_delivery(app).status == DeliveryStatus.SENDING.value

    report = send_pending(app, now=now + timedelta(hours=1))
    later = send_pending(app, now=now + timedelta(days=1))

    assert (report.unconfirmed, report.sent, later.sent, later.unconfirmed) == (1, 0, 0, 0)
    assert len(smtp_server.messages) == 1
    row = only_delivery(app)
    assert row.status == DeliveryStatus.UNCONFIRMED.value
    assert "not sent again" in row.last_error


def test_someone_deactivated_or_opted_out_after_preparing_gets_nothing(
    app: Flask, make_user: Callable[..., User], smtp_server: SmtpServer
) -> None:
    leaving, unsubscribing, staying = make_user(Role.PM), make_user(Role.PM), make_user(Role.PM)
    now = utcnow()
    prepare_now(app, now)
    deactivate(app, leaving)
    turn_digests_off(app, unsubscribing)

    report = send_pending(app, now=now)

    assert addresses(smtp_server) == [staying.email]
    assert (report.sent, report.skipped) == (1, 2)
    by_user = {row.user_id: row for row in deliveries(app)}
    assert leaving.id is not None
    assert unsubscribing.id is not None
    assert {by_user[leaving.id].status, by_user[unsubscribing.id].status} == {
        DeliveryStatus.SKIPPED.value
    }
    assert by_user[leaving.id].last_error == "Not sent: the account is deactivated."
    assert by_user[unsubscribing.id].last_error == "Not sent: digests are turned off."


# --- the PM button ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.VENDOR, Role.SUBMITTER])
def test_only_pms_may_send_now(
    app: Flask, make_user: Callable[..., User], smtp_server: SmtpServer, role: Role
) -> None:
    make_user(Role.PM)
    with pytest.raises(PermissionDenied):
        send_now(app, actor=make_user(role))
    assert digest_rows(app) == []
    assert smtp_server.messages == []


def test_send_now_without_a_mail_server_is_refused(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url)
    pm = user_factory(app, organisation_factory(app))(Role.PM)
    with pytest.raises(Conflict, match=r"smtp\.host"):
        send_now(app, actor=pm)
    assert digest_rows(app) == []


# --- the scheduled job --------------------------------------------------------------------------


def test_the_hourly_job_prepares_the_scheduled_period_once_and_retries_due_failures(
    app: Flask, one_pm: User, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [utcnow()]
    monkeypatch.setattr(digest_jobs, "utcnow", lambda: clock[0])
    smtp_server.refuse_next(1)

    digest_jobs.scheduled_digests(app)
    assert only_delivery(app).status == DeliveryStatus.FAILED.value
    for _ in range(3):
        clock[0] += timedelta(hours=1)
        digest_jobs.scheduled_digests(app)

    [digest] = digest_rows(app)
    assert digest.period_end == digests.period_end_for(app.config["SETTINGS"], clock[0])
    assert only_delivery(app).status == DeliveryStatus.SENT.value
    assert len(smtp_server.to(one_pm.email)) == 1


def test_the_job_follows_the_digest_and_scheduler_switches(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    assert digest_jobs.digests_enabled(make_app(database_url))
    assert not digest_jobs.digests_enabled(make_app(database_url, digests={"enabled": False}))
    assert not digest_jobs.digests_enabled(make_app(database_url, scheduler={"enabled": False}))
