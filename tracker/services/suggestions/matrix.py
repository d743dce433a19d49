"""The impact-effort matrix: accepted and under-review ideas placed by their stored axes.

Positions come from each idea's own `impact_axis`/`effort_axis` (set when it was scored) against
the framework's fixed midpoints, never from a ranking among ideas, so adding an idea never moves
another. Only the axis length grows, to max(2 x midpoint, largest value), so every dot fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from tracker.models import Status, Suggestion, User
from tracker.services.suggestions import scoring, visibility
from tracker.services.suggestions.score_inputs import Framework, format_input

STATUSES = (Status.ACCEPTED, Status.UNDER_REVIEW)
MAX_DOTS = 300  # beyond this a scatter plot stops being readable; the best-scored are shown

# Drawing geometry in SVG user units (the SVG scales to the page width).
WIDTH, HEIGHT = 720, 540
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 64
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
DOT_RADIUS = 7
_SPREAD = 10  # how far apart ideas at the same position are drawn


@dataclass(frozen=True)
class QuadrantInfo:
    key: str  # CSS class suffix
    label: str
    hint: str
    high_impact: bool
    high_effort: bool


_PICK = {
    (True, False): QuadrantInfo("quick", "Implement", "high value, low effort", True, False),
    (True, True): QuadrantInfo("big", "Challenge", "high value, high effort", True, True),
    (False, False): QuadrantInfo("fill", "Possible", "low value, low effort", False, False),
    (False, True): QuadrantInfo("pit", "Kill", "low value, high effort", False, True),
}
_GENERIC = {
    (True, False): QuadrantInfo("quick", "Quick wins", "high impact, low effort", True, False),
    (True, True): QuadrantInfo("big", "Big bets", "high impact, high effort", True, True),
    (False, False): QuadrantInfo("fill", "Fill-ins", "low impact, low effort", False, False),
    (False, True): QuadrantInfo("pit", "Money pits", "low impact, high effort", False, True),
}


def quadrants(framework: Framework | str) -> dict[tuple[bool, bool], QuadrantInfo]:
    """(high impact, high effort) -> quadrant; PICK names for value/effort."""
    return _PICK if Framework(framework) is Framework.VALUE_EFFORT else _GENERIC


def quadrant_of(framework: Framework | str, impact: float, effort: float) -> QuadrantInfo:
    """The quadrant of one idea; a value on a midpoint counts as high (as PICK does)."""
    axes = scoring.matrix_axes(framework)
    return quadrants(framework)[(impact >= axes.y_midpoint, effort >= axes.x_midpoint)]


@dataclass(frozen=True)
class MatrixDot:
    suggestion_id: int
    title: str
    status: Status
    impact: float
    effort: float
    quadrant: QuadrantInfo
    x: float
    y: float


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Matrix:
    framework: Framework
    axes: scoring.MatrixAxes
    x_max: float
    y_max: float
    dots: Sequence[MatrixDot]
    capped: bool  # more ideas match than the MAX_DOTS best-scored drawn
    x_ticks: Sequence[Tick]
    y_ticks: Sequence[Tick]
    mid_x: float
    mid_y: float
    quadrant_labels: Sequence[tuple[QuadrantInfo, float, float]]  # label at (x, y)

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = PLOT_W
    plot_h: int = PLOT_H
    radius: int = DOT_RADIUS


def axis_max(midpoint: float, values: Sequence[float]) -> float:
    """Axis length: twice the midpoint, or the largest value if one lies beyond that."""
    return max([2 * midpoint, *values])


def _px_x(effort: float, x_max: float) -> float:
    return LEFT + effort / x_max * PLOT_W


def _px_y(impact: float, y_max: float) -> float:
    return TOP + PLOT_H - impact / y_max * PLOT_H


def _spread(x: float, y: float, nth: int) -> tuple[float, float]:
    """Ideas at one spot go on rings around it so each dot stays clickable."""
    if nth == 0:
        return x, y
    ring, seat = divmod(nth - 1, 6)
    angle = math.radians(seat * 60 + ring * 30)
    distance = _SPREAD * (ring + 1)
    new_x = min(max(x + distance * math.cos(angle), LEFT), LEFT + PLOT_W)
    new_y = min(max(y - distance * math.sin(angle), TOP), TOP + PLOT_H)
    return round(new_x, 1), round(new_y, 1)


def layout(
    framework: Framework | str,
    ideas: Sequence[tuple[int, str, Status, float, float]],
    *,
    capped: bool = False,
) -> Matrix:
    """Place (id, title, status, impact, effort) ideas on the matrix. Pure: no database."""
    fw = Framework(framework)
    axes = scoring.matrix_axes(fw)
    x_max = axis_max(axes.x_midpoint, [effort for *_, effort in ideas])
    y_max = axis_max(axes.y_midpoint, [impact for *_, impact, _ in ideas])
    taken: dict[tuple[float, float], int] = {}
    dots = []
    for suggestion_id, title, status, impact, effort in ideas:
        spot = (round(_px_x(effort, x_max), 1), round(_px_y(impact, y_max), 1))
        nth = taken.get(spot, 0)
        taken[spot] = nth + 1
        x, y = _spread(*spot, nth)
        dots.append(
            MatrixDot(
                suggestion_id, title, status, impact, effort, quadrant_of(fw, impact, effort), x, y
            )
        )
    mid_x, mid_y = _px_x(axes.x_midpoint, x_max), _px_y(axes.y_midpoint, y_max)
    names = quadrants(fw)
    labels = [
        (names[(True, False)], LEFT + 8, TOP + 20),
        (names[(True, True)], LEFT + PLOT_W - 8, TOP + 20),
        (names[(False, False)], LEFT + 8, TOP + PLOT_H - 10),
        (names[(False, True)], LEFT + PLOT_W - 8, TOP + PLOT_H - 10),
    ]
    return Matrix(
        framework=fw,
        axes=axes,
        x_max=x_max,
        y_max=y_max,
        dots=dots,
        capped=capped,
        x_ticks=[
            Tick(_px_x(v, x_max), format_input(v)) for v in _tick_values(axes.x_midpoint, x_max)
        ],
        y_ticks=[
            Tick(_px_y(v, y_max), format_input(v)) for v in _tick_values(axes.y_midpoint, y_max)
        ],
        mid_x=mid_x,
        mid_y=mid_y,
        quadrant_labels=labels,
    )


def _tick_values(midpoint: float, maximum: float) -> list[float]:
    return [0.0, midpoint, round(maximum, 2)]


def _where(actor: User, area: str) -> list[ColumnElement[bool]]:
    clauses = [
        visibility.visible_clause(actor),
        col(Suggestion.score_framework).is_not(None),
        col(Suggestion.impact_axis).is_not(None),
        col(Suggestion.effort_axis).is_not(None),
    ]
    if area:
        clauses.append(col(Suggestion.area) == area)
    return clauses


def build(session: Session, *, actor: User, framework: Framework | str, area: str = "") -> Matrix:
    """The matrix of visible accepted and under-review ideas scored with `framework`."""
    fw = Framework(framework)
    where = _where(actor, area)
    # One status at a time, so each query walks ix_suggestion_rank (status, score_value) in
    # score order and stops at MAX_DOTS, instead of sorting every accepted and reviewed idea.
    found: list[Suggestion] = []
    for status in STATUSES:
        found.extend(
            session.exec(
                select(Suggestion)
                .where(
                    col(Suggestion.status) == status,
                    col(Suggestion.score_value).is_not(None),
                    col(Suggestion.score_framework) == fw.value,
                    *where,
                )
                .order_by(col(Suggestion.score_value).desc(), col(Suggestion.id).desc())
                .limit(MAX_DOTS + 1)
            ).all()
        )
    found.sort(key=lambda s: (s.score_value or 0.0, s.id or 0), reverse=True)
    ideas = [
        (s.id, s.title, s.status, s.impact_axis, s.effort_axis)
        for s in found[:MAX_DOTS]
        if s.id is not None and s.impact_axis is not None and s.effort_axis is not None
    ]
    # No exact total: counting every accepted and reviewed idea costs a scan of a third of the
    # table, for a number nobody plots.
    return layout(fw, ideas, capped=len(found) > MAX_DOTS)
