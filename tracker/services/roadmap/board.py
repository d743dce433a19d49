"""Which initiatives and ideas are on the roadmap, and in which column.

- Now: ideas in delivery, and initiatives with an idea in delivery or stories under way in Jira.
- Next: accepted ideas nothing has been pushed for, ranked by score within each framework
  (scores on different scales are never ranked against each other), and initiatives whose
  ideas are accepted but not started.
- Later: parked ideas (kept, but nothing is planned for them), and initiatives with no accepted
  idea yet.
- Recently delivered: ideas delivered in the last RECENT_WEEKS weeks with what they measurably
  saved when the viewer may see it, and initiatives whose last idea was delivered then.

Ideas come through the suggestion visibility rule; people who may not view initiatives (vendor
staff) get no initiative cards and every visible idea as its own card. The board is read in a
fixed number of queries whatever the number of ideas or initiatives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from tracker.config import SyncSettings
from tracker.errors import ValidationFailed
from tracker.inputs import has_control
from tracker.models import (
    Benefit,
    DeliveryState,
    Initiative,
    JiraLink,
    PushState,
    Status,
    StoryDraft,
    Suggestion,
    User,
)
from tracker.permissions import Permission, role_allows
from tracker.services.benefits.reads import describe
from tracker.services.benefits.visibility import benefit_clause
from tracker.services.jira_status.reads import Progress, initiative_progress
from tracker.services.suggestions.visibility import visible_clause

RECENT_WEEKS = 8
ON_ROADMAP = (Status.ACCEPTED, Status.IN_DELIVERY, Status.PARKED, Status.DELIVERED)


class Column(StrEnum):
    NOW = "now"
    NEXT = "next"
    LATER = "later"
    DELIVERED = "delivered"

    @property
    def label(self) -> str:
        return {
            "now": "Now",
            "next": "Next",
            "later": "Later",
            "delivered": "Recently delivered",
        }[self.value]


@dataclass(frozen=True)
class RoadmapFilters:
    """What narrows the roadmap: an area from settings.suggestions.areas, or "" for all."""

    area: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, areas: Sequence[str]) -> RoadmapFilters:
        """Filters from the query string; an area that is not configured is a ValidationFailed
        naming it (a silently dropped filter would show a roadmap the reader thinks is narrowed).
        """
        area = str(args.get("area") or "").strip()
        if area and (has_control(area) or area not in areas):
            known = ", ".join(areas)
            raise ValidationFailed(
                f"Area must be one of: {known}.", fields={"area": "Choose an area from the list."}
            )
        return cls(area=area)

    def as_args(self) -> dict[str, str]:
        """The non-empty filters as query-string parameters (the permalink and the export)."""
        return {"area": self.area} if self.area else {}


@dataclass(frozen=True)
class StoryCount:
    """An idea's stories: how many there are, how many reached Jira, how many are done."""

    total: int = 0
    pushed: int = 0
    done: int = 0

    @property
    def words(self) -> str:
        if not self.total:
            return ""
        if not self.pushed:
            return f"{self.total} {_stories(self.total)} drafted, none in Jira yet"
        return f"{self.done} of {self.pushed} {_stories(self.pushed)} done in Jira"


def _stories(count: int) -> str:
    return "story" if count == 1 else "stories"


@dataclass(frozen=True)
class IdeaCard:
    id: int
    title: str
    area: str
    status: Status
    framework: str
    score: float | None
    stories: StoryCount
    delivered_at: datetime | None
    benefit: str  # the measured-benefit sentence, "" when none or not the viewer's to see
    column: Column


@dataclass
class InitiativeCard:
    id: int
    name: str
    health: str
    target: str
    progress: Progress
    ideas: list[IdeaCard] = field(default_factory=list)
    column: Column = Column.LATER

    @property
    def progress_words(self) -> str:
        total, done = self.progress.stories_total, self.progress.stories_done
        if not total:
            return ""
        return f"{done} of {total} {_stories(total)} done ({self.progress.percent_by_stories}%)"


@dataclass(frozen=True)
class Roadmap:
    filters: RoadmapFilters
    shows_initiatives: bool
    initiatives: dict[Column, list[InitiativeCard]]
    ideas: dict[Column, list[IdeaCard]]
    recent_weeks: int
    generated_at: datetime

    @property
    def columns(self) -> list[Column]:
        return list(Column)

    @property
    def empty(self) -> bool:
        return not any(self.initiatives.values()) and not any(self.ideas.values())


def _idea_column(status: Status) -> Column:
    return {
        Status.IN_DELIVERY: Column.NOW,
        Status.ACCEPTED: Column.NEXT,
        Status.PARKED: Column.LATER,
        Status.DELIVERED: Column.DELIVERED,
    }[status]


def _idea_clause(viewer: User, filters: RoadmapFilters, cutoff: datetime) -> ColumnElement[bool]:
    """Roadmap ideas the viewer may see: delivered ones only when recent, unless they belong to
    an initiative (an initiative's old deliveries tell whether it is finished)."""
    recent = or_(
        col(Suggestion.status) != Status.DELIVERED,
        col(Suggestion.delivered_at) >= cutoff,
        col(Suggestion.initiative_id).is_not(None),
    )
    conditions = [visible_clause(viewer), col(Suggestion.status).in_(ON_ROADMAP), recent]
    if filters.area:
        conditions.append(col(Suggestion.area) == filters.area)
    return and_(*conditions)


