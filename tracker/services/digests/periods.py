"""Digest periods, who gets which digest, and preparing each period's digests exactly once.

A digest covers the time since the same audience and subject's previous digest, up to the latest
scheduled instant (`digests.weekday` at `digests.send_at`, local time in `timezone`). Preparing
writes the `Digest` and one pending `DigestDelivery` per recipient; the unique constraint on
(audience, subject, period start) means a period exists once even when two runs race. Emailing
them is sync/jobs/digest_send.py, by the rules in `tracker.services.digests.delivery`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.errors import Conflict
from tracker.models import (
    AreaSubscription,
    Audience,
    Digest,
    DigestDelivery,
    InitiativeStakeholder,
    Organisation,
    Role,
    Suggestion,
    User,
    Vote,
)
from tracker.permissions import Permission, require
from tracker.services.digests import content as digest_content
from tracker.services.email import preferences

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# --- periods ------------------------------------------------------------------------------------


def period_end_for(settings: Settings, now: datetime) -> datetime:
    """The latest scheduled instant at or before `now` (UTC). The local time stays `send_at`
    across daylight-saving changes, so the UTC instant moves and such a week is 167 or 169 h."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(settings.timezone)
    hour, minute = (int(part) for part in settings.digests.send_at.split(":"))
    local = now.astimezone(zone)
    day = local.date() - timedelta(
        days=(local.weekday() - WEEKDAYS.index(settings.digests.weekday)) % 7
    )
    instant = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
    if instant > now:  # today is the day but the hour has not come yet
        instant = _local_week_before(instant, zone)
    return instant


def _local_week_before(instant: datetime, zone: ZoneInfo) -> datetime:
    """The same local wall-clock time seven calendar days earlier, as UTC."""
    wall = instant.astimezone(zone).replace(tzinfo=None) - timedelta(days=7)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def default_period_start(settings: Settings, period_end: datetime) -> datetime:
    """Where a subject's first digest starts: one local week before its end."""
    return _local_week_before(period_end, ZoneInfo(settings.timezone))


def previous_ends(session: Session, *, before: datetime | None) -> dict[tuple[str, str], datetime]:
    """(audience, subject_key) -> the end of its latest digest (ending before `before`)."""
    query = select(Digest.audience, Digest.subject_key, func.max(Digest.period_end)).group_by(
        col(Digest.audience), col(Digest.subject_key)
    )
    if before is not None:
        query = query.where(col(Digest.period_end) < before)
    return {(audience, subject): end for audience, subject, end in session.exec(query)}


# --- who gets what ------------------------------------------------------------------------------


@dataclass
class Target:
    """One digest to prepare: its audience, subject and the active people it is about or for."""

    audience: Audience
    subject_key: str
    name: str
    recipients: list[User] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.audience.value, self.subject_key)


def _subjects(session: Session) -> list[Target]:
    """Every digest subject with its active people, before email preferences are applied."""
    active = col(User.is_active).is_(True)
    targets: list[Target] = []
    pms = list(
        session.exec(select(User).where(active, col(User.role) == Role.PM).order_by(col(User.id)))
    )
    if pms:
        targets.append(Target(Audience.PM, "all", "All PMs", pms))
    follows = select(InitiativeStakeholder.user_id).union(select(AreaSubscription.user_id))
    stakeholders = session.exec(
        select(User)
        .where(active, col(User.role) == Role.STAKEHOLDER, col(User.id).in_(follows))
        .order_by(col(User.id))
    )
    targets += [
        Target(Audience.STAKEHOLDER, f"user:{u.id}", u.display_name, [u]) for u in stakeholders
    ]
    vendor_rows = session.exec(
        select(Organisation, User)
        .join(User, col(User.organisation_id) == Organisation.id)
        .where(col(Organisation.is_vendor).is_(True), active, col(User.role) == Role.VENDOR)
        .order_by(col(Organisation.name), col(User.id))
    )
    by_org: dict[int, Target] = {}
    for org, user in vendor_rows:
        assert org.id is not None
        by_org.setdefault(
            org.id, Target(Audience.VENDOR, f"org:{org.id}", org.name)
        ).recipients.append(user)
    targets += by_org.values()
    contributed = select(Suggestion.submitter_id).union(select(Vote.user_id))
    submitters = session.exec(
        select(User)
        .where(
            active, col(User.role).in_([Role.SUBMITTER, Role.VENDOR]), col(User.id).in_(contributed)
        )
        .order_by(col(User.id))
    )
    targets += [Target(Audience.SUBMITTER, f"user:{u.id}", u.display_name, [u]) for u in submitters]
    return targets


