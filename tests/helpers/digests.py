"""Digests emailed to a world of readers: the app settings, the people and ideas they are about,
and the rows sending leaves behind. The `digest_world` fixture is in tests/plugins/digests.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlmodel import col, select

from tests.helpers.suggestions import suggestion_input
from tracker import db
from tracker.config import DEFAULT_AREAS
from tracker.models import AreaSubscription, Audience, Digest, DigestDelivery, Suggestion, User
from tracker.services.accounts import users
from tracker.services.digests import content as digest_content
from tracker.services.email import preferences
from tracker.services.suggestions import submissions

if TYPE_CHECKING:
    from tests.mail import SmtpServer

BASE_URL = "https://tracker.example"
AREA = "Scams and fraud"


def digest_settings(smtp_server: SmtpServer) -> dict[str, Any]:
    """Settings for `make_app`: mail to the test's SMTP server, links to BASE_URL, Dublin time."""
    return {"smtp": smtp_server.config(), "base_url": BASE_URL, "timezone": "Europe/Dublin"}


def submit(app: Flask, author: User, title: str, **fields: Any) -> Suggestion:
    with db.session_scope(app) as session:
        return submissions.create_suggestion(
            session,
            actor=author,
            raw=suggestion_input(title=title, **fields),
            areas=list(DEFAULT_AREAS),
        )


def follow_area(app: Flask, user: User, area: str = AREA) -> None:
    with db.session_scope(app) as session:
        session.add(AreaSubscription(user_id=user.id or 0, area=area))


def turn_digests_off(app: Flask, user: User) -> None:
    with db.session_scope(app) as session:
        preferences.set_preferences(
            session,
            user=user,
            settings=app.config["SETTINGS"],
            notifications=True,
            digests=False,
        )


def deactivate(app: Flask, user: User) -> None:
    with db.session_scope(app) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        users.set_active(session, actor=None, user=stored, active=False)


def deliveries(app: Flask) -> list[DigestDelivery]:
    with db.session_scope(app) as session:
        return list(session.exec(select(DigestDelivery).order_by(col(DigestDelivery.id))))


def digest_rows(app: Flask) -> list[Digest]:
    with db.session_scope(app) as session:
        return list(session.exec(select(Digest).order_by(col(Digest.id))))


@dataclass
class DigestWorld:
    pm: User
    pm2: User
    stakeholder: User
    vendor_a: User  # submitted an idea: gets the Acme digest and their own submitter digest
    vendor_a2: User
    vendor_b: User
    agent: User  # submitted an idea
    quiet_agent: User  # voted on nothing, submitted nothing
    opted_out_pm: User
    gone_pm: User
    admin: User
    idle_stakeholder: User  # follows nothing
    acme_idea: Suggestion
    agent_idea: Suggestion


def digest_content_of(
    app: Flask, audience: Audience, subject_key: str, *, start: datetime, end: datetime
) -> dict[str, Any]:
    """What a digest for `audience` / `subject_key` over [start, end) would hold."""
    with db.session_scope(app) as session:
        return digest_content.build(
            session,
            audience=audience,
            subject_key=subject_key,
            period_start=start,
            period_end=end,
            settings=app.config["SETTINGS"],
        )
