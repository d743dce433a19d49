"""Jira status brought back into the tracker; the one module the sync, the webhook, the pages
and the API call. Applying snapshots lives in delivery_apply.py, the suggestion roll-up in
delivery_rollup.py and the reads in delivery_reads.py; their public names are exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.models import JiraLink, PushState
from tracker.services.jira_status.apply import ApplyResult, apply_snapshots, map_state
from tracker.services.jira_status.reads import (
    MissingStory,
    Progress,
    StoryStatus,
    StuckStory,
    initiative_progress,
    recent_events,
    suggestion_delivery,
)
from tracker.services.jira_status.rollup import roll_up

__all__ = [
    "ApplyResult",
    "MissingStory",
    "Progress",
    "StoryStatus",
    "StuckStory",
    "apply_snapshots",
    "initiative_progress",
    "is_tracked",
    "map_state",
    "mark_missing",
    "recent_events",
    "roll_up",
    "suggestion_delivery",
    "tracked_jira_ids",
]

_CHUNK = 1000  # bound parameters per IN list


def tracked_jira_ids(session: Session) -> list[str]:
    """The Jira id of every pushed story and epic (missing ones included), ascending by number."""
    found = session.exec(
        select(JiraLink.jira_id)
        .where(JiraLink.state == PushState.PUSHED.value, col(JiraLink.jira_id).is_not(None))
        .distinct()
    ).all()
    return sorted(
        (jira_id for jira_id in found if jira_id),
        key=lambda value: (0, int(value), "") if value.isdigit() else (1, 0, value),
    )


def is_tracked(session: Session, jira_id: str) -> bool:
    return (
        session.exec(
            select(JiraLink.id)
            .where(JiraLink.jira_id == jira_id, JiraLink.state == PushState.PUSHED.value)
            .limit(1)
        ).first()
        is not None
    )


def mark_missing(session: Session, *, jira_ids: Sequence[str], now: datetime) -> int:
    """Mark these issues missing (deleted or no longer visible) from `now`, keeping their data;
    returns how many were not missing before."""
    wanted = sorted(set(jira_ids))
    marked = 0
    for start in range(0, len(wanted), _CHUNK):
        outcome = session.execute(
            update(JiraLink)
            .where(
                col(JiraLink.jira_id).in_(wanted[start : start + _CHUNK]),
                col(JiraLink.state) == PushState.PUSHED.value,
                col(JiraLink.missing_since).is_(None),
            )
            .values(missing_since=now)
            .execution_options(synchronize_session="fetch")
        )
        marked += outcome.rowcount  # type: ignore[attr-defined]
    return marked
