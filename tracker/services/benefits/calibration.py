"""How estimates held up: per source and per area, what delivered ideas measured against what
they were expected to save, for the score form and the benefits page.

- A source is the idea's vendor organisation, or the internal agents (no organisation, or one
  that is not a vendor: the digests count those with the agents too).
- Rows counted: measured and inconclusive ones with an expectation above zero. Both final states
  count: leaving out the inconclusive ones would keep the lucky draws and flatter the ratio.
  Waiting and not measurable rows have no figure yet.
- Only agent hours: the ratio is sum(measured) / sum(expected), an aggregate that one tiny
  estimate cannot blow up (a mean of per-idea ratios would), and sums only add in one unit.
  Shared rows (overlapping deliveries) already hold their share in `measured`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tracker.config import Settings
from tracker.models import Benefit, Organisation, Suggestion, User
from tracker.services.benefits.totals import COUNTED
from tracker.services.benefits.visibility import benefit_clause
from tracker.services.kpis.metrics import AGENT_HOURS
from tracker.services.suggestions.score_inputs import INPUTS, Framework, InputSpec, format_input

INTERNAL = "Internal agents"
SOURCE, AREA = "source", "area"
CONFIDENCE = "confidence"  # the input of the frameworks that have one (ICE, RICE)


@dataclass(frozen=True)
class Ratio:
    """One source's or area's record: `measured` over `expected`, summed over `count` ideas."""

    kind: str  # SOURCE or AREA
    label: str  # the organisation's name, INTERNAL, or the area
    organisation_id: int | None  # source rows of a vendor organisation; None otherwise
    measured: float
    expected: float
    count: int
    enough: bool  # count reaches settings.benefits.calibration_min

    @property
    def ratio(self) -> float:
        return self.measured / self.expected

    @property
    def shown(self) -> str:
        return ratio_text(self.ratio)


@dataclass(frozen=True)
class Table:
    by_source: list[Ratio]
    by_area: list[Ratio]
    minimum: int  # ideas a row needs before it suggests a confidence


@dataclass(frozen=True)
class Hint:
    """One line of the score form: "Ideas from Northwind BPO delivered 0.7x their estimate
    (12 measured)", and the confidence it suggests (None below the minimum count, or when the
    framework has no confidence input)."""

    subject: str  # "Ideas from Northwind BPO", "Ideas in Account integrity"
    ratio: float
    count: int
    minimum: int
    suggested: str | None  # the confidence input's value, as the form takes it: "80", "7"
    unit: str  # the input's unit ("%" for RICE)

    @property
    def sentence(self) -> str:
        said = f"{self.subject} delivered {ratio_text(self.ratio)}x their estimate"
        said += f" ({self.count} measured"
        if self.count < self.minimum:
            said += f"; a confidence is suggested from {self.minimum}"
        return said + ")."

    @property
    def use_label(self) -> str:
        return f"Use {self.suggested}{self.unit}" if self.suggested is not None else ""


@dataclass(frozen=True)
class Calibration:
    """What the score form shows for one idea: its source's and its area's record."""

    hints: list[Hint]
    field: str | None  # the confidence input the buttons fill, None when there is none
    after: str  # the input the hints follow: the confidence, else the framework's last one


def ratio_text(ratio: float) -> str:
    """0.7, 0.73, 1.2, 1: two decimals at most, no trailing zeros."""
    return f"{ratio:.2f}".rstrip("0").rstrip(".")


def _counted() -> ColumnElement[bool]:
    return and_(
        col(Benefit.state).in_(COUNTED),
        col(Benefit.metric) == AGENT_HOURS,
        col(Benefit.measured).is_not(None),
        col(Benefit.expected) > 0,
    )


def _grouped(
    session: Session, where: ColumnElement[bool]
) -> list[tuple[int | None, str, str, float, float, int]]:
    """(vendor organisation id or None, its name or "", area, measured, expected, count)."""
    vendor_id = case((col(Organisation.is_vendor).is_(True), col(Organisation.id)), else_=None)
    vendor_name = case((col(Organisation.is_vendor).is_(True), col(Organisation.name)), else_="")
    rows = session.execute(
        sa_select(
            vendor_id,
            vendor_name,
            col(Suggestion.area),
            func.sum(col(Benefit.measured)),
            func.sum(col(Benefit.expected)),
            func.count(),
        )
        .select_from(Benefit)
        .join(Suggestion, col(Suggestion.id) == col(Benefit.suggestion_id))
        .outerjoin(Organisation, col(Organisation.id) == col(Suggestion.organisation_id))
        .where(_counted(), where)
        .group_by(vendor_id, vendor_name, col(Suggestion.area))
    ).all()
    return [
        (org_id, name or "", area, float(measured or 0), float(expected or 0), int(count))
        for org_id, name, area, measured, expected, count in rows
    ]


def _ratios(
    kind: str, parts: Iterable[tuple[tuple[int | None, str], float, float, int]], minimum: int
) -> list[Ratio]:
    """Sum the parts per key; largest count first, then by name."""
    sums: dict[tuple[int | None, str], list[float]] = {}
    for key, measured, expected, count in parts:
        total = sums.setdefault(key, [0.0, 0.0, 0.0])
        total[0] += measured
        total[1] += expected
        total[2] += count
    ratios = [
        Ratio(kind, label, org_id, measured, expected, int(count), int(count) >= minimum)
        for (org_id, label), (measured, expected, count) in sums.items()
        if expected > 0
    ]
    return sorted(ratios, key=lambda row: (-row.count, row.label.lower()))


def table(session: Session, *, viewer: User, settings: Settings) -> Table:
    """Every source's and area's record over the ideas whose benefit the viewer may see: a
    vendor's table is built from its own organisation's ideas only, so it holds its own source
    row and never another organisation's (nor the other sources' share of an area)."""
    grouped = _grouped(session, benefit_clause(viewer))
    minimum = settings.benefits.calibration_min
    return Table(
        by_source=_ratios(
            SOURCE, (((o, n or INTERNAL), m, e, c) for o, n, _, m, e, c in grouped), minimum
        ),
        by_area=_ratios(AREA, (((None, a), m, e, c) for _, _, a, m, e, c in grouped), minimum),
        minimum=minimum,
    )


def for_suggestion(session: Session, *, suggestion: Suggestion, settings: Settings) -> Calibration:
    """The idea's source's and area's records for the score form (PMs only: it is not narrowed
    to a viewer), each with the confidence it suggests in the configured framework."""
    framework = Framework(settings.scoring.framework)
    org_id = suggestion.organisation_id
    organisation = session.get(Organisation, org_id) if org_id is not None else None
    vendor = organisation if organisation is not None and organisation.is_vendor else None
    same_source = (
        col(Suggestion.organisation_id) == vendor.id
        if vendor is not None
        else or_(
            col(Suggestion.organisation_id).is_(None),
            col(Organisation.is_vendor).is_not(True),
        )
    )
    grouped = _grouped(session, or_(same_source, col(Suggestion.area) == suggestion.area))
    minimum = settings.benefits.calibration_min
    source_rows = [
        (m, e, c) for o, _, _, m, e, c in grouped if o == (vendor.id if vendor else None)
    ]
    area_rows = [(m, e, c) for _, _, a, m, e, c in grouped if a == suggestion.area]
    spec = confidence_input(framework)
    subjects = (
        (f"Ideas from {vendor.name if vendor else INTERNAL.lower()}", source_rows),
        (f"Ideas in {suggestion.area}", area_rows),
    )
    hints = []
    for subject, rows in subjects:
        measured = sum(row[0] for row in rows)
        expected = sum(row[1] for row in rows)
        count = sum(row[2] for row in rows)
        if count == 0 or expected <= 0:
            continue
        ratio = measured / expected
        suggested = None
        if spec is not None and count >= minimum:
            suggested = format_input(suggested_confidence(ratio, spec))
        hints.append(
            Hint(subject, ratio, count, minimum, suggested, spec.unit if spec is not None else "")
        )
    last = INPUTS[framework][-1].name
    return Calibration(
        hints=hints,
        field=spec.name if spec is not None else None,
        after=spec.name if spec is not None else last,
    )


def confidence_input(framework: Framework) -> InputSpec | None:
    """The framework's confidence input; None for those without one (WSJF, value/effort)."""
    return next((spec for spec in INPUTS[framework] if spec.name == CONFIDENCE), None)


def suggested_confidence(ratio: float, spec: InputSpec) -> float:
    """The ratio of measured to expected on the confidence input's scale.

    A ratio of 1.0 or more (the source delivers what it promises) is the top of the scale; below
    that the value is the ratio times the top (0.7 on ICE's 1..10 is 7, on a percentage 70%),
    clipped to the scale's range, since a source that delivered nothing or made things worse
    still cannot go below the lowest confidence. On a scale of fixed choices (RICE: 50, 80, 100%)
    it is the nearest choice, the lower one on a tie, so a suggestion never overstates: 0.7 is
    80% and 0.65 is 50%. Whole-number scales round to the nearest whole number.
    """
    if spec.choices is not None:
        values = sorted(value for value, _ in spec.choices)
        wanted = min(max(ratio, 0.0), 1.0) * values[-1]
        return min(values, key=lambda value: (abs(value - wanted), value))
    if spec.minimum is None or spec.maximum is None:
        raise ValueError(f"the input {spec.name} has no scale")
    value = min(max(ratio * spec.maximum, spec.minimum), spec.maximum)
    return float(round(value)) if spec.integer else value
