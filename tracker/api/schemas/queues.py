"""Response shapes of the queues API: the visible queues and one queue's KPI series."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlmodel import Field, SQLModel


class QueuePublic(SQLModel):
    id: int
    name: str
    area: str = Field(description="One of the configured areas, or '' for none")
    description: str
    active: bool
    organisations: list[str] = Field(
        description="The vendor organisations working the queue, by name (empty: internal only)"
    )
    idea_count: int = Field(description="Ideas on this queue, whoever may see them")


class KpiPoint(SQLModel):
    day: date = Field(description="The day, or the Monday starting the week")
    value: float


class KpiSeriesPublic(SQLModel):
    queue_id: int
    metric: str
    unit: str
    grain: Literal["day", "week"]
    start: date = Field(description="The first day asked for (for weeks: the first Monday)")
    end: date = Field(description="The last day asked for")
    points: list[KpiPoint] = Field(description="Oldest first; days or weeks without data left out")
