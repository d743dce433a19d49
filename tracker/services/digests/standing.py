"""Where things stand at the end of a digest's period: stalled ideas, initiatives, the backlog.

Rules a reader of the digest should know:
- Stalled: an idea in delivery with at least one story not done, none of whose stories changed
  status (Jira's status_since, else the push) in `stalled_after_days` before the period's end.
  The statuses are those known now, so a digest rebuilt long after its period shows today's.
- Initiative progress counts the stories the reader may see. percent is by story points when the
  stories have points, else by stories, rounded down (100 only when all is done). "stuck" counts
  pushed stories not done whose status is older than sync.stuck_after_days. Readers who may not
  open initiatives (vendors) get names only: "detail" False and the other figures None.
- Top of the backlog: the backlog's own ranking (services.backlog) over the scope's ideas that
  still wait for work (new, under review, accepted); rank 1 is the best.

Items carry the suggestion's id under "suggestion"; digest_content swaps it for a Ref.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tracker.models import (
    DeliveryState,
    Health,
    Initiative,
    JiraLink,
    PushState,
    Status,
    StoryDraft,
    Suggestion,
)
from tracker.services.digests.scope import DigestScope, Links
from tracker.services.suggestions import backlog, visibility

LIST_LIMIT = 50
BACKLOG_STATUSES = (Status.NEW, Status.UNDER_REVIEW, Status.ACCEPTED)
DONE = DeliveryState.DONE.value
PUSHED = PushState.PUSHED.value
_WITHHELD = (
    "url jira_key jira_url health health_label health_note target_date stories_done "
    "stories_total points_done points_total percent stuck"
).split()


def jira_url(browse_url: str | None) -> str | None:
    return browse_url or None


def last_change() -> ColumnElement[datetime]:
    """When a pushed story's current Jira status began (the push, before the first sync)."""
    return func.coalesce(col(JiraLink.status_since), col(JiraLink.pushed_at))


