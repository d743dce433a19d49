"""Request and response shapes of delivery outside Jira (tracker/api/deliveries.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from tracker.api.schemas.common import RequestBody
from tracker.services.benefits.delivery import NOTE_MAX

# Documented here; the service checks it (with a sentence naming "on") and refuses 2026-02-30.
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class DeliveryRequest(RequestBody):
    on: str = Field(
        description="The day it was delivered, YYYY-MM-DD in the configured time zone; not in "
        "the future",
        schema_extra={"json_schema_extra": {"format": "date", "pattern": DAY_PATTERN}},
    )
    note: str = Field(
        default="",
        max_length=NOTE_MAX,
        description="What was delivered and how; the history shows it as the reason",
    )


class DeliveryPublic(SQLModel):
    id: int
    status: str
    delivered_on: date = Field(description="The day given, in the configured time zone")
    delivered_at: datetime = Field(description="Noon that day (or the moment of marking)")
    corrected: bool = Field(description="True when an earlier hand delivery was corrected")
