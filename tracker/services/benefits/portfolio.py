"""The portfolio of delivered ideas (/benefits, its exports, GET /api/v1/benefits): what they
saved in total and by area, vendor organisation, initiative and delivery quarter, and the table
of ideas.

Everything comes from ONE query of the measurements the viewer may see, joined to their idea,
queue, organisation and initiative; filters, groups and the page are worked out here in Python.
5,000 rows are a few milliseconds of arithmetic, and the page then costs the same statements at
30 ideas as at 5,000 (bench/benefits_portfolio.py, and a test, count them). Sums follow the one
rule in totals.py, over agent-hours rows only: hours and other units never add up.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from tracker.errors import ValidationFailed
from tracker.inputs import has_control, id_value
from tracker.models import Benefit, BenefitState, Initiative, Organisation, Queue, Suggestion, User
from tracker.pagination import Page
from tracker.permissions import Permission, allowed
from tracker.services.benefits.reads import describe
from tracker.services.benefits.totals import Total, combine
from tracker.services.benefits.visibility import benefit_clause
from tracker.services.kpis.metrics import AGENT_HOURS

INTERNAL = "internal"  # the organisation filter's value for ideas from internal agents
INTERNAL_LABEL = "Internal"
NO_INITIATIVE = "No initiative"
UNKNOWN_QUARTER = "Not known"
AREA_MAX = 80
_QUARTER = re.compile(r"[0-9]{4}-Q[1-4]")
FILTER_NAMES = ("area", "organisation", "quarter", "state")


def quarter_key(day: date | None) -> str:
    """ "2026-Q3" for a day in July to September 2026: the form URLs and the API use."""
    return "" if day is None else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_label(key: str) -> str:
    """ "2026 Q3" as people read it."""
    return key.replace("-", " ") if key else UNKNOWN_QUARTER


@dataclass(frozen=True)
class PortfolioFilters:
    """What narrows the portfolio; all empty means every delivered idea the viewer may see.

    `organisation` is "", INTERNAL or an organisation id; `quarter` is "" or "YYYY-Qn";
    `state` is "" or a BenefitState value.
    """

    area: str = ""
    organisation: str = ""
    quarter: str = ""
    state: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> PortfolioFilters:
        """Filters from the query string. A value that makes no sense is a ValidationFailed
        naming it (dropping it would show totals under a filter the reader believes applied)."""
        errors: dict[str, str] = {}
        raw = {name: str(args.get(name) or "") for name in FILTER_NAMES}
        values = {name: value.strip() for name, value in raw.items()}
        area = values["area"]
        if has_control(area):
            errors["area"] = "Area contains control characters; remove them."
        elif len(raw["area"]) > AREA_MAX:
            errors["area"] = f"Area must be at most {AREA_MAX} characters."
        organisation = values["organisation"]
        if organisation and organisation != INTERNAL:
            try:
                organisation = str(id_value(organisation, "organisation"))
            except ValidationFailed:
                errors["organisation"] = (
                    "Organisation must be 'internal' or an organisation's number such as 42."
                )
        quarter = values["quarter"]
        if quarter and _QUARTER.fullmatch(quarter) is None:
            errors["quarter"] = "Quarter must look like 2026-Q3 (a year, then Q1 to Q4)."
        state = values["state"]
        if state and state not in {s.value for s in BenefitState}:
            known = ", ".join(s.value for s in BenefitState)
            errors["state"] = f"State must be one of: {known}."
        if errors:
            raise ValidationFailed(" ".join(errors.values()), fields=errors)
        return cls(area=area, organisation=organisation, quarter=quarter, state=state)

    def as_args(self) -> dict[str, str]:
        """The non-empty filters as query-string parameters (links, exports, the API echo)."""
        return {name: getattr(self, name) for name in FILTER_NAMES if getattr(self, name)}

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    def keeps(self, row: PortfolioRow) -> bool:
        organisation = INTERNAL if row.organisation_id is None else str(row.organisation_id)
        return (
            (not self.area or row.area == self.area)
            and (not self.organisation or organisation == self.organisation)
            and (not self.quarter or row.quarter == self.quarter)
            and (not self.state or row.benefit.state == self.state)
        )


@dataclass(frozen=True, slots=True)
class Measurement:
    """The columns of a Benefit row that the portfolio reads, as plain values: 5,000 ORM
    objects, each decoding its chart's JSON, cost most of the page's time, and the portfolio
    needs neither the chart nor change tracking. Attribute names are Benefit's, so totals.py
    adds these up as it adds Benefits."""

    suggestion_id: int
    state: str
    metric: str = AGENT_HOURS
    unit: str = "hours"
    expected: float | None = None
    measured: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = ""
    pre_weeks: int = 0
    post_weeks: int = 0
    post_weeks_target: int = 0
    reason: str = ""
    delivered_on: date | None = None
    shared_with: tuple[int, ...] = ()
    share: float = 1.0

    def as_benefit(self, confidence: float) -> Benefit:
        """A transient Benefit of these values (for reads.describe), never added to a session."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values["shared_with"] = list(self.shared_with)
        return Benefit(**values, chart={"confidence": confidence})


