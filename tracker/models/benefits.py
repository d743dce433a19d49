"""What delivered ideas really saved (services/benefits), and vendor check-ins."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class BenefitState(StrEnum):
    WAITING = "waiting"  # the post-delivery window is not complete yet
    MEASURED = "measured"  # the interval excludes zero
    INCONCLUSIVE = "inconclusive"  # the interval spans zero
    NOT_MEASURABLE = "not_measurable"  # no queue, too little data: `reason` says which

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


FINAL_STATES = (BenefitState.MEASURED, BenefitState.INCONCLUSIVE)


class Benefit(SQLModel, table=True):
    """The measurement of one delivered idea, refreshed by services/benefits/measure.py.

    Figures are improvements per week in the metric's unit (agent hours for `agent_hours`):
    positive is better, whichever way the metric runs. When several deliveries on one queue
    overlap they are measured together and each row holds its share (`share`, summing to 1
    over `shared_with` and itself), so totals never count one change twice.
    """

    suggestion_id: int = Field(foreign_key="suggestion.id", primary_key=True)
    queue_id: int | None = Field(default=None, foreign_key="queue.id", index=True)
    state: str = Field(default=BenefitState.WAITING.value, max_length=20, index=True)
    metric: str = Field(default="agent_hours", max_length=40)
    unit: str = Field(default="hours", max_length=40)
    expected: float | None = None
    measured: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = Field(default="", max_length=40)  # difference-in-differences or pre/post
    pre_weeks: int = 0  # weeks of data in each window
    post_weeks: int = 0
    post_weeks_target: int = 0
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    work_started: date | None = None
    delivered_on: date | None = None
    pre_start: date | None = None
    pre_end: date | None = None  # exclusive
    post_start: date | None = None
    post_end: date | None = None  # exclusive
    control_queue_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    shared_with: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    share: float = 1.0
    # The whole group's change when shared, with its interval (this row's figures are its share).
    group_measured: float | None = None
    # The before/after chart: {"weeks": [iso monday...], "values": [...], "phase": ["pre"|"gap"|
    # "post"...], "counterfactual": level the post weeks would have had without the change}.
    chart: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    stale: bool = Field(default=False, index=True)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the row first reached measured or inconclusive: digests report it in that period.
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class CheckIn(SQLModel, table=True):
    """A check-in held with a vendor organisation; the next pack starts from its date."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    held_on: date
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # One question per line, asked of the vendor; the next pack lists them to follow up.
    open_questions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