def _story_counts(session: Session, where: ColumnElement[bool]) -> dict[int, StoryCount]:
    """Stories per idea, pushed and done, in one grouped query (the batched form of
    jira_status.reads.suggestion_delivery, which reads one idea at a time)."""
    pushed = and_(col(JiraLink.id).is_not(None), col(JiraLink.state) == PushState.PUSHED.value)
    done = and_(pushed, col(JiraLink.delivery_state) == DeliveryState.DONE.value)
    query = (
        select_columns(
            col(StoryDraft.suggestion_id),
            func.count(col(StoryDraft.id)),
            func.sum(case((pushed, 1), else_=0)),
            func.sum(case((done, 1), else_=0)),
        )
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .outerjoin(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
        .where(where)
        .group_by(col(StoryDraft.suggestion_id))
    )
    return {
        int(idea): StoryCount(int(total), int(pushed_count or 0), int(done_count or 0))
        for idea, total, pushed_count, done_count in session.execute(query).all()
    }


def _benefits(session: Session, viewer: User, where: ColumnElement[bool]) -> dict[int, str]:
    """The measured-benefit sentence of each delivered idea whose benefit the viewer may see."""
    query = (
        select(Benefit)
        .join(Suggestion, col(Suggestion.id) == col(Benefit.suggestion_id))
        .where(where, col(Suggestion.status) == Status.DELIVERED, benefit_clause(viewer))
    )
    return {benefit.suggestion_id: describe(benefit) for benefit in session.exec(query).all()}


def _next_rank(card: IdeaCard) -> tuple[str, float, int]:
    # Within a framework by score, highest first; unscored last; frameworks apart.
    return (
        card.framework or "~",
        -(card.score if card.score is not None else float("-inf")),
        card.id,
    )


def _recent(delivered_at: datetime | None, cutoff: datetime) -> bool:
    return delivered_at is not None and delivered_at >= cutoff


def _initiative_column(card: InitiativeCard, cutoff: datetime) -> Column | None:
    """Where the initiative stands from its ideas and its Jira progress; None when it was
    finished before the recent window (it has left the roadmap)."""
    statuses = {idea.status for idea in card.ideas}
    progress = card.progress
    under_way = 0 < progress.stories_done < progress.stories_total
    if Status.IN_DELIVERY in statuses or under_way:
        return Column.NOW
    if Status.ACCEPTED in statuses:
        return Column.NEXT
    if statuses == {Status.DELIVERED}:
        recent = any(_recent(idea.delivered_at, cutoff) for idea in card.ideas)
        return Column.DELIVERED if recent else None
    return Column.LATER


def roadmap(
    session: Session,
    *,
    viewer: User,
    filters: RoadmapFilters,
    sync: SyncSettings,
    now: datetime,
    recent_weeks: int = RECENT_WEEKS,
) -> Roadmap:
    """The viewer's roadmap under the filters, in at most five queries."""
    cutoff = now - timedelta(weeks=recent_weeks)
    where = _idea_clause(viewer, filters, cutoff)
    rows = session.exec(select(Suggestion).where(where).order_by(col(Suggestion.id))).all()
    counts = _story_counts(session, where)
    benefits = _benefits(session, viewer, where)
    shows_initiatives = role_allows(viewer.role, Permission.VIEW_INITIATIVES)
    initiatives: dict[int, InitiativeCard] = {}
    if shows_initiatives:
        found = session.exec(select(Initiative).order_by(col(Initiative.name))).all()
        progress = initiative_progress(
            session,
            [i.id for i in found if i.id is not None],
            settings=sync,
            now=now,
            viewer=viewer,
        )
        for initiative in found:
            assert initiative.id is not None
            initiatives[initiative.id] = InitiativeCard(
                id=initiative.id,
                name=initiative.name,
                health=initiative.health,
                target=initiative.target_date.isoformat() if initiative.target_date else "",
                progress=progress[initiative.id],
            )
    ideas: dict[Column, list[IdeaCard]] = defaultdict(list)
    for row in rows:
        assert row.id is not None
        card = IdeaCard(
            id=row.id,
            title=row.title,
            area=row.area,
            status=row.status,
            framework=row.score_framework or "",
            score=row.score_value,
            stories=counts.get(row.id, StoryCount()),
            delivered_at=row.delivered_at,
            benefit=benefits.get(row.id, ""),
            column=_idea_column(row.status),
        )
        owner = initiatives.get(row.initiative_id or 0)
        if owner is not None:
            owner.ideas.append(card)
        elif card.column is not Column.DELIVERED or _recent(row.delivered_at, cutoff):
            ideas[card.column].append(card)
    return Roadmap(
        filters=filters,
        shows_initiatives=shows_initiatives,
        initiatives=_place(initiatives.values(), filters, cutoff),
        ideas=_sorted(ideas),
        recent_weeks=recent_weeks,
        generated_at=now,
    )


def _place(
    cards: Sequence[InitiativeCard] | Any, filters: RoadmapFilters, cutoff: datetime
) -> dict[Column, list[InitiativeCard]]:
    placed: dict[Column, list[InitiativeCard]] = {column: [] for column in Column}
    for card in cards:
        if filters.area and not card.ideas:
            continue  # an area filter keeps the initiatives with an idea in that area
        column = _initiative_column(card, cutoff)
        if column is not None:
            card.column = column
            placed[column].append(card)
    return placed


def _sorted(ideas: Mapping[Column, list[IdeaCard]]) -> dict[Column, list[IdeaCard]]:
    sort_keys: dict[Column, Any] = {
        Column.NOW: lambda card: card.id,
        Column.NEXT: _next_rank,
        Column.LATER: lambda card: card.id,
        Column.DELIVERED: lambda card: (
            -(card.delivered_at.timestamp() if card.delivered_at else 0.0),
            card.id,
        ),
    }
    return {column: sorted(ideas.get(column, []), key=sort_keys[column]) for column in Column}