_MEASUREMENT_COLUMNS = tuple(getattr(Benefit, name) for name in Measurement.__slots__)


@dataclass(frozen=True)
class PortfolioRow:
    """One delivered idea's measurement with the names shown beside it."""

    benefit: Measurement
    title: str
    area: str
    queue: str
    organisation_id: int | None
    organisation: str  # the vendor organisation's name, or "Internal"
    initiative_id: int | None  # None also when the viewer may not see initiatives
    initiative: str
    delivered_on: date | None
    confidence: float = 0.95  # the level of the interval, for the summary's "95% CI"

    @property
    def suggestion_id(self) -> int:
        return self.benefit.suggestion_id

    @property
    def quarter(self) -> str:
        return quarter_key(self.delivered_on)

    @property
    def state(self) -> BenefitState:
        return BenefitState(self.benefit.state)

    @property
    def summary(self) -> str:
        return describe(self.benefit.as_benefit(self.confidence))


@dataclass(frozen=True)
class Group:
    """The ideas of one area, organisation, initiative or quarter, and their agent hours."""

    key: str
    label: str
    ideas: int
    states: Mapping[str, int]
    total: Total | None  # agent hours; None when no idea of the group is measured yet


@dataclass(frozen=True)
class FilterChoices:
    """Options for the filter form: only what the viewer's own rows hold."""

    areas: Sequence[str]
    organisations: Sequence[tuple[str, str]]  # (filter value, label)
    quarters: Sequence[tuple[str, str]]
    states: Sequence[BenefitState]


@dataclass(frozen=True)
class Portfolio:
    filters: PortfolioFilters
    ideas: int  # delivered ideas matching the filters
    states: Mapping[str, int]  # every BenefitState value, in their order
    total: Total | None  # agent hours over measured and inconclusive ideas
    other_metrics: int  # measured ideas in other units, left out of the hour totals
    by_area: Sequence[Group]
    by_organisation: Sequence[Group]
    by_initiative: Sequence[Group]  # empty for people who may not see initiatives
    by_quarter: Sequence[Group]
    rows: Sequence[PortfolioRow]  # every matching idea, latest delivery first
    page: Page[PortfolioRow]
    choices: FilterChoices
    confidence: float
    show_initiatives: bool


def visible_rows(session: Session, *, actor: User, confidence: float = 0.95) -> list[PortfolioRow]:
    """Every measurement the actor may see, with its names, in one query; latest delivery
    first. Initiative names are left out for people who may not see initiatives."""
    show_initiatives = allowed(actor, Permission.VIEW_INITIATIVES)
    query = (
        select_columns(
            *(col(column) for column in _MEASUREMENT_COLUMNS),
            col(Suggestion.title),
            col(Suggestion.area),
            col(Suggestion.queue),
            col(Suggestion.organisation_id),
            col(Suggestion.initiative_id),
            col(Suggestion.delivered_at),
            col(Organisation.name),
            col(Initiative.name),
            col(Queue.name),
        )
        .select_from(Benefit)
        .join(Suggestion, col(Suggestion.id) == col(Benefit.suggestion_id))
        .outerjoin(Organisation, col(Organisation.id) == col(Suggestion.organisation_id))
        .outerjoin(Initiative, col(Initiative.id) == col(Suggestion.initiative_id))
        .outerjoin(Queue, col(Queue.id) == col(Benefit.queue_id))
        .where(benefit_clause(actor))
    )
    width = len(_MEASUREMENT_COLUMNS)
    rows = []
    for found in session.execute(query).all():
        values = dict(zip(Measurement.__slots__, found[:width], strict=True))
        values["shared_with"] = tuple(values["shared_with"] or ())
        measurement = Measurement(**values)
        title, area, queue, org_id, initiative_id, delivered_at = found[width : width + 6]
        org_name, initiative_name, queue_name = found[width + 6 :]
        seen = initiative_id if show_initiatives else None
        rows.append(
            PortfolioRow(
                benefit=measurement,
                title=title,
                area=area,
                queue=queue_name or queue or "",
                organisation_id=org_id,
                organisation=org_name if org_id is not None and org_name else INTERNAL_LABEL,
                initiative_id=seen,
                initiative=(initiative_name or "") if seen is not None else "",
                delivered_on=measurement.delivered_on
                or (delivered_at.date() if delivered_at is not None else None),
                confidence=confidence,
            )
        )
    rows.sort(key=lambda r: (r.delivered_on or date.min, r.suggestion_id), reverse=True)
    return rows


