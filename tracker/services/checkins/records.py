"""Recording a check-in held with a vendor organisation: the day, the notes and the questions
left open. The next pack starts from that day (services/checkins/pack.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from tracker.errors import ValidationFailed
from tracker.inputs import clean_text
from tracker.models import CheckIn, User
from tracker.permissions import Permission, require
from tracker.services.checkins.pack import get_organisation, question_lines

MAX_NOTES = 20_000
MAX_QUESTIONS = 10_000
MAX_QUESTION_LINES = 50
# A check-in recorded long after the fact is fine; one before the tracker existed is a typo.
EARLIEST = date(2000, 1, 1)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass(frozen=True)
class CheckInInput:
    held_on: str  # as typed: YYYY-MM-DD
    notes: str = ""
    open_questions: str = ""


def held_on_value(raw: str, *, today: date) -> date:
    """The day a check-in was held: YYYY-MM-DD in ASCII digits, from EARLIEST to `today`.
    ValidationFailed naming `held_on` otherwise."""
    text = raw.strip()
    day: date | None = None
    if _ISO_DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None:
        raise _refuse("held_on", "Give the day it was held as YYYY-MM-DD, e.g. 2026-03-31.")
    if day > today:
        raise _refuse(
            "held_on", f"The check-in cannot be in the future: give {today.isoformat()} or before."
        )
    if day < EARLIEST:
        raise _refuse("held_on", f"Give a day from {EARLIEST.isoformat()} on.")
    return day


def _refuse(field: str, sentence: str) -> ValidationFailed:
    return ValidationFailed(sentence, fields={field: sentence})


def _text(raw: str, field: str, limit: int, label: str) -> str:
    text = clean_text(raw, field).strip()
    if len(text) > limit:
        raise _refuse(field, f"{label} are too long: at most {limit:,} characters.")
    return text


def record_checkin(
    session: Session, *, actor: User, organisation_id: int, data: CheckInInput, today: date
) -> CheckIn:
    """Store a check-in; PermissionDenied without RECORD_CHECKINS, NotFound for an organisation
    that has no pack, ValidationFailed naming the field for a bad day or text."""
    require(actor, Permission.RECORD_CHECKINS, "Only product managers record check-ins.")
    organisation = get_organisation(session, actor=actor, organisation_id=organisation_id)
    held_on = held_on_value(data.held_on, today=today)
    notes = _text(data.notes, "notes", MAX_NOTES, "Notes")
    asked = question_lines(_text(data.open_questions, "open_questions", MAX_QUESTIONS, "Questions"))
    if len(asked) > MAX_QUESTION_LINES:
        raise _refuse(
            "open_questions", f"List at most {MAX_QUESTION_LINES} questions, one per line."
        )
    assert organisation.id is not None
    checkin = CheckIn(
        organisation_id=organisation.id,
        held_on=held_on,
        notes=notes,
        open_questions="\n".join(asked),
        recorded_by_id=actor.id,
    )
    session.add(checkin)
    session.flush()
    return checkin
