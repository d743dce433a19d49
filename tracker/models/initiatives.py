"""Initiatives group accepted suggestions and their stories (a Jira epic later)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class Health(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Initiative(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    goal: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    target_date: date | None = None
    health: str = Field(default=Health.ON_TRACK.value, max_length=20)
    health_note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InitiativeStakeholder(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("initiative_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
