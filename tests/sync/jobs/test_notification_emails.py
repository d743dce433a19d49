"""Notification emails through a real SMTP server on loopback: who gets them, what they say, one
per person per hour, retries after a refusal, and no second copy after a crash."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from sync.jobs import notifications as notification_jobs
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.notification_world import IdeaWorld
from tests.mail import SmtpServer
from tracker.models import DeliveryStatus, Organisation, Role, User, utcnow
from tracker.services.email import preferences
from tracker.services.email.mailer import Mailer

BASE = "https://tracker.example"


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer) -> Flask:
    return make_app(database_url, smtp=smtp_server.config(), base_url=BASE)


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> IdeaWorld:
    return IdeaWorld(app, make_user, make_user(Role.PM))


def only_email(smtp_server: SmtpServer, user: User) -> tuple[str, str, str]:
    """(subject, text, html) of the one email the user received."""
    received = smtp_server.to(user.email)
    assert len(received) == 1, [m.subject for m in received]
    return received[0].subject, received[0].part("plain"), received[0].part("html")


SENTENCES = {
    "accepted": "was accepted",
    "declined": "was declined",
    "merged": "was merged",
    "pushed": "is in delivery",
    "delivered": "was delivered",
}


@pytest.mark.parametrize("kind", list(SENTENCES))
def test_each_change_emails_submitter_and_voters_but_not_the_actor(
    world: IdeaWorld, smtp_server: SmtpServer, kind: str
) -> None:
    author, fan = world.user(), world.user()
    idea = world.idea(author, title="Macro for refund requests")
    world.vote(fan, idea)
    world.vote(world.pm, idea)
    if kind in ("pushed", "delivered"):
        world.accept(idea)
        if kind == "delivered":
            world.push(idea, "OPS-12")
        world.run()  # the earlier steps go out first; the change under test an hour later
        smtp_server.clear()
    if kind == "accepted":
        world.accept(idea)
    elif kind == "declined":
        world.decline(idea, "Covered by the new refund policy.")
    elif kind == "merged":
        world.merge(idea, world.idea(world.user(), title="Refund macro for every queue"))
    elif kind == "pushed":
        world.push(idea, "OPS-12")
    else:
        world.deliver(idea)
    report = world.run(now=utcnow() + timedelta(hours=2))

    if kind == "delivered":
        # Jira moved it, not the PM: the PM who voted hears about it like everyone else.
        assert report.emails_sent == 3
        assert len(smtp_server.to(world.pm.email)) == 1
    else:
        # The PM decided, merged or asked for the push: not told of their own act.
        assert report.emails_sent == 2
        assert smtp_server.to(world.pm.email) == []
    for person in (author, fan):
        subject, text, html = only_email(smtp_server, person)
        assert subject == f"Your idea “Macro for refund requests” {SENTENCES[kind]}"
        assert f"{BASE}/suggestions/{idea}" in text
        assert f'href="{BASE}/suggestions/{idea}"' in html
    _, text, html = only_email(smtp_server, author)
    assert "You submitted this idea." in text
    assert "You voted for this idea." in only_email(smtp_server, fan)[1]
    expected = {
        "accepted": "It goes on the delivery backlog.",
        "declined": "Reason: Covered by the new refund policy.",
        "merged": 'It is merged into "Refund macro for every queue"',
        "pushed": "User stories are in Jira: OPS-12.",
        "delivered": "The change is live.",
    }[kind]
    assert expected in text


def test_the_email_has_html_and_text_parts_and_one_click_unsubscribe(
    app: Flask, world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    author = world.user()
    world.decline(world.idea(author, title="Refunds <b>now</b>"), "Policy says no.")
    world.run()

    [received] = smtp_server.to(author.email)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    html = received.part("html")
    assert "Refunds &lt;b&gt;now&lt;/b&gt;" in html  # escaped
    assert "<script" not in html.lower()
    assert not re.search(r"<img[^>]+src=\"https?:", html)  # no remote images
    assert "Refunds <b>now</b>" in received.part("plain")
    assert author.id is not None
    url = preferences.unsubscribe_url(app.config["SETTINGS"], author.id, "notifications")
    assert url.startswith(f"{BASE}/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in received.part("plain")
    assert f'href="{url}"' in html


def test_changes_within_the_hour_share_one_email_and_the_next_waits(
    world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    author = world.user()
    first = world.idea(author, title="Macro for refunds")
    second = world.idea(author, title="Queue for scam appeals")
    third = world.idea(author, title="Shortcut for chargebacks")
    start = utcnow()
    world.accept(first)
    world.decline(second, "Not enough volume.")
    world.run(now=start)

    subject, text, _ = only_email(smtp_server, author)
    assert subject == "2 updates on ideas you follow"
    assert '"Macro for refunds" was accepted.' in text
    assert '"Queue for scam appeals" was declined.' in text

    world.accept(third)
    assert world.run(now=start + timedelta(minutes=30)).emails_sent == 0
    assert world.run(now=start + timedelta(minutes=59)).emails_sent == 0
    assert len(smtp_server.to(author.email)) == 1
    assert world.run(now=start + timedelta(minutes=60)).emails_sent == 1
    latest = smtp_server.to(author.email)[-1]
    assert latest.subject == "Your idea “Shortcut for chargebacks” was accepted"
    assert "Macro for refunds" not in latest.part("plain")


def test_the_batch_window_is_configurable(
    make_app: Callable[..., Flask],
    database_url: str,
    smtp_server: SmtpServer,
) -> None:
    app = make_app(database_url, smtp=smtp_server.config(), notifications={"batch_minutes": 10})

    users = user_factory(app, organisation_factory(app))
    world = IdeaWorld(app, users, users(Role.PM))
    author = world.user()
    start = utcnow()
    world.accept(world.idea(author))
    world.run(now=start)
    world.accept(world.idea(author, title="Second"))
    assert world.run(now=start + timedelta(minutes=9)).emails_sent == 0
    assert world.run(now=start + timedelta(minutes=10)).emails_sent == 1


def test_a_refused_email_is_retried_next_run_and_sent_once(
    world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    author = world.user()
    world.accept(world.idea(author))
    smtp_server.refuse_next(1)

    report = world.run()
    assert (report.emails_sent, report.failed) == (0, 1)
    [pending] = world.notifications(author)
    assert pending.status == DeliveryStatus.PENDING.value
    assert pending.attempts == 1
    assert "451" in pending.last_error
    assert smtp_server.to(author.email) == []

    assert world.run().emails_sent == 1
    assert world.run().emails_sent == 0
    assert len(smtp_server.to(author.email)) == 1
    [sent] = world.notifications(author)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, "")


def test_an_unreachable_server_is_retried_next_run(
    world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    author = world.user()
    world.accept(world.idea(author))
    smtp_server.stop()
    assert world.run().failed == 1
    [pending] = world.notifications(author)
    assert pending.status == DeliveryStatus.PENDING.value
    assert "Cannot reach the mail server" in pending.last_error
    smtp_server.start()
    assert world.run().emails_sent == 1
    assert len(smtp_server.to(author.email)) == 1


def test_a_crash_after_sending_does_not_send_the_batch_again(
    world: IdeaWorld, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = world.user()
    world.accept(world.idea(author))
    real_send = Mailer.send

    def send_then_die(self: Mailer, email: object) -> str:
        real_send(self, email)  # type: ignore[arg-type]
        raise SystemExit("killed before recording")

    monkeypatch.setattr(Mailer, "send", send_then_die)
    with pytest.raises(SystemExit):
        world.run()
    monkeypatch.undo()

    report = world.run(now=utcnow() + timedelta(hours=2))
    assert (report.emails_sent, report.unconfirmed) == (0, 1)
    assert len(smtp_server.to(author.email)) == 1
    [left] = world.notifications(author)
    assert left.status == DeliveryStatus.UNCONFIRMED.value


def test_people_who_opted_out_get_nothing(
    app: Flask, world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    from tracker import db

    author, fan = world.user(), world.user()
    idea = world.idea(author)
    world.vote(fan, idea)
    with db.session_scope(app) as session:
        preferences.set_preferences(
            session,
            user=session.get(User, fan.id),  # type: ignore[arg-type]
            settings=app.config["SETTINGS"],
            notifications=False,
            digests=True,
        )
    world.accept(idea)
    assert world.run().emails_sent == 1
    assert smtp_server.to(fan.email) == []
    [skipped] = world.notifications(fan)
    assert skipped.status == "skipped"
    assert skipped.sent_at is not None


def test_a_vendor_is_not_told_where_their_idea_was_merged(
    world: IdeaWorld, smtp_server: SmtpServer, make_organisation: Callable[..., Organisation]
) -> None:
    vendor = world.user(Role.VENDOR, organisation_id=make_organisation("Acme").id)
    agent = world.user()
    secret = world.idea(agent, title="Fraud ring playbook", confidential=True)
    duplicate = world.idea(vendor, title="Playbook for fraud rings")
    world.vote(agent, duplicate)
    world.merge(duplicate, secret)
    world.run()

    _, text, html = only_email(smtp_server, vendor)
    assert "Fraud ring playbook" not in text + html
    assert f"/suggestions/{secret}" not in text + html
    assert "Another idea covers the same need" in text
    _, agent_text, _ = only_email(smtp_server, agent)
    assert 'It is merged into "Fraud ring playbook"' in agent_text

    smtp_server.clear()
    world.accept(secret)
    world.run(now=utcnow() + timedelta(hours=2))
    assert smtp_server.to(vendor.email) == []
    assert len(smtp_server.to(agent.email)) == 1


def test_the_scheduled_job_runs_only_with_a_mail_server_and_the_switches_on(
    make_app: Callable[..., Flask],
    database_url: str,
    smtp_server: SmtpServer,
    world: IdeaWorld,
) -> None:
    assert notification_jobs.notifications_enabled(world.app)
    off: list[dict[str, dict[str, Any]]] = [
        {"smtp": {"host": ""}},
        {"notifications": {"enabled": False}},
        {"scheduler": {"enabled": False}},
    ]
    for overrides in off:
        app = make_app(database_url, **{"smtp": smtp_server.config(), **overrides})
        assert not notification_jobs.notifications_enabled(app), overrides

    author = world.user()
    world.accept(world.idea(author))
    notification_jobs.scheduled_notifications(world.app)
    assert len(smtp_server.to(author.email)) == 1


def test_a_batch_refused_too_often_is_given_up(
    make_app: Callable[..., Flask],
    database_url: str,
    smtp_server: SmtpServer,
    make_user: Callable[..., User],
) -> None:
    app = make_app(
        database_url, smtp=smtp_server.config(), base_url=BASE, notifications={"max_attempts": 2}
    )
    world = IdeaWorld(app, make_user, make_user(Role.PM))
    author = world.user()
    world.accept(world.idea(author))
    smtp_server.refuse_next(2, "550 5.1.1 No such mailbox")
    assert world.run().failed == 1
    assert world.run().failed == 1
    [given_up] = world.notifications(author)
    assert (given_up.status, given_up.attempts) == (DeliveryStatus.FAILED.value, 2)
    assert "550" in given_up.last_error
    assert world.run().emails_sent == 0
    assert smtp_server.to(author.email) == []


def test_an_email_that_cannot_be_rendered_does_not_stop_the_others(
    world: IdeaWorld, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, fine = world.user(), world.user()
    world.accept(world.idea(broken))
    world.accept(world.idea(fine))
    real_compose = notification_jobs.compose

    def compose(app: Flask, batch: Any) -> Any:
        if batch.user_id == broken.id:
            raise KeyError("a template bug")
        return real_compose(app, batch)

    monkeypatch.setattr(notification_jobs, "compose", compose)
    report = world.run()

    assert (report.emails_sent, report.failed) == (1, 1)
    assert smtp_server.to(broken.email) == []
    assert len(smtp_server.to(fine.email)) == 1
    [pending] = world.notifications(broken)
    assert (pending.status, pending.attempts) == (DeliveryStatus.PENDING.value, 1)
    assert "could not be rendered" in pending.last_error
