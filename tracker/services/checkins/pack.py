"""What a vendor check-in pack holds, one call per pack: since the last check-in (or the last
DEFAULT_DAYS without one), the organisation's ideas, the decisions on them, what was delivered
and what its measurement says, its queues' trends and signals, the open questions to it and
the past check-ins.

Vendor staff see their own organisation's pack only; any other id, like an unknown or internal
organisation, is NotFound, so the answer does not tell which organisations exist. Ideas follow
the benefit visibility rule (services/benefits/visibility.py). A fixed number of queries,
whatever the number of ideas: each section is one query, the queues three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from tracker.config import Settings
from tracker.errors import NotFound
from tracker.models import (
    Benefit,
    BenefitState,
    CheckIn,
    Comment,
    Organisation,
    Role,
    Status,
    StatusChange,
    Suggestion,
    User,
)
from tracker.services.benefits import reads, totals
from tracker.services.benefits.visibility import benefit_clause
from tracker.services.checkins import trends
from tracker.services.kpis.metrics import AGENT_HOURS
from tracker.services.suggestions.visibility import confined_to_organisation

# Without a check-in yet, a pack covers this many days.
DEFAULT_DAYS = 90
# Each list stops here (one more row is read to say that it did).
SHOWN = 100
PAST_SHOWN = 5
# The moves of an idea that are decisions the vendor hears about (a merge is `duplicate`).
DECISIONS = (Status.ACCEPTED, Status.DECLINED, Status.PARKED, Status.DUPLICATE)
UNDECIDED = (Status.NEW, Status.UNDER_REVIEW)
# Whose comment on an undecided idea is a question the vendor owes an answer to.
ASKING_ROLES = (Role.PM, Role.ADMIN)
T = TypeVar("T")
_HIDDEN = "Organisation {id} does not exist or its check-ins are not shared with you."


@dataclass(frozen=True)
class Listed(Generic[T]):
    """At most SHOWN items, and whether there were more."""

    items: list[T]
    more: bool


@dataclass(frozen=True)
class Decision:
    change: StatusChange
    suggestion: Suggestion
    decided_by: str

    @property
    def label(self) -> str:
        """Accepted, Declined, Parked or Merged."""
        if self.change.to_status == Status.DUPLICATE.value:
            return "Merged"
        return Status(self.change.to_status).label


@dataclass(frozen=True)
class Delivery:
    """A delivered idea of theirs with its measurement (None: not measured yet)."""

    suggestion: Suggestion
    benefit: Benefit | None

    @property
    def summary(self) -> str:
        if self.benefit is None:
            return "Delivered; the first measurement runs shortly."
        return reads.describe(self.benefit)

    @property
    def state_label(self) -> str:
        return BenefitState(self.benefit.state).label if self.benefit else "Waiting"


@dataclass(frozen=True)
class Question:
    """An undecided idea of theirs whose latest comment is a PM's: a question to them."""

    suggestion: Suggestion
    comment: Comment
    asked_by: str


@dataclass(frozen=True)
class PastCheckIn:
    checkin: CheckIn
    recorded_by: str

    @property
    def questions(self) -> list[str]:
        return question_lines(self.checkin.open_questions)


@dataclass(frozen=True)
class Pack:
    organisation: Organisation
    today: date
    since: date
    last: PastCheckIn | None  # the check-in the pack starts from (None: the last 90 days)
    ideas: Listed[Suggestion]
    decisions: Listed[Decision]
    delivered: Listed[Delivery]  # delivered in the period
    settled: Listed[Delivery]  # measurements that settled in the period
    measuring: Listed[Delivery]  # delivered earlier and still measuring
    total: totals.Total | None  # agent hours of the settled measurements
    queues: list[trends.QueueTrends]
    questions: Listed[Question]
    past: list[PastCheckIn]

    @property
    def open_questions(self) -> list[str]:
        """The last check-in's questions, to follow up."""
        return self.last.questions if self.last else []


def question_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def get_organisation(session: Session, *, actor: User, organisation_id: int) -> Organisation:
    """The vendor organisation whose pack `actor` may read; NotFound otherwise (unknown, not a
    vendor, or, for vendor staff, not their own)."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_vendor:
        raise NotFound(_HIDDEN.format(id=organisation_id))
    if confined_to_organisation(actor) and actor.organisation_id != organisation.id:
        raise NotFound(_HIDDEN.format(id=organisation_id))
    return organisation


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    last_held_on: date | None


def organisations(session: Session, *, actor: User) -> list[OrganisationRow]:
    """The vendor organisations whose packs `actor` may read, by name, with the day of each
    one's last check-in: one query."""
    query = (
        select(Organisation, func.max(col(CheckIn.held_on)))
        .outerjoin(CheckIn, col(CheckIn.organisation_id) == col(Organisation.id))
        .where(col(Organisation.is_vendor).is_(True))
        .group_by(col(Organisation.id))
        .order_by(col(Organisation.name))
    )
    if confined_to_organisation(actor):
        query = query.where(col(Organisation.id) == actor.organisation_id)
    return [OrganisationRow(organisation, held_on) for organisation, held_on in session.exec(query)]