def stalled(
    session: Session, scope: DigestScope, *, period_end: datetime, after_days: float
) -> tuple[list[dict[str, Any]], int]:
    """The stalest LIST_LIMIT stalled ideas (see the module docstring) and how many there are."""
    last = func.max(last_change())
    open_stories = func.sum(case((col(JiraLink.delivery_state) == DONE, 0), else_=1))
    rows = session.execute(
        sa_select(col(StoryDraft.suggestion_id), last, func.count().over())
        .select_from(JiraLink)
        .join(StoryDraft, col(StoryDraft.id) == col(JiraLink.story_id))
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .where(
            col(JiraLink.state) == PUSHED,
            col(Suggestion.status) == Status.IN_DELIVERY,
            scope.suggestions,
        )
        .group_by(col(StoryDraft.suggestion_id))
        .having(and_(last < period_end - timedelta(days=after_days), open_stories > 0))
        .order_by(last, col(StoryDraft.suggestion_id))
        .limit(LIST_LIMIT)
    ).all()
    if not rows:
        return [], 0
    # The story to point at: of those not done, the one waiting longest.
    waiting: dict[int, tuple[str, str | None, str]] = {}
    for suggestion_id, key, url, status in session.execute(
        sa_select(
            col(StoryDraft.suggestion_id),
            col(JiraLink.jira_key),
            col(JiraLink.browse_url),
            col(JiraLink.status_name),
        )
        .join(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
        .where(
            col(StoryDraft.suggestion_id).in_([row[0] for row in rows]),
            col(JiraLink.state) == PUSHED,
            col(JiraLink.delivery_state) != DONE,
        )
        .order_by(last_change(), col(JiraLink.id))
    ).all():
        waiting.setdefault(suggestion_id, (key or "", jira_url(url), status))
    items = []
    for suggestion_id, since, _ in rows:
        key, url, status = waiting.get(suggestion_id, ("", None, ""))
        items.append(
            {
                "suggestion": suggestion_id,
                "jira_key": key,
                "jira_url": url,
                "status": status,
                "since": since.astimezone(UTC).isoformat(),
                "days": math.floor((period_end - since).total_seconds() / 86400),
            }
        )
    return items, int(rows[0][2])


def initiatives(
    session: Session,
    scope: DigestScope,
    links: Links,
    *,
    period_end: datetime,
    stuck_after_days: float,
) -> list[dict[str, Any]]:
    """The scope's initiatives, soonest target date first (undated last), then by name."""
    found = session.exec(
        select(Initiative)
        .where(scope.initiatives)
        .order_by(
            col(Initiative.target_date).is_(None),
            col(Initiative.target_date),
            func.lower(Initiative.name),
        )
    ).all()
    if not scope.initiative_detail:
        return [
            {"id": i.id, "name": i.name, **dict.fromkeys(_WITHHELD), "detail": False} for i in found
        ]
    ids = [i.id for i in found if i.id is not None]
    progress = _progress(session, scope, ids, period_end - timedelta(days=stuck_after_days))
    epics = _epic_links(session, ids)
    rows = []
    for initiative in found:
        assert initiative.id is not None
        done, total, points_done, points_total, stuck = progress.get(initiative.id, (0,) * 5)
        key, url = epics.get(initiative.id, (None, None))
        if points_total:
            percent = math.floor(100 * points_done / points_total)
        else:
            percent = math.floor(100 * done / total) if total else 0
        target = initiative.target_date
        rows.append(
            {
                "id": initiative.id,
                "name": initiative.name,
                "url": links.initiative(initiative.id),
                "jira_key": key,
                "jira_url": url,
                "health": initiative.health,
                "health_label": Health(initiative.health).label,
                "health_note": initiative.health_note,
                "target_date": target.isoformat() if target else None,
                "stories_done": done,
                "stories_total": total,
                "points_done": points_done,
                "points_total": points_total,
                "percent": percent,
                "stuck": stuck,
                "detail": True,
            }
        )
    return rows


def _progress(
    session: Session, scope: DigestScope, ids: list[int], stuck_before: datetime
) -> dict[int, tuple[int, ...]]:
    """(stories done, stories, points done, points, stuck stories) per initiative, one query."""
    if not ids:
        return {}
    pushed = col(JiraLink.state) == PUSHED
    done = and_(pushed, col(JiraLink.delivery_state) == DONE)
    stuck = and_(pushed, col(JiraLink.delivery_state) != DONE, last_change() < stuck_before)
    points = func.coalesce(col(StoryDraft.story_points), 0)
    rows = session.execute(
        sa_select(
            col(StoryDraft.initiative_id),
            func.sum(case((done, 1), else_=0)),
            func.count(col(StoryDraft.id)),
            func.sum(case((done, points), else_=0)),
            func.sum(points),
            func.sum(case((stuck, 1), else_=0)),
        )
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .outerjoin(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
        .where(col(StoryDraft.initiative_id).in_(ids), visibility.visible_clause(scope.viewer))
        .group_by(col(StoryDraft.initiative_id))
    ).all()
    return {row[0]: tuple(int(value or 0) for value in row[1:]) for row in rows}


def _epic_links(session: Session, ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    if not ids:
        return {}
    rows = session.exec(
        select(col(JiraLink.initiative_id), col(JiraLink.jira_key), col(JiraLink.browse_url)).where(
            col(JiraLink.initiative_id).in_(ids), col(JiraLink.state) == PUSHED
        )
    ).all()
    return {
        initiative_id: (key, jira_url(url))
        for initiative_id, key, url in rows
        if initiative_id is not None
    }


def backlog_top(session: Session, scope: DigestScope, *, limit: int) -> list[dict[str, Any]]:
    """The first `limit` of the scope's open ideas in backlog order."""
    ranked = backlog.ranked_query(session, actor=scope.viewer, filters=backlog.BacklogFilters())
    rows = session.execute(
        ranked.with_only_columns(
            col(Suggestion.id),
            col(Suggestion.score_value),
            col(Suggestion.score_formula),
            col(Suggestion.vote_count),
        )
        .where(scope.suggestions, col(Suggestion.status).in_(BACKLOG_STATUSES))
        .limit(limit)
    ).all()
    return [
        {
            "rank": rank,
            "suggestion": suggestion_id,
            "score": score,
            "formula": formula,
            "votes": votes,
        }
        for rank, (suggestion_id, score, formula, votes) in enumerate(rows, start=1)
    ]
