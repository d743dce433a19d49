"""User-story drafts made from accepted suggestions, ready for Jira."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class DraftState(StrEnum):
    DRAFT = "draft"
    READY = "ready"


class StoryDraft(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    summary: str = Field(max_length=400)
    role: str = Field(default="", max_length=200)
    want: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    benefit: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    context: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # [{"given": ..., "when": ..., "then": ...}, ...]
    acceptance_criteria: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    story_points: int | None = None
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    components: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    priority: str = Field(default="Medium", max_length=40)
    state: str = Field(default=DraftState.DRAFT.value, max_length=20, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
