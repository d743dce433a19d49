"""Telling submitters and voters what happened to their ideas, batched per person.

Two steps, both run by the scheduled job (sync/jobs/notifications.py):

1. `collect` turns recent StatusChange rows (accepted, declined, merged, pushed, delivered) into
   one Notification per person who should hear about it: the suggestion's submitter and voters
   (for a merged duplicate, the duplicate's own), never the person who made the change, never a
   deactivated account, and only people who may see the suggestion.
2. `notification_batches` hands the job one batch per person at most once per
   `notifications.batch_minutes`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists
from sqlmodel import Session, col, select

from tracker.models import (
    JiraLink,
    Notification,
    PushJob,
    Status,
    StatusChange,
    StoryDraft,
    Suggestion,
    User,
    Vote,
)
from tracker.services.suggestions.visibility import can_view

KIND_BY_STATUS: dict[str, str] = {
    Status.ACCEPTED.value: "accepted",
    Status.DECLINED.value: "declined",
    Status.DUPLICATE.value: "merged",
    Status.IN_DELIVERY.value: "pushed",
    Status.DELIVERED.value: "delivered",
}
# News older than this is not worth an email; it also keeps the first run on a database with a
# long history from mailing everyone about decisions made years ago.
MAX_AGE = timedelta(days=3)
# Changes are read in pages of this many (a bulk triage can make thousands at once).
COLLECT_PAGE = 500


@dataclass(frozen=True)
class _Context:
    suggestions: dict[int, Suggestion]
    groups: dict[int, list[int]]  # suggestion id -> itself and everything merged into it
    votes: dict[int, list[Vote]]  # suggestion id -> its own votes
    users: dict[int, User]
    jira_keys: dict[int, list[str]]  # suggestion id -> keys of its pushed stories
    # suggestion id -> the PM who asked for the first push (the change itself has no actor)
    pushed_by: dict[int, int]


def _pending_changes(session: Session, *, now: datetime, after_id: int) -> Sequence[StatusChange]:
    """Recent changes of the notified kinds that have no notification yet, by id after `after_id`.

    Looking for changes without notifications (rather than after the highest id handled) also
    catches a change whose transaction committed after a later one's, which ids cannot order.
    A change nobody needs to hear about is looked at again each run until it is MAX_AGE old."""
    since = now - MAX_AGE
    # Notification.created_at is the change's own time: the indexed column bounds the lookup.
    handled = exists().where(
        col(Notification.status_change_id) == col(StatusChange.id),
        col(Notification.created_at) >= since,
    )
    # Only the first push is news: a delivered idea whose story reopened in Jira moves back to
    # in delivery too, and nobody should hear "work started" twice.
    reopened = (col(StatusChange.to_status) == Status.IN_DELIVERY.value) & (
        col(StatusChange.from_status) != Status.ACCEPTED.value
    )
    return session.exec(
        select(StatusChange)
        .where(
            col(StatusChange.id) > after_id,
            col(StatusChange.to_status).in_(list(KIND_BY_STATUS)),
            col(StatusChange.created_at) >= since,
            ~reopened,
            ~handled,
            # A PM correcting a delivery's day (delivered -> delivered) is not news again.
            col(StatusChange.from_status).is_distinct_from(col(StatusChange.to_status)),
        )
        .order_by(col(StatusChange.id))
        .limit(COLLECT_PAGE)
    ).all()


def _load_context(session: Session, changes: Sequence[StatusChange]) -> _Context:
    """Everything the changes need, in a fixed number of queries."""
    ids = {change.suggestion_id for change in changes}
    suggestions = {
        s.id: s
        for s in session.exec(select(Suggestion).where(col(Suggestion.id).in_(ids))).all()
        if s.id is not None
    }
    targets = {s.duplicate_of_id for s in suggestions.values() if s.duplicate_of_id} - set(
        suggestions
    )
    if targets:
        for target in session.exec(select(Suggestion).where(col(Suggestion.id).in_(targets))):
            assert target.id is not None
            suggestions[target.id] = target
    groups = _groups(session, ids)
    members = {member for group in groups.values() for member in group}
    votes: dict[int, list[Vote]] = defaultdict(list)
    for vote in session.exec(select(Vote).where(col(Vote.suggestion_id).in_(members))):
        votes[vote.suggestion_id].append(vote)
    user_ids = {s.submitter_id for s in suggestions.values()} | {
        v.user_id for found in votes.values() for v in found
    }
    users = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()
        if u.id is not None
    }
    pushed = {c.suggestion_id for c in changes if KIND_BY_STATUS[c.to_status] == "pushed"}
    jira_keys: dict[int, list[str]] = defaultdict(list)
    pushed_by: dict[int, int] = {}
    if pushed:
        rows = session.exec(
            select(StoryDraft.suggestion_id, JiraLink.jira_key, PushJob.requested_by_id)
            .join(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
            .outerjoin(PushJob, col(PushJob.id) == col(JiraLink.job_id))
            .where(col(StoryDraft.suggestion_id).in_(pushed), col(JiraLink.jira_key).is_not(None))
            .order_by(col(JiraLink.pushed_at), col(JiraLink.id))
        ).all()
        for suggestion_id, key, requested_by in rows:
            if key:
                jira_keys[suggestion_id].append(key)
            if requested_by is not None:
                pushed_by.setdefault(suggestion_id, requested_by)
    return _Context(suggestions, groups, votes, users, jira_keys, pushed_by)


def _groups(session: Session, ids: Iterable[int]) -> dict[int, list[int]]:
    """Each suggestion with everything merged into it, directly or through another merge."""
    children: dict[int, list[int]] = defaultdict(list)
    frontier = set(ids)
    seen = set(frontier)
    while frontier:
        rows = session.exec(
            select(Suggestion.id, Suggestion.duplicate_of_id).where(
                col(Suggestion.duplicate_of_id).in_(frontier)
            )
        ).all()
        frontier = set()
        for child, parent in rows:
            if child is not None and parent is not None:
                children[parent].append(child)
                if child not in seen:
                    seen.add(child)
                    frontier.add(child)
    groups: dict[int, list[int]] = {}
    for root in ids:
        found, stack = [root], [root]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in found:
                    found.append(child)
                    stack.append(child)
        groups[root] = found
    return groups


def _recipients(change: StatusChange, suggestion: Suggestion, context: _Context) -> list[User]:
    """Submitter and voters at the time of the change, minus the actor, who are active and may
    see the suggestion."""
    ids = [suggestion.submitter_id]
    for member in context.groups.get(suggestion.id or 0, [suggestion.id or 0]):
        ids.extend(
            v.user_id for v in context.votes.get(member, []) if v.created_at <= change.created_at
        )
    actor_id = change.actor_id
    if actor_id is None and change.to_status == Status.IN_DELIVERY.value:
        actor_id = context.pushed_by.get(suggestion.id or 0)
    found: list[User] = []
    for user_id in dict.fromkeys(ids):
        user = context.users.get(user_id)
        if user is None or user_id == actor_id or not user.is_active:
            continue
        if can_view(user, suggestion):
            found.append(user)
    return found


def _detail(
    kind: str, change: StatusChange, suggestion: Suggestion, user: User, context: _Context
) -> str:
    if kind in ("accepted", "declined"):
        return change.reason
    if kind == "merged":
        target = context.suggestions.get(suggestion.duplicate_of_id or 0)
        # A vendor whose idea was merged into a confidential one learns only that it was merged.
        return target.title if target is not None and can_view(user, target) else ""
    if kind == "pushed":
        return ", ".join(context.jira_keys.get(suggestion.id or 0, []))
    hours = suggestion.hours_saved_per_week
    return f"{round(hours, 1):g}" if hours is not None else ""


def collect(session: Session, *, now: datetime) -> int:
    """Create the notifications for recent status changes; returns how many were created."""
    created, after_id = 0, 0
    while changes := _pending_changes(session, now=now, after_id=after_id):
        created += _notify(session, changes)
        after_id = changes[-1].id or 0
    return created


def _notify(session: Session, changes: Sequence[StatusChange]) -> int:
    context = _load_context(session, changes)
    created = 0
    for change in changes:
        suggestion = context.suggestions.get(change.suggestion_id)
        if suggestion is None:
            continue
        kind = KIND_BY_STATUS[change.to_status]
        for user in _recipients(change, suggestion, context):
            session.add(
                Notification(
                    user_id=user.id or 0,
                    suggestion_id=change.suggestion_id,
                    status_change_id=change.id,
                    kind=kind,
                    detail=_detail(kind, change, suggestion, user, context),
                    created_at=change.created_at,
                )
            )
            created += 1
    session.flush()
    return created
