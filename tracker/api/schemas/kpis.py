"""Request and response shapes of the KPI ingest API (POST /api/v1/kpis).

A row's JSON types are checked here (a row that is not an object of these four fields refuses
the request); whether its queue, day, metric and value make sense is the ingest service's
question, answered per row in the report.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import StrictBool, StrictFloat, StrictInt
from sqlmodel import Field, SQLModel

from tracker.api.schemas.common import Id, RequestBody
from tracker.services.kpis.ingest import LoadReport

# The most rows `[kpis] max_api_rows` may allow (its bound in tracker/kpi_settings.py); the
# configured limit is checked on each call.
ROWS_CEILING = 100_000
QueueName = Annotated[str, Field(max_length=200)]
Text = Annotated[str, Field(max_length=60)]


class KpiRowIn(RequestBody):
    queue: Id | QueueName = Field(
        description="The queue's name (case and spacing do not count) or id"
    )
    day: Text = Field(description="The day, YYYY-MM-DD, from 2000-01-01 to tomorrow (UTC)")
    metric: Text = Field(description="A stored metric of the registry, such as incoming")
    value: StrictInt | StrictFloat | Text = Field(
        description='From 0 to 1e12; a number, or text of digits such as "1,200"'
    )


class KpiLoadRequest(RequestBody):
    rows: list[KpiRowIn] = Field(
        min_length=1,
        max_length=ROWS_CEILING,
        description="At most [kpis] max_api_rows (10,000 unless configured) rows a call",
    )
    mode: Literal["all", "valid"] = Field(
        default="all",
        description="all stores nothing if any row is rejected; valid stores the good rows",
    )
    dry_run: StrictBool = Field(
        default=False, description="Count what would happen; store nothing but the load's record"
    )


class KpiRejectionPublic(SQLModel):
    row: int = Field(description="The row's position in `rows`, counting from 1")
    field: str = Field(description="queue, day, metric or value")
    reason: str


class KpiLoadReportPublic(SQLModel):
    """What a load did. When mode all refused it (a 422), the body also has `error` and
    `message` (the same sentence) and `fields`."""

    load_id: int | None = Field(description="The load's record, listed on the KPI loads page")
    inserted: int
    updated: int = Field(description="Rows whose stored value changed")
    unchanged: int = Field(description="Rows whose value was stored already")
    rejected: int = Field(description="Rows refused; each problem is in `rejections`")
    rejections: list[KpiRejectionPublic] = Field(description="The first 10,000 problems")
    applied: bool = Field(description="Whether the rows were stored")
    dry_run: bool
    last_day: date | None = Field(description="The latest day among the rows taken")

    @classmethod
    def of(cls, report: LoadReport) -> KpiLoadReportPublic:
        return cls(
            load_id=report.load_id,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            rejections=[
                KpiRejectionPublic(row=r.number, field=r.field, reason=r.reason)
                for r in report.rejections
            ],
            applied=report.applied,
            dry_run=report.dry_run,
            last_day=report.last_day,
        )
