"""Suggestions follow their stories: delivered once every story is pushed and done in Jira, back
in delivery when one is reopened. Only the Jira sync moves a suggestion between these two.

Stories and links are read as plain rows: a sync rolls up a hundred suggestions per call and
ORM objects would cost more than the queries. Only the suggestions that move are loaded whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from tracker.models import DeliveryState, JiraLink, PushState, Status, StoryDraft, Suggestion
from tracker.services.suggestions import decisions

# Declined, parked, duplicate and the rest are never overridden by Jira.
ROLLED_UP = (Status.IN_DELIVERY, Status.DELIVERED)
_LINKS: Table = JiraLink.__table__  # type: ignore[attr-defined]
_STORIES: Table = StoryDraft.__table__  # type: ignore[attr-defined]
_SUGGESTIONS: Table = Suggestion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Story:
    """A story draft and its link (None fields when it has no link)."""

    summary: str
    state: str | None
    delivery_state: str | None
    jira_key: str | None
    status_name: str | None
    status_since: datetime | None
    jira_updated_at: datetime | None


def _done(story: Story) -> bool:
    return story.state == PushState.PUSHED.value and (
        story.delivery_state == DeliveryState.DONE.value
    )


def _delivered_reason(stories: Sequence[Story]) -> str:
    keys = ", ".join(story.jira_key or "?" for story in stories)
    if len(stories) == 1:
        return f"Its story is done in Jira ({keys})."
    return f"All {len(stories)} stories are done in Jira ({keys})."


def _reopened_reason(pending: Sequence[Story]) -> str:
    parts = []
    for story in pending:
        if story.state != PushState.PUSHED.value or not story.jira_key:
            parts.append(f"story '{story.summary}' is not in Jira")
        else:
            parts.append(f"{story.jira_key} is {story.status_name or 'not done'} in Jira")
    return f"No longer delivered: {'; '.join(parts)}."


def _stories(session: Session, suggestion_ids: Sequence[int]) -> dict[int, list[Story]]:
    rows = session.connection().execute(
        select_columns(
            _STORIES.c.suggestion_id,
            _STORIES.c.summary,
            _LINKS.c.state,
            _LINKS.c.delivery_state,
            _LINKS.c.jira_key,
            _LINKS.c.status_name,
            _LINKS.c.status_since,
            _LINKS.c.jira_updated_at,
        )
        .select_from(_STORIES.outerjoin(_LINKS, _LINKS.c.story_id == _STORIES.c.id))
        .where(_STORIES.c.suggestion_id.in_(suggestion_ids))
        .order_by(_STORIES.c.id)
    )
    stories: dict[int, list[Story]] = defaultdict(list)
    for row in rows:
        stories[row.suggestion_id].append(Story(*row[1:]))
    return stories


def _clamp(moment: datetime, *, now: datetime, submitted: datetime) -> datetime:
    """Jira's clock is not ours: delivered no later than `now`, and never before submission
    (unless the submission is dated after `now`: then the clocks disagree and it bounds nothing)."""
    moment = min(moment, now)
    return max(moment, submitted) if submitted <= now else moment


def roll_up(session: Session, *, suggestion_ids: Iterable[int], now: datetime) -> int:
    """Move in-delivery suggestions whose stories are all pushed and done to delivered, and
    delivered ones with a story no longer done back to in delivery (declined, parked and the
    rest are never touched). Returns how many moved, in a fixed number of statements."""
    wanted = sorted(set(suggestion_ids))
    if not wanted:
        return 0
    session.flush()
    rows = session.connection().execute(
        select_columns(_SUGGESTIONS.c.id, _SUGGESTIONS.c.status, _SUGGESTIONS.c.created_at).where(
            _SUGGESTIONS.c.id.in_(wanted), _SUGGESTIONS.c.status.in_(ROLLED_UP)
        )
    )
    current: dict[int, Status] = {}
    submitted: dict[int, datetime] = {}
    for row in rows:
        current[row.id], submitted[row.id] = Status(row.status), row.created_at
    if not current:
        return 0
    stories = _stories(session, sorted(current))
    planned: dict[int, tuple[Status, str, datetime | None]] = {}
    for suggestion_id, status in current.items():
        mine = stories.get(suggestion_id, [])
        pending = [story for story in mine if not _done(story)]
        if status is Status.IN_DELIVERY and mine and not pending:
            finished = max(story.status_since or story.jira_updated_at or now for story in mine)
            finished = _clamp(finished, now=now, submitted=submitted[suggestion_id])
            planned[suggestion_id] = (Status.DELIVERED, _delivered_reason(mine), finished)
        elif status is Status.DELIVERED and pending:
            planned[suggestion_id] = (Status.IN_DELIVERY, _reopened_reason(pending), None)
    if not planned:
        return 0
    moving = session.exec(select(Suggestion).where(col(Suggestion.id).in_(sorted(planned)))).all()
    moves = []
    for suggestion in moving:
        to, reason, delivered_at = planned[suggestion.id or 0]
        suggestion.delivered_at = delivered_at
        moves.append((suggestion, to, reason))
    decisions.record_system_moves(session, moves=moves)
    return len(moves)
