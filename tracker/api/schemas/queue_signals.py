"""Response shape of a queue's spikes and level shifts (tracker/api/queue_signals.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from tracker.api.schemas.planning import PageInfo


class SignalPublic(SQLModel):
    id: int
    queue_id: int
    metric: str
    metric_label: str
    kind: str = Field(description="spike (one day off) or shift (the weekly level moved)")
    grain: str = Field(description="The series it was found in: day or week")
    day: date = Field(description="The spike's day, or the first day of the new level")
    baseline: float = Field(description="What was expected (spike) or the level before (shift)")
    value: float = Field(description="What came (spike) or the new level (shift)")
    size: float = Field(description="value - baseline, in the metric's unit")
    unit: str
    agent_hours: float | None = Field(
        description="What the size means in agent hours (a week for a shift, that day for a "
        "spike); null when the metric has no such meaning or the data is missing"
    )
    worse: bool = Field(description="Whether the move is for the worse for this metric")
    detected_at: datetime


class SignalPagePublic(PageInfo):
    items: list[SignalPublic] = Field(description="Latest day first")