def hours_total(rows: Iterable[PortfolioRow]) -> Total | None:
    """The agent hours a week of the rows, with the interval of totals.py."""
    # Measurement has the attributes combine() reads (see its docstring); not a Benefit only
    # because building 5,000 ORM objects would cost more than the sums.
    hours = [row.benefit for row in rows if row.benefit.metric == AGENT_HOURS]
    return combine(cast("list[Benefit]", hours))


def state_counts(rows: Iterable[PortfolioRow]) -> dict[str, int]:
    counted = Counter(row.benefit.state for row in rows)
    return {state.value: counted.get(state.value, 0) for state in BenefitState}


def grouped(
    rows: Iterable[PortfolioRow],
    key: Callable[[PortfolioRow], tuple[str, str]],
    *,
    order: Callable[[Group], Any] | None = None,
) -> list[Group]:
    """Rows by `key` (-> (key, label)), each group with its state counts and hour total;
    by label unless `order` says otherwise."""
    members: dict[tuple[str, str], list[PortfolioRow]] = defaultdict(list)
    for row in rows:
        members[key(row)].append(row)
    groups = [
        Group(
            key=group_key,
            label=label,
            ideas=len(found),
            states=state_counts(found),
            total=hours_total(found),
        )
        for (group_key, label), found in members.items()
    ]
    return sorted(groups, key=order or (lambda g: g.label.casefold()))


def _by_organisation(row: PortfolioRow) -> tuple[str, str]:
    return (
        (INTERNAL, INTERNAL_LABEL)
        if row.organisation_id is None
        else (
            str(row.organisation_id),
            row.organisation,
        )
    )


def _by_initiative(row: PortfolioRow) -> tuple[str, str]:
    return (
        ("", NO_INITIATIVE)
        if row.initiative_id is None
        else (
            str(row.initiative_id),
            row.initiative,
        )
    )


def _choices(rows: Sequence[PortfolioRow], areas: Iterable[str]) -> FilterChoices:
    organisations = {_by_organisation(row) for row in rows}
    quarters = {row.quarter for row in rows if row.quarter}
    return FilterChoices(
        areas=sorted({*areas, *(row.area for row in rows)}, key=str.casefold),
        organisations=sorted(organisations, key=lambda o: (o[0] != INTERNAL, o[1].casefold())),
        quarters=[(q, quarter_label(q)) for q in sorted(quarters, reverse=True)],
        states=list(BenefitState),
    )


def build(
    rows: Sequence[PortfolioRow],
    *,
    filters: PortfolioFilters,
    page: int,
    per_page: int,
    confidence: float,
    show_initiatives: bool,
    areas: Iterable[str] = (),
) -> Portfolio:
    """The portfolio of `rows` (as visible_rows returns them) under `filters`: no database."""
    kept = [row for row in rows if filters.keeps(row)]
    start = (page - 1) * per_page
    counted = (BenefitState.MEASURED.value, BenefitState.INCONCLUSIVE.value)
    return Portfolio(
        filters=filters,
        ideas=len(kept),
        states=state_counts(kept),
        total=hours_total(kept),
        other_metrics=sum(
            1 for r in kept if r.benefit.metric != AGENT_HOURS and r.benefit.state in counted
        ),
        by_area=grouped(kept, lambda r: (r.area, r.area or "No area")),
        by_organisation=grouped(
            kept, _by_organisation, order=lambda g: (g.key != INTERNAL, g.label.casefold())
        ),
        by_initiative=grouped(
            kept, _by_initiative, order=lambda g: (g.key == "", g.label.casefold())
        )
        if show_initiatives
        else [],
        by_quarter=grouped(
            kept,
            lambda r: (r.quarter, quarter_label(r.quarter)),
            order=lambda g: (g.key == "", _descending(g.key)),
        ),
        rows=kept,
        page=Page(
            items=kept[start : start + per_page], total=len(kept), page=page, per_page=per_page
        ),
        choices=_choices(rows, areas),
        confidence=confidence,
        show_initiatives=show_initiatives,
    )


def _descending(key: str) -> tuple[int, ...]:
    """Latest quarter first: "2026-Q3" -> (-2026, -3)."""
    year, _, quarter = key.partition("-Q")
    return (-int(year), -int(quarter)) if year.isdigit() and quarter.isdigit() else (0, 0)


def portfolio(
    session: Session,
    *,
    actor: User,
    filters: PortfolioFilters,
    page: int = 1,
    per_page: int = 50,
    confidence: float = 0.95,
    areas: Iterable[str] = (),
) -> Portfolio:
    """The actor's portfolio: one query, then build()."""
    return build(
        visible_rows(session, actor=actor, confidence=confidence),
        filters=filters,
        page=page,
        per_page=per_page,
        confidence=confidence,
        show_initiatives=allowed(actor, Permission.VIEW_INITIATIVES),
        areas=areas,
    )
