"""Triage: status changes with history, scores with their formula, merges that can be undone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from tracker.errors import Conflict, ValidationFailed
from tracker.models import Status, StatusChange, Suggestion, User, utcnow
from tracker.permissions import Permission, require
from tracker.services.suggestions import engagement, score_inputs, scoring
from tracker.services.suggestions.submissions import get_suggestion

# Moves a PM can make by hand; delivery states come from Jira, duplicate only through a merge.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.UNDER_REVIEW, Status.ACCEPTED, Status.DECLINED, Status.PARKED}),
    Status.UNDER_REVIEW: frozenset({Status.ACCEPTED, Status.DECLINED, Status.PARKED, Status.NEW}),
    Status.PARKED: frozenset({Status.UNDER_REVIEW, Status.DECLINED}),
    Status.ACCEPTED: frozenset({Status.UNDER_REVIEW, Status.PARKED}),
    Status.DECLINED: frozenset({Status.UNDER_REVIEW}),
    Status.DUPLICATE: frozenset(),
    Status.IN_DELIVERY: frozenset(),
    Status.DELIVERED: frozenset(),
}
DECIDED = frozenset({Status.ACCEPTED, Status.DECLINED, Status.PARKED, Status.DUPLICATE})
# Back in triage: no decision stands, so its date and reason go (the history keeps both).
REOPENED = frozenset({Status.NEW, Status.UNDER_REVIEW})

_TRIAGE_DENIED = "Only PMs make decisions on suggestions."


def _snapshot(suggestion: Suggestion) -> dict[str, Any] | None:
    if suggestion.score_value is None:
        return None
    return {
        "framework": suggestion.score_framework,
        "inputs": dict(suggestion.score_inputs),
        "value": suggestion.score_value,
        "formula": suggestion.score_formula,
    }


def _record(
    session: Session, suggestion: Suggestion, actor: User | None, to: Status, reason: str
) -> StatusChange:
    change = _move(suggestion, actor, to, reason)
    session.add(change)
    session.add(suggestion)
    return change


def _entry(
    suggestion: Suggestion, actor: User | None, from_status: Status, to: Status, reason: str
) -> StatusChange:
    """The history entry for a move, with the score the suggestion has at that moment."""
    assert suggestion.id is not None
    return StatusChange(
        suggestion_id=suggestion.id,
        actor_id=actor.id if actor else None,
        from_status=from_status.value,
        to_status=to.value,
        reason=reason,
        score_snapshot=_snapshot(suggestion),
    )


def _insert_entries(session: Session, changes: Sequence[StatusChange]) -> None:
    """One INSERT for many history entries (a sync or push batch may move dozens at once)."""
    if changes:
        session.execute(
            insert(StatusChange), [change.model_dump(exclude={"id"}) for change in changes]
        )


def _move(suggestion: Suggestion, actor: User | None, to: Status, reason: str) -> StatusChange:
    """Move the suggestion (not yet saved) and return the history entry that records it."""
    change = _entry(suggestion, actor, suggestion.status, to, reason)
    suggestion.status = to
    suggestion.updated_at = utcnow()
    if to in DECIDED:
        suggestion.decided_at = suggestion.updated_at
    elif to in REOPENED:
        suggestion.decided_at = None
        suggestion.decision_reason = ""
    return change


def change_status(
    session: Session, *, actor: User, suggestion_id: int, to: Status | str, reason: str = ""
) -> StatusChange:
    """Move a suggestion along the workflow. Declining needs a reason; accepting needs a score."""
    require(actor, Permission.TRIAGE, _TRIAGE_DENIED)
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    try:
        target = Status(to)
    except ValueError:
        raise ValidationFailed(
            "Unknown status.", fields={"status": f"'{to}' is not a status."}
        ) from None
    reason = reason.strip()
    if target not in TRANSITIONS[suggestion.status]:
        raise Conflict(
            f"A suggestion that is {suggestion.status.label.lower()} cannot become "
            f"{target.label.lower()}."
        )
    if target is Status.DECLINED and not reason:
        raise ValidationFailed(
            "A decline needs a reason.",
            fields={"reason": "Tell the submitter why; they will see this."},
        )
    if target is Status.ACCEPTED and suggestion.score_value is None:
        raise ValidationFailed(
            "Score the suggestion before accepting it.",
            fields={"score": "Accepting records the score as the decision; score it first."},
        )
    if target is Status.DECLINED or target is Status.PARKED or target is Status.ACCEPTED:
        suggestion.decision_reason = reason
    change = _record(session, suggestion, actor, target, reason)
    session.flush()
    return change


def score(
    session: Session,
    *,
    actor: User,
    suggestion_id: int,
    framework: str,
    inputs: Mapping[str, object],
) -> scoring.ScoreResult:
    """Store a score with its formula; raises ValidationFailed naming each bad input."""
    require(actor, Permission.TRIAGE, _TRIAGE_DENIED)
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    if framework not in set(score_inputs.Framework):
        choices = ", ".join(score_inputs.Framework)
        raise ValidationFailed(
            "Unknown scoring framework.",
            fields={"framework": f"Choose one of: {choices}."},
        )
    try:
        result = scoring.score(framework, inputs)
    except score_inputs.ScoreInputError as exc:
        raise ValidationFailed("Some score inputs need attention.", fields=exc.errors) from None
    suggestion.score_framework = str(result.framework)
    suggestion.score_inputs = dict(result.inputs)
    suggestion.score_value = result.value
    suggestion.score_formula = result.formula
    suggestion.impact_axis = result.impact_axis
    suggestion.effort_axis = result.effort_axis
    suggestion.updated_at = utcnow()
    session.add(suggestion)
    session.flush()
    return result


def history(session: Session, *, suggestion: Suggestion) -> Sequence[StatusChange]:
    return session.exec(
        select(StatusChange)
        .where(StatusChange.suggestion_id == suggestion.id)
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    ).all()


def merge(
    session: Session, *, actor: User, duplicate_id: int, target_id: int, reason: str = ""
) -> Suggestion:
    """Mark `duplicate_id` as a duplicate of `target_id`; its people now count on the target."""
    require(actor, Permission.TRIAGE, _TRIAGE_DENIED)
    duplicate = get_suggestion(session, actor=actor, suggestion_id=duplicate_id)
    target = engagement.canonical(
        session, get_suggestion(session, actor=actor, suggestion_id=target_id)
    )
    if duplicate.status is Status.DUPLICATE:
        raise Conflict(f"#{duplicate_id} is already merged into #{duplicate.duplicate_of_id}.")
    if target.id == duplicate.id or (
        target.id is not None and target.id in engagement.group_ids(session, duplicate_id)
    ):
        raise ValidationFailed(
            "A suggestion cannot be merged into itself.",
            fields={"target_id": "Choose a different suggestion."},
        )
    if duplicate.status in (Status.IN_DELIVERY, Status.DELIVERED):
        raise Conflict("A suggestion already in delivery cannot be merged.")
    duplicate.duplicate_of_id = target.id
    _record(session, duplicate, actor, Status.DUPLICATE, reason or f"Duplicate of #{target.id}")
    session.flush()
    engagement.recount(session, target)
    engagement.recount(session, duplicate)
    session.flush()
    return target


def unmerge(session: Session, *, actor: User, duplicate_id: int, reason: str = "") -> Suggestion:
    """Undo a merge: the duplicate returns to the status it had, with its own votes and comments."""
    require(actor, Permission.TRIAGE, _TRIAGE_DENIED)
    duplicate = get_suggestion(session, actor=actor, suggestion_id=duplicate_id)
    if duplicate.status is not Status.DUPLICATE or duplicate.duplicate_of_id is None:
        raise Conflict(f"#{duplicate_id} is not merged into anything.")
    merged = session.exec(
        select(StatusChange)
        .where(
            StatusChange.suggestion_id == duplicate_id,
            StatusChange.to_status == Status.DUPLICATE.value,
        )
        .order_by(col(StatusChange.id).desc())
    ).first()
    previous = Status(merged.from_status) if merged and merged.from_status else Status.NEW
    former_target = session.get(Suggestion, duplicate.duplicate_of_id)
    duplicate.duplicate_of_id = None
    _record(session, duplicate, actor, previous, reason or "Merge undone")
    session.flush()
    if former_target is not None:
        engagement.recount(session, engagement.canonical(session, former_target))
    engagement.recount(session, duplicate)
    session.flush()
    return duplicate


def record_move(
    session: Session, *, suggestion: Suggestion, actor: User, to: Status, reason: str
) -> StatusChange:
    """Record a move another service has checked (a delivery outside Jira), with its actor,
    exactly as a PM's own moves are recorded (history, notifications and digests read these)."""
    change = _record(session, suggestion, actor, to, reason)
    session.flush()
    return change