def _listed(rows: list[T]) -> Listed[T]:
    return Listed(rows[:SHOWN], len(rows) > SHOWN)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _past(session: Session, organisation_id: int) -> list[PastCheckIn]:
    query = (
        select(CheckIn, User.display_name)
        .outerjoin(User, col(User.id) == col(CheckIn.recorded_by_id))
        .where(col(CheckIn.organisation_id) == organisation_id)
        .order_by(col(CheckIn.held_on).desc(), col(CheckIn.id).desc())
        .limit(PAST_SHOWN)
    )
    return [PastCheckIn(row, name or "someone no longer here") for row, name in session.exec(query)]


def pack(
    session: Session,
    *,
    actor: User,
    organisation_id: int,
    settings: Settings,
    today: date,
) -> Pack:
    """The pack of one vendor organisation as `actor` may see it; NotFound as get_organisation."""
    organisation = get_organisation(session, actor=actor, organisation_id=organisation_id)
    past = _past(session, organisation_id)
    last = past[0] if past else None
    since = last.checkin.held_on if last else today - timedelta(days=DEFAULT_DAYS)
    start = _start(since)
    theirs = (col(Suggestion.organisation_id) == organisation_id, benefit_clause(actor))

    ideas = session.exec(
        select(Suggestion)
        .where(*theirs, col(Suggestion.created_at) >= start)
        .order_by(col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
        .limit(SHOWN + 1)
    ).all()

    decided = session.exec(
        select(StatusChange, Suggestion, User.display_name)
        .join(Suggestion, col(Suggestion.id) == col(StatusChange.suggestion_id))
        .outerjoin(User, col(User.id) == col(StatusChange.actor_id))
        .where(
            *theirs,
            col(StatusChange.created_at) >= start,
            col(StatusChange.to_status).in_([status.value for status in DECISIONS]),
        )
        .order_by(col(StatusChange.created_at).desc(), col(StatusChange.id).desc())
        .limit(SHOWN + 1)
    ).all()
    decisions = [Decision(change, idea, name or "the tracker") for change, idea, name in decided]

    measured = session.exec(
        select(Suggestion, Benefit)
        .outerjoin(Benefit, col(Benefit.suggestion_id) == col(Suggestion.id))
        .where(
            *theirs,
            or_(
                col(Suggestion.delivered_at) >= start,
                col(Benefit.settled_at) >= start,
                col(Benefit.state) == BenefitState.WAITING.value,
            ),
        )
        .order_by(col(Suggestion.delivered_at).desc(), col(Suggestion.id).desc())
    ).all()
    delivered, settled, measuring = _split(measured, start)

    return Pack(
        organisation=organisation,
        today=today,
        since=since,
        last=last,
        ideas=_listed(list(ideas)),
        decisions=_listed(decisions),
        delivered=_listed(delivered),
        settled=_listed(settled),
        measuring=_listed(measuring),
        total=totals.combine(
            row.benefit
            for row in settled
            if row.benefit is not None and row.benefit.metric == AGENT_HOURS
        ),
        queues=trends.queue_trends(
            session,
            actor=actor,
            organisation_id=organisation_id,
            settings=settings,
            today=today,
            since=since,
        ),
        questions=_listed(_questions(session, theirs)),
        past=past,
    )


def _split(
    rows: Sequence[tuple[Suggestion, Benefit | None]], start: datetime
) -> tuple[list[Delivery], list[Delivery], list[Delivery]]:
    """(delivered in the period, settled in the period, still measuring from before it)."""
    delivered, settled, measuring = [], [], []
    for suggestion, benefit in rows:
        row = Delivery(suggestion, benefit)
        recent = suggestion.delivered_at is not None and suggestion.delivered_at >= start
        if recent:
            delivered.append(row)
        if benefit is not None and benefit.settled_at is not None and benefit.settled_at >= start:
            settled.append(row)
        elif not recent and benefit is not None and benefit.state == BenefitState.WAITING.value:
            measuring.append(row)
    return delivered, settled, measuring


def _questions(session: Session, theirs: tuple[Any, ...]) -> list[Question]:
    latest = (
        select(col(Comment.suggestion_id), func.max(col(Comment.id)).label("last_id"))
        .group_by(col(Comment.suggestion_id))
        .subquery()
    )
    query = (
        select(Suggestion, Comment, User.display_name)
        .join(latest, latest.c.suggestion_id == col(Suggestion.id))
        .join(Comment, col(Comment.id) == latest.c.last_id)
        .join(User, col(User.id) == col(Comment.author_id))
        .where(
            *theirs,
            col(Suggestion.status).in_(UNDECIDED),
            col(User.role).in_(ASKING_ROLES),
        )
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(SHOWN + 1)
    )
    return [Question(idea, comment, name) for idea, comment, name in session.exec(query)]
