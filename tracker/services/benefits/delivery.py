"""Delivery outside Jira: a PM marks an accepted idea delivered on a day, with a note.

Process, training and macro changes never go to Jira, yet they are measured like the rest
(services/benefits/measure.py). The move is recorded through decisions.record_move, so the
history, notifications (services/notifications/collection.py reads StatusChange rows) and
digests (which read Suggestion.delivered_at) treat it as they treat a Jira delivery. Ideas that
went to Jira keep the date the sync gives them: only an accepted idea, or one delivered by hand
whose day or note needs correcting, may be marked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.errors import Conflict, ValidationFailed
from tracker.inputs import clean_text
from tracker.models import Status, StatusChange, Suggestion, User
from tracker.permissions import Permission, allowed, require
from tracker.services.benefits import measure
from tracker.services.suggestions import decisions
from tracker.services.suggestions.submissions import get_suggestion

# Nothing the tracker measures predates it by decades: an older day is a typo (0206 for 2026).
EARLIEST = date(2000, 1, 1)
NOTE_MAX = 10_000
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DENIED = "Only PMs mark ideas delivered."
_DEFAULT_REASON = "Delivered outside Jira."


@dataclass(frozen=True)
class Delivered:
    suggestion: Suggestion
    change: StatusChange
    delivered_on: date
    delivered_at: datetime  # what is stored: noon that day in the zone, or the moment of marking
    corrected: bool  # an earlier hand delivery's day or note was corrected


def delivery_day(raw: object, field: str = "on") -> date:
    """A day typed as YYYY-MM-DD (ASCII digits), or ValidationFailed naming `field`."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _DAY.fullmatch(text):
        sentence = "Give the day it was delivered as YYYY-MM-DD, for example 2026-03-02."
        raise ValidationFailed(sentence, fields={field: sentence})
    try:
        return date.fromisoformat(text)
    except ValueError:
        sentence = f"{text} is not a day of the calendar."
        raise ValidationFailed(sentence, fields={field: sentence}) from None


def delivered_moment(on: date, *, now: datetime, zone: str) -> datetime:
    """When a delivery on the day `on` is stored: noon in the configured zone (the middle of
    the day, so it reads as that day in the zone and in UTC alike, and measure.local_day gives
    `on` back), or `now` when noon is still to come; delivery is never in the future."""
    noon = datetime.combine(on, time(12), tzinfo=ZoneInfo(zone))
    return min(noon, now).astimezone(UTC)


def hand_delivered(session: Session, suggestion: Suggestion) -> bool:
    """Whether the idea was delivered by a person rather than by the Jira sync: the latest
    move to delivered has an actor (the sync records its moves without one)."""
    if suggestion.status is not Status.DELIVERED:
        return False
    actor_id = session.exec(
        select(StatusChange.actor_id)
        .where(
            StatusChange.suggestion_id == suggestion.id,
            StatusChange.to_status == Status.DELIVERED.value,
        )
        .order_by(col(StatusChange.id).desc())
        .limit(1)
    ).first()
    return actor_id is not None


def can_mark(session: Session, actor: User, suggestion: Suggestion) -> bool:
    """Whether the actor may mark this idea delivered (or correct its hand delivery) now."""
    if not allowed(actor, Permission.TRIAGE):
        return False
    return suggestion.status is Status.ACCEPTED or hand_delivered(session, suggestion)


def _refuse_state(session: Session, suggestion: Suggestion) -> None:
    number = f"#{suggestion.id}"
    if suggestion.status is Status.IN_DELIVERY:
        raise Conflict(
            f"{number} is in delivery in Jira: it becomes delivered when its stories are done "
            "there, on the day the sync reads."
        )
    if suggestion.status is Status.DELIVERED and not hand_delivered(session, suggestion):
        raise Conflict(f"{number} was delivered through Jira; its delivery day follows Jira.")
    if suggestion.status not in (Status.ACCEPTED, Status.DELIVERED):
        raise Conflict(
            f"Only an accepted idea can be marked delivered; {number} is "
            f"{suggestion.status.label.lower()}."
        )


def _check_day(on: date, *, now: datetime, zone: str) -> None:
    today = measure.local_day(now, zone)
    if on > today:
        sentence = f"{on.isoformat()} is in the future; give the day it was delivered."
        raise ValidationFailed(sentence, fields={"on": sentence})
    if on < EARLIEST:
        sentence = f"{on.isoformat()} is before {EARLIEST.year}; check the year."
        raise ValidationFailed(sentence, fields={"on": sentence})


def _clean_note(note: str) -> str:
    note = clean_text(note, "note").strip()
    if len(note) > NOTE_MAX:
        sentence = f"Note must be at most {NOTE_MAX:,} characters."
        raise ValidationFailed(sentence, fields={"note": sentence})
    return note


def mark_delivered(
    session: Session,
    *,
    actor: User,
    suggestion_id: int,
    on: date,
    note: str,
    now: datetime,
    settings: Settings,
) -> Delivered:
    """Mark an accepted idea delivered on the day `on` (in the configured zone), or correct the
    day and note of an idea delivered this way before; the history keeps both, with the PM as
    actor and the note as reason. Then measures it (measure.refresh) with the new day.

    PermissionDenied for non-PMs, NotFound for an idea the actor may not see, Conflict for an
    idea Jira delivers (in delivery, or delivered by the sync) or not yet accepted, and
    ValidationFailed naming `on` or `note`."""
    require(actor, Permission.TRIAGE, _DENIED)
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    _refuse_state(session, suggestion)
    _check_day(on, now=now, zone=settings.timezone)
    text = _clean_note(note)
    corrected = suggestion.status is Status.DELIVERED
    if corrected:
        before = suggestion.delivered_at
        was = measure.local_day(before, settings.timezone).isoformat() if before else "unknown"
        reason = f"Delivery day corrected from {was} to {on.isoformat()}"
        reason += f": {text}" if text else "."
    else:
        reason = text or _DEFAULT_REASON
    moment = delivered_moment(on, now=now, zone=settings.timezone)
    suggestion.delivered_at = moment
    change = decisions.record_move(
        session, suggestion=suggestion, actor=actor, to=Status.DELIVERED, reason=reason
    )
    if settings.benefits.enabled:
        measure.refresh(session, settings=settings, now=now, suggestion_ids=[suggestion_id])
    return Delivered(suggestion, change, on, moment, corrected)


def recorded_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """A WHERE clause on Suggestion: delivered by hand with the delivery recorded in
    [start, end). A PM often records a delivery days after it happened; digests of the week it
    was recorded report it, as they would a Jira delivery synced that week."""
    return and_(
        col(Suggestion.status) == Status.DELIVERED,
        exists().where(
            col(StatusChange.suggestion_id) == col(Suggestion.id),
            col(StatusChange.to_status) == Status.DELIVERED.value,
            col(StatusChange.from_status) == Status.ACCEPTED.value,
            col(StatusChange.actor_id).is_not(None),
            col(StatusChange.created_at) >= start,
            col(StatusChange.created_at) < end,
        ),
    )
