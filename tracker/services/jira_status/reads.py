"""What the pages, the API and the digests show of delivery: initiative progress and health,
each story's Jira status, and the status timeline. Reads only, each in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from tracker.config import SyncSettings
from tracker.models import (
    DeliveryState,
    JiraLink,
    PushState,
    StatusEvent,
    StoryDraft,
    Suggestion,
    User,
)
from tracker.services.suggestions import visibility

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class StuckStory:
    """A story in one Jira status longer than the configured time."""

    story_id: int
    summary: str
    jira_key: str
    browse_url: str
    status_name: str
    since: datetime
    days: int


@dataclass(frozen=True)
class MissingStory:
    """A story whose Jira issue was deleted or is no longer visible (its data is kept)."""

    story_id: int
    summary: str
    jira_key: str
    browse_url: str
    missing_since: datetime


@dataclass
class Progress:
    stories_done: int = 0
    stories_total: int = 0
    points_done: int = 0
    points_total: int = 0  # stories without points count in neither
    stuck: list[StuckStory] = field(default_factory=list)
    missing: list[MissingStory] = field(default_factory=list)

    @property
    def percent_by_stories(self) -> int | None:
        """Whole percent, rounded down (99% until the last story is done); None with no stories."""
        return _percent(self.stories_done, self.stories_total)

    @property
    def percent_by_points(self) -> int | None:
        return _percent(self.points_done, self.points_total)


def _percent(done: int, total: int) -> int | None:
    return done * 100 // total if total else None


@dataclass(frozen=True)
class StoryStatus:
    """One story of a suggestion and where its Jira issue stands ("" and None until pushed)."""

    story: StoryDraft
    pushed: bool
    jira_key: str
    browse_url: str
    status_name: str
    state: DeliveryState | None
    assignee: str
    fix_versions: tuple[str, ...]
    sprint: str
    missing_since: datetime | None
    updated: datetime | None

    @property
    def done(self) -> bool:
        return self.state is DeliveryState.DONE


def _pushed(link: JiraLink | None) -> JiraLink | None:
    return link if link is not None and link.state == PushState.PUSHED.value else None


def _stories_with_links(
    session: Session, where: ColumnElement[bool], *, viewer: User | None = None
) -> list[tuple[StoryDraft, JiraLink | None]]:
    query = (
        select(StoryDraft, JiraLink)
        .outerjoin(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
        .where(where)
        .order_by(col(StoryDraft.id))
    )
    if viewer is not None:
        query = query.join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id)).where(
            visibility.visible_clause(viewer)
        )
    return list(session.exec(query).all())


def initiative_progress(
    session: Session,
    initiative_ids: Sequence[int],
    *,
    settings: SyncSettings,
    now: datetime,
    viewer: User | None = None,
) -> dict[int, Progress]:
    """Progress of each initiative by stories and by story points, its stuck stories (not done
    and in one status longer than `stuck_after_days`) and its stories missing in Jira. With a
    viewer, only stories of suggestions they may see count. One query for any number."""
    progress = {initiative_id: Progress() for initiative_id in initiative_ids}
    if not progress:
        return progress
    limit = settings.stuck_after_days * DAY_SECONDS
    for draft, found in _stories_with_links(
        session, col(StoryDraft.initiative_id).in_(sorted(progress)), viewer=viewer
    ):
        entry = progress[draft.initiative_id or 0]
        link = _pushed(found)
        done = link is not None and link.delivery_state == DeliveryState.DONE.value
        entry.stories_total += 1
        entry.stories_done += done
        if draft.story_points is not None:
            entry.points_total += draft.story_points
            entry.points_done += draft.story_points if done else 0
        if link is None:
            continue
        if link.missing_since is not None:
            entry.missing.append(
                MissingStory(
                    draft.id or 0,
                    draft.summary,
                    link.jira_key or "",
                    link.browse_url,
                    link.missing_since,
                )
            )
        elif not done and link.status_since is not None:
            seconds = (now - link.status_since).total_seconds()
            if seconds > limit:
                entry.stuck.append(
                    StuckStory(
                        draft.id or 0,
                        draft.summary,
                        link.jira_key or "",
                        link.browse_url,
                        link.status_name,
                        link.status_since,
                        int(seconds // DAY_SECONDS),
                    )
                )
    for entry in progress.values():
        entry.stuck.sort(key=lambda story: story.since)
    return progress


def suggestion_delivery(session: Session, suggestion_id: int) -> list[StoryStatus]:
    """Every story of the suggestion with its Jira status, oldest story first (one query)."""
    rows = _stories_with_links(session, col(StoryDraft.suggestion_id) == suggestion_id)
    statuses = []
    for draft, found in rows:
        link = _pushed(found)
        state = link.delivery_state if link else ""
        statuses.append(
            StoryStatus(
                story=draft,
                pushed=link is not None,
                jira_key=link.jira_key or "" if link else "",
                browse_url=link.browse_url if link else "",
                status_name=link.status_name if link else "",
                state=DeliveryState(state) if state else None,
                assignee=link.assignee if link else "",
                fix_versions=tuple(link.fix_versions) if link else (),
                sprint=link.sprint if link else "",
                missing_since=link.missing_since if link else None,
                updated=link.jira_updated_at if link else None,
            )
        )
    return statuses


def recent_events(
    session: Session,
    *,
    suggestion_id: int | None = None,
    initiative_id: int | None = None,
    limit: int = 20,
) -> list[StatusEvent]:
    """The latest status events (newest first) of a suggestion's stories, of an initiative's
    epic and stories, or of everything when neither is given."""
    conditions = []
    if suggestion_id is not None:
        conditions.append(col(StatusEvent.suggestion_id) == suggestion_id)
    if initiative_id is not None:
        conditions.append(col(StatusEvent.initiative_id) == initiative_id)
    query = select(StatusEvent)
    if conditions:
        query = query.where(and_(*conditions))
    return list(
        session.exec(
            query.order_by(col(StatusEvent.changed_at).desc(), col(StatusEvent.id).desc()).limit(
                max(1, limit)
            )
        ).all()
    )
