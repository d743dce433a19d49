"""What a submitter provides for an idea, checked alike for the form, the API and CSV import."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class SuggestionCreate(SQLModel):
    """What a submitter provides; the form, the API and CSV import all validate through this."""

    title: str = Field(min_length=1, max_length=200)
    problem: str = Field(min_length=1, max_length=10_000)
    proposed_change: str = Field(min_length=1, max_length=10_000)
    area: str = Field(min_length=1, max_length=80)
    queue: str = Field(default="", max_length=120)
    weekly_volume: int | None = Field(default=None, ge=0, le=100_000_000)
    handle_time_minutes: float | None = Field(default=None, ge=0, le=10_000)
    minutes_saved_per_ticket: float | None = Field(default=None, ge=0, le=10_000)
    automation_share: float | None = Field(default=None, ge=0, le=100)
    evidence_links: list[str] = Field(default_factory=list, max_length=20)
    confidential: bool = False
