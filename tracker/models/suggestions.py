"""Ideas, their votes, comments, watchers and decision history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class Status(StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DUPLICATE = "duplicate"
    PARKED = "parked"
    IN_DELIVERY = "in_delivery"
    DELIVERED = "delivered"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def _enum_column(enum: type[StrEnum], **kwargs: Any) -> Column[Any]:
    return Column(
        SAEnum(enum, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        **kwargs,
    )


class Suggestion(SQLModel, table=True):
    __table_args__ = (
        Index("ix_suggestion_rank", "status", "score_value"),
        Index("ix_suggestion_created", "created_at"),
        # The backlog's column sorts (migration 0010): the id is the tie-break.
        Index("ix_suggestion_votes", "vote_count", "id"),
        Index("ix_suggestion_updated", "updated_at", "id"),
        Index("ix_suggestion_title", "title", "id"),
        Index(
            "ix_suggestion_hours",
            "status",
            "weekly_volume",
            "minutes_saved_per_ticket",
            "automation_share",
            "handle_time_minutes",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    problem: str = Field(sa_column=Column(Text, nullable=False))
    proposed_change: str = Field(sa_column=Column(Text, nullable=False))
    area: str = Field(max_length=80, index=True)
    # The queue's name, kept in step by the services (renames, merges) so pages, exports and
    # story templates show it without a join; `queue_id` is the truth.
    queue: str = Field(default="", max_length=120)
    queue_id: int | None = Field(default=None, foreign_key="queue.id", index=True)
    weekly_volume: int | None = None
    handle_time_minutes: float | None = None
    minutes_saved_per_ticket: float | None = None
    automation_share: float | None = None  # percent of tickets fully automated, 0-100
    # What delivery is measured by (services/benefits): a metric name, "" for agent hours, and
    # the improvement a week expected in its unit (for agent hours: hours_saved_per_week).
    benefit_metric: str = Field(default="", max_length=40)
    expected_benefit: float | None = None
    evidence_links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    submitter_id: int = Field(foreign_key="user.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    confidential: bool = Field(default=False)
    shared_with_vendors: bool = Field(default=False)

    status: Status = Field(
        default=Status.NEW, sa_column=_enum_column(Status, nullable=False, index=True)
    )
    decision_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    duplicate_of_id: int | None = Field(default=None, foreign_key="suggestion.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)

    score_framework: str | None = Field(default=None, max_length=20)
    score_inputs: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    score_value: float | None = None
    score_formula: str = Field(default="", max_length=300)
    impact_axis: float | None = None
    effort_axis: float | None = None

    # Kept in step by the services so the backlog can sort and show them without joins.
    vote_count: int = Field(default=0)
    comment_count: int = Field(default=0)

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # First push to Jira and the moment all stories were done (lead times in digests).
    in_jira_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def hours_saved_per_week(self) -> float | None:
        """Agent hours saved a week: volume x minutes saved / 60, or by the automated share."""
        if self.weekly_volume is None:
            return None
        if self.minutes_saved_per_ticket is not None:
            return self.weekly_volume * self.minutes_saved_per_ticket / 60
        if self.automation_share is not None and self.handle_time_minutes is not None:
            return self.weekly_volume * self.automation_share / 100 * self.handle_time_minutes / 60
        return None


class Vote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    frequency: str = Field(default="", max_length=20)  # how often the voter hits the problem
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Watch(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    reason: str = Field(max_length=20)  # submitter, voter, commenter, manual
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StatusChange(SQLModel, table=True):
    """One entry of a suggestion's history: who moved it, from what, to what, and why."""

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The score and inputs at the moment of the decision (kept even if the score changes later).
    score_snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