def record_system_moves(
    session: Session, *, moves: Sequence[tuple[Suggestion, Status, str]]
) -> None:
    """Moves the tracker makes itself (the Jira sync: delivered and back), each (suggestion,
    status, reason) recorded without an actor; one INSERT however many, since a sync may
    deliver dozens at once. The caller has checked that each move applies."""
    changes = [_move(suggestion, None, to, reason) for suggestion, to, reason in moves]
    for suggestion, _, _ in moves:
        session.add(suggestion)
    _insert_entries(session, changes)


def mark_in_delivery(session: Session, *, suggestion: Suggestion, reason: str) -> None:
    """A system move when the first story reaches Jira; nothing happens past accepted. The
    first push also stamps `in_jira_at` (lead times start there)."""
    if suggestion.id is None:
        return
    mark_many_in_delivery(session, reasons={suggestion.id: reason})
    session.refresh(suggestion)


def mark_many_in_delivery(session: Session, *, reasons: Mapping[int, str]) -> None:
    """`mark_in_delivery` for many suggestions (id -> the reason its history shows), in four
    statements however many there are: a push batch records up to 50 stories at once.

    Parallel push batches may push two stories of one suggestion at once: the conditional
    UPDATEs let exactly one of them make the move, and RETURNING says which moves this call
    made, so each is recorded once."""
    ids = sorted(reasons)
    if not ids:
        return
    now = utcnow()
    session.execute(
        update(Suggestion)
        .where(col(Suggestion.id).in_(ids), col(Suggestion.in_jira_at).is_(None))
        .values(in_jira_at=now)
        .execution_options(synchronize_session="fetch")
    )
    moved = (
        session.execute(
            update(Suggestion)
            .where(col(Suggestion.id).in_(ids), col(Suggestion.status) == Status.ACCEPTED)
            .values(status=Status.IN_DELIVERY, updated_at=now)
            .returning(col(Suggestion.id))
            .execution_options(synchronize_session="fetch")
        )
        .scalars()
        .all()
    )
    if not moved:
        return
    _insert_entries(
        session,
        [
            _entry(suggestion, None, Status.ACCEPTED, Status.IN_DELIVERY, reasons[suggestion.id])
            for suggestion in session.exec(select(Suggestion).where(col(Suggestion.id).in_(moved)))
            if suggestion.id is not None
        ],
    )
