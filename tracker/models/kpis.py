"""Ops data: queues, the vendor organisations that work them, their daily KPI values, the spikes
and shifts found in them, and every load of KPI data (CSV, API or a warehouse pull)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class Queue(SQLModel, table=True):
    """A queue or workflow agents work, such as "Spam appeals (EN)"."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # The name trimmed, inner spaces collapsed and case-folded: two names with one key are one
    # queue ("Spam appeals (EN)" and "spam appeals  (en)").
    key: str = Field(max_length=120, unique=True)
    area: str = Field(default="", max_length=80, index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QueueOrganisation(SQLModel, table=True):
    """A vendor organisation working a queue: its staff see the queue's KPIs and signals."""

    queue_id: int = Field(foreign_key="queue.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, index=True)


class KpiValue(SQLModel, table=True):
    """One metric of one queue on one day. The key makes every load idempotent: the same row
    twice updates the value, never adds a second one."""

    queue_id: int = Field(foreign_key="queue.id", primary_key=True)
    metric: str = Field(max_length=40, primary_key=True)
    day: date = Field(primary_key=True)
    value: float
    # Where the value came from last: "csv", "api" or "pull:<source name>".
    source: str = Field(default="", max_length=60)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignalKind(StrEnum):
    SPIKE = "spike"  # one day (or week) far from what the trailing weeks predict
    SHIFT = "shift"  # the level moved and stayed

    @property
    def label(self) -> str:
        return {"spike": "Spike", "shift": "Level shift"}[self.value]


class KpiSignal(SQLModel, table=True):
    """A spike or level shift found in a queue's metric by the nightly scan."""

    __table_args__ = (
        UniqueConstraint("queue_id", "metric", "kind", "day"),
        Index("ix_kpisignal_recent", "detected_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    queue_id: int = Field(foreign_key="queue.id", index=True)
    metric: str = Field(max_length=40)
    kind: str = Field(max_length=10)
    grain: str = Field(default="day", max_length=10)  # the series it was found in: day or week
    day: date  # the spike's day, or the first day of the new level
    baseline: float  # what was expected (spike) or the level before (shift)
    value: float  # what came (spike) or the new level (shift)
    # value - baseline in the metric's unit, and what it means in agent hours a week, if known.
    size: float
    agent_hours: float | None = None
    # Whether the move is for the worse, given the metric's lower_is_better.
    worse: bool = False
    detected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoadChannel(StrEnum):
    CSV = "csv"
    API = "api"
    PULL = "pull"


class LoadState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DRY_RUN = "dry_run"


class KpiLoad(SQLModel, table=True):
    """One load of KPI rows: who or what sent it, what it did to each row, and how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10, index=True)
    source: str = Field(default="", max_length=60, index=True)  # pull: the [kpis.sources] name
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    state: str = Field(default=LoadState.RUNNING.value, max_length=20)
    # Pulls: the rows asked for (`day >= since`).
    since: date | None = None
    # The latest day among the rows taken: the next pull asks again from shortly before it.
    last_day: date | None = None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # The first rejected rows, each {"row": n, "field": ..., "reason": ...}.
    rejections: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