def _wanting(session: Session, users: Sequence[User]) -> list[User]:
    """The users who have not switched digest emails off (one query)."""
    off = preferences.opted_out(session, [u.id for u in users if u.id is not None], "digests")
    return [u for u in users if u.id not in off]


def targets(session: Session, settings: Settings) -> list[Target]:
    """Every digest subject, each with the active people who want digests by email (possibly none:
    the digest is still prepared for its web page)."""
    found = _subjects(session)
    wanting = {u.id for u in _wanting(session, [u for t in found for u in t.recipients])}
    for target in found:
        target.recipients = [u for u in target.recipients if u.id in wanting]
    return found


# --- preparing ----------------------------------------------------------------------------------


@dataclass
class PlannedDigest:
    target: Target
    period_start: datetime
    period_end: datetime
    content: dict[str, Any]
    recipients: list[User]


# Summary counts of things that happened in the period (stalled items are a standing state).
ACTIVITY = ("new", "accepted", "declined", "merged", "pushed", "status_changes", "delivered")


def is_empty(content: dict[str, Any]) -> bool:
    """True when nothing happened in the period; submitters are not emailed such a digest."""
    summary = content.get("summary", {})
    return not any(summary.get(key) for key in ACTIVITY)


def plan(session: Session, *, settings: Settings, period_end: datetime) -> list[PlannedDigest]:
    """The digests not yet prepared for periods ending at `period_end`, built but not saved.
    A subject whose latest digest already reaches `period_end` is left out."""
    subjects = _subjects(session)
    latest = previous_ends(session, before=None)
    due = [t for t in subjects if t.key not in latest or latest[t.key] < period_end]
    # No mail server: digests are still made for their web pages, emailed to nobody.
    people = [u for t in due for u in t.recipients] if settings.smtp.host else []
    wanting = {u.id for u in _wanting(session, people)}
    planned: list[PlannedDigest] = []
    for target in due:
        start = latest.get(target.key) or default_period_start(settings, period_end)
        content = digest_content.build(
            session,
            audience=target.audience,
            subject_key=target.subject_key,
            period_start=start,
            period_end=period_end,
            settings=settings,
        )
        recipients = [u for u in target.recipients if u.id in wanting]
        if target.audience is Audience.SUBMITTER and is_empty(content):
            recipients = []
        planned.append(PlannedDigest(target, start, period_end, content, recipients))
    return planned


def prepare(
    session: Session, *, settings: Settings, period_end: datetime, created_by: User | None = None
) -> list[Digest]:
    """Save the digests due for `period_end` with a pending delivery per recipient; returns the
    new ones. Idempotent: a period another run prepared first is skipped. Flushes, no commit.
    Without a mail server (smtp.host) the digests are made for their web pages only."""
    created: list[Digest] = []
    for planned in plan(session, settings=settings, period_end=period_end):
        digest = Digest(
            audience=planned.target.audience.value,
            subject_key=planned.target.subject_key,
            period_start=planned.period_start,
            period_end=planned.period_end,
            content=planned.content,
            created_by_id=created_by.id if created_by is not None else None,
        )
        try:
            with session.begin_nested():
                session.add(digest)
                session.flush()
        except IntegrityError:
            log.info(
                "digest %s %s already prepared", planned.target.audience, planned.target.subject_key
            )
            continue
        assert digest.id is not None
        for user in planned.recipients:
            assert user.id is not None
            session.add(DigestDelivery(digest_id=digest.id, user_id=user.id, email=user.email))
        session.flush()
        created.append(digest)
    return created


# --- the PM button ------------------------------------------------------------------------------


def authorise_send_now(*, actor: User, settings: Settings) -> None:
    """May `actor` prepare and send the digests now (sync/jobs/digest_send.py)? Raises
    PermissionDenied for anyone but PMs, Conflict when no mail server is configured."""
    require(actor, Permission.SEND_DIGESTS, "Only PMs can send digests.")
    if not settings.smtp.host:
        raise Conflict("No mail server is configured (smtp.host), so digests cannot be emailed.")
