"""Request and response shapes of the suggestion, engagement and decision API (non-table models).

SuggestionCreate and SuggestionPublic live in tracker/api/schemas/common.py, shared with the form
and CSV import; these are the API's own. Field descriptions end up in /api/v1/openapi.json.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel


class SuggestionUpdate(SQLModel):
    """A partial edit: fields left out keep their current values; the result is checked whole."""

    title: str | None = None
    problem: str | None = None
    proposed_change: str | None = None
    area: str | None = None
    queue: str | None = None
    weekly_volume: int | None = None
    handle_time_minutes: float | None = None
    minutes_saved_per_ticket: float | None = None
    automation_share: float | None = None
    evidence_links: list[str] | None = None
    confidential: bool | None = None


class SimilarSuggestion(SQLModel):
    id: int
    title: str
    status: str
    vote_count: int
    similarity: float = Field(description="0 to 1: the share of words the two texts have in common")


class VoteCreate(SQLModel):
    frequency: str = Field(
        default="",
        description="How often the voter hits the problem: daily, weekly, monthly, rarely",
    )
    note: str = Field(default="", description="At most 500 characters")


class EngagementCounts(SQLModel):
    """The counts of the suggestion that carries the votes (the merge target, if merged)."""

    suggestion_id: int
    vote_count: int
    comment_count: int
    voted: bool
    watching: bool


class CommentCreate(SQLModel):
    body: str = Field(description="Markdown, at most 10,000 characters")


class CommentPublic(SQLModel):
    id: int
    suggestion_id: int
    author_id: int
    author_name: str
    body: str
    created_at: datetime


class WatchUpdate(SQLModel):
    watching: bool


class StatusChangePublic(SQLModel):
    from_status: str | None
    to_status: str
    reason: str
    actor_id: int | None
    created_at: datetime
    score_snapshot: dict[str, Any] | None


class StatusUpdate(SQLModel):
    status: str = Field(
        description="new, under_review, accepted, declined or parked; declining needs a reason"
    )
    reason: str = ""


class ScoreRequest(SQLModel):
    framework: str | None = Field(
        default=None, description="value_effort, rice, ice or wsjf; the configured one if left out"
    )
    inputs: dict[str, Any] = Field(description="The framework's inputs by name, e.g. reach, effort")


class ScorePublic(SQLModel):
    framework: str
    value: float
    formula: str
    inputs: dict[str, float]
    quadrant: str | None = Field(description="Value/effort only: Possible, Implement, ...")


class MergeRequest(SQLModel):
    target_id: int
    reason: str = ""


class UnmergeRequest(SQLModel):
    reason: str = ""


class SharingUpdate(SQLModel):
    confidential: bool
    shared_with_vendors: bool
