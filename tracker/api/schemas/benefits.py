"""Response shapes of what delivered ideas saved: one idea's measurement
(GET /api/v1/suggestions/{id}/benefit) and the portfolio (GET /api/v1/benefits). Figures are
improvements a week in the metric's unit (hours for agent_hours). A total's shape and an
initiative's sum sit in planning.py, beside the initiative that carries it."""

from __future__ import annotations

from datetime import date
from typing import Self

from sqlmodel import Field, SQLModel

from tracker.api.schemas.planning import BenefitTotalPublic, PageInfo
from tracker.services.benefits.calibration import Ratio
from tracker.services.benefits.portfolio import Group, PortfolioRow


class SuggestionBenefitPublic(SQLModel):
    """services/benefits/reads.as_json: the first ten fields are always there; the rest once
    the idea has a measurement."""

    status: str = Field(
        description="waiting, measured, inconclusive, not_measurable, or not_delivered"
    )
    expected_hours_per_week: float | None = Field(description="Set when the metric is hours")
    measured_hours_per_week: float | None = Field(description="Set when the metric is hours")
    ci_low: float | None
    ci_high: float | None
    method: str | None = Field(description="difference-in-differences or pre/post")
    pre_weeks: int
    post_weeks: int
    metric: str
    reason: str = Field(description="Why it is not measurable, or what happens next")
    post_weeks_target: int | None = None
    unit: str | None = None
    expected: float | None = Field(default=None, description="In the metric's unit")
    measured: float | None = Field(default=None, description="In the metric's unit")
    summary: str | None = Field(default=None, description="The sentence the idea page shows")
    delivered_on: date | None = None
    work_started: date | None = None
    control_queues: int | None = Field(default=None, description="Control queues compared")
    shared_with: list[int] | None = Field(
        default=None, description="Ideas delivered on the same queue at overlapping times"
    )
    share: float | None = Field(default=None, description="This idea's share of that change")
    computed_at: str | None = None


class BenefitHeadline(SQLModel):
    ideas: int = Field(description="Delivered ideas matching the filters")
    states: dict[str, int] = Field(description="Ideas by measurement state")
    confidence: float = Field(description="The intervals' level, such as 0.95")
    hours: BenefitTotalPublic | None = Field(description="Null until an idea is measured")
    other_metrics: int = Field(description="Measured ideas in other units, not in the hours")


class BenefitGroupPublic(SQLModel):
    key: str = Field(description="The filter value: area, organisation id or 'internal', ...")
    label: str
    ideas: int
    states: dict[str, int]
    hours: BenefitTotalPublic | None

    @classmethod
    def of(cls, group: Group) -> Self:
        return cls(
            key=group.key,
            label=group.label,
            ideas=group.ideas,
            states=dict(group.states),
            hours=BenefitTotalPublic.of(group.total),
        )


class BenefitItemPublic(SQLModel):
    suggestion_id: int
    title: str
    area: str
    queue: str
    organisation: str = Field(description="The vendor organisation, or 'Internal'")
    initiative_id: int | None = Field(description="Null also for people who cannot see them")
    delivered_on: date | None
    quarter: str = Field(description="YYYY-Qn of the delivery")
    state: str
    metric: str
    unit: str
    expected: float | None
    measured: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    post_weeks: int
    post_weeks_target: int
    shared_with: list[int]
    share: float
    reason: str
    summary: str

    @classmethod
    def of(cls, row: PortfolioRow) -> Self:
        b = row.benefit
        return cls(
            suggestion_id=row.suggestion_id,
            title=row.title,
            area=row.area,
            queue=row.queue,
            organisation=row.organisation,
            initiative_id=row.initiative_id,
            delivered_on=row.delivered_on,
            quarter=row.quarter,
            state=b.state,
            metric=b.metric,
            unit=b.unit,
            expected=b.expected,
            measured=b.measured,
            ci_low=b.ci_low,
            ci_high=b.ci_high,
            method=b.method,
            post_weeks=b.post_weeks,
            post_weeks_target=b.post_weeks_target,
            shared_with=list(b.shared_with),
            share=b.share,
            reason=b.reason,
            summary=row.summary,
        )


class CalibrationPublic(SQLModel):
    """How one source's or area's estimates held up: measured over expected agent hours."""

    kind: str = Field(description="source (internal agents or a vendor organisation) or area")
    label: str
    organisation_id: int | None
    ratio: float = Field(description="Measured over expected, over `count` ideas")
    measured_hours_per_week: float
    expected_hours_per_week: float
    count: int
    enough: bool = Field(description="Enough measured ideas to suggest a confidence")

    @classmethod
    def of(cls, row: Ratio) -> Self:
        return cls(
            kind=row.kind,
            label=row.label,
            organisation_id=row.organisation_id,
            ratio=round(row.ratio, 3),
            measured_hours_per_week=round(row.measured, 2),
            expected_hours_per_week=round(row.expected, 2),
            count=row.count,
            enough=row.enough,
        )


class BenefitPortfolioPublic(PageInfo):
    totals: BenefitHeadline
    by_area: list[BenefitGroupPublic]
    by_organisation: list[BenefitGroupPublic] = Field(
        description="Vendor staff see only their own organisation"
    )
    by_initiative: list[BenefitGroupPublic] = Field(
        description="Empty for people who cannot see initiatives"
    )
    by_quarter: list[BenefitGroupPublic] = Field(description="Latest quarter first")
    items: list[BenefitItemPublic] = Field(description="Latest delivery first")
    filters: dict[str, str] = Field(description="The filters applied")
    calibration: list[CalibrationPublic] = Field(
        description="Per source and per area, over every delivered idea the caller may see "
        "(vendor staff: their own organisation's); not narrowed by the filters"
    )
