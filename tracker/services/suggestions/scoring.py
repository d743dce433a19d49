"""Prioritisation scores for ideas: value/effort (PICK), RICE, ICE and WSJF.

Pure and stdlib-only so views, the API and the Jira sync all score identically.
Every score is computed from one idea's own inputs and kept in the framework's
plain units; nothing here looks at other ideas, so a score never shifts when
another idea is added or rescored. What each framework asks for, and how inputs
are validated (raising `ScoreInputError`), is score_inputs.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from tracker.services.suggestions.score_inputs import (
    INPUTS,
    Framework,
    ScoreInputError,
    check_input,
    format_input,
    format_score,
    validate,
)


class Quadrant(StrEnum):
    POSSIBLE = "Possible"
    IMPLEMENT = "Implement"
    CHALLENGE = "Challenge"
    KILL = "Kill"


@dataclass(frozen=True)
class ScoreResult:
    """A score plus everything needed to show how it was reached.

    impact_axis/effort_axis are what an impact-effort matrix plots, in the
    framework's own units (see `matrix_axes` for the labels and midpoints).
    """

    framework: Framework
    value: float
    formula: str
    inputs: dict[str, float] = field(hash=False)
    quadrant: Quadrant | None
    impact_axis: float
    effort_axis: float


class MatrixAxes(NamedTuple):
    """x is effort and y is impact; midpoints split the quadrants."""

    x_label: str
    y_label: str
    x_midpoint: float
    y_midpoint: float


STORY_POINTS: tuple[int, ...] = (1, 2, 3, 5, 8, 13)
# PICK splits the 1-5 scales at 3: a 3 counts as high, so borderline ideas land in
# Challenge/Implement/Kill rather than being waved through as Possible.
PICK_MIDPOINT = 3.0
# RICE numerators depend on how a team counts reach, so this is a fixed, documented
# threshold (100 people/quarter at medium impact, 100% confidence) rather than anything derived.
RICE_IMPACT_MIDPOINT = 100.0
RICE_EFFORT_MIDPOINT = 1.0

_AXES: dict[Framework, MatrixAxes] = {
    Framework.VALUE_EFFORT: MatrixAxes("Effort (1-5)", "Value (1-5)", PICK_MIDPOINT, PICK_MIDPOINT),
    Framework.RICE: MatrixAxes(
        "Effort (person-months)",
        "Reach x impact x confidence (per quarter)",
        RICE_EFFORT_MIDPOINT,
        RICE_IMPACT_MIDPOINT,
    ),
    # ICE has no effort input, so difficulty is 11 - ease (1-10), and impact is
    # weighted by confidence (impact x confidence / 10) to stay on 1-10 too.
    Framework.ICE: MatrixAxes(
        "Difficulty (11 - ease, 1-10)", "Impact x confidence / 10 (1-10)", 5.5, 5.5
    ),
    # Midpoints are the scale's middle value, 5; cost of delay sums three of them.
    Framework.WSJF: MatrixAxes(
        "Job size (Fibonacci)", "Cost of delay (value + criticality + risk)", 5.0, 15.0
    ),
}


def matrix_axes(framework: Framework | str) -> MatrixAxes:
    """Labels and fixed quadrant midpoints for the framework's impact-effort matrix."""
    return _AXES[Framework(framework)]


def pick_quadrant(value: float, effort: float) -> Quadrant:
    """PICK quadrant; a value or effort equal to PICK_MIDPOINT counts as high."""
    high_value = value >= PICK_MIDPOINT
    high_effort = effort >= PICK_MIDPOINT
    if high_value:
        return Quadrant.CHALLENGE if high_effort else Quadrant.IMPLEMENT
    return Quadrant.KILL if high_effort else Quadrant.POSSIBLE


def score(framework: Framework | str, raw_inputs: Mapping[str, object]) -> ScoreResult:
    """Validate and score one idea; raises ScoreInputError for bad inputs."""
    fw = Framework(framework)
    v = validate(fw, raw_inputs)
    f = format_input
    quadrant: Quadrant | None = None
    if fw is Framework.VALUE_EFFORT:
        result = v["value"] / v["effort"]
        formula = f"Value / effort = {f(v['value'])} / {f(v['effort'])}"
        quadrant = pick_quadrant(v["value"], v["effort"])
        impact_axis, effort_axis = v["value"], v["effort"]
    elif fw is Framework.RICE:
        # Divide by 100 last so 400 x 2 x 80 / 300 stays exact in floating point.
        impact_axis = v["reach"] * v["impact"] * v["confidence"] / 100
        result = v["reach"] * v["impact"] * v["confidence"] / (100 * v["effort"])
        formula = (
            f"RICE = {f(v['reach'])} x {f(v['impact'])} x {f(v['confidence'])}% / {f(v['effort'])}"
        )
        effort_axis = v["effort"]
    elif fw is Framework.ICE:
        result = v["impact"] * v["confidence"] * v["ease"]
        formula = f"ICE = {f(v['impact'])} x {f(v['confidence'])} x {f(v['ease'])}"
        impact_axis = v["impact"] * v["confidence"] / 10
        effort_axis = 11 - v["ease"]
    else:
        parts = (v["business_value"], v["time_criticality"], v["risk_reduction"])
        impact_axis = sum(parts)
        result = impact_axis / v["job_size"]
        formula = f"WSJF = ({' + '.join(f(p) for p in parts)}) / {f(v['job_size'])}"
        effort_axis = v["job_size"]
    return ScoreResult(
        framework=fw,
        value=result,
        formula=f"{formula} = {format_score(result)}",
        inputs=v,
        quadrant=quadrant,
        impact_axis=impact_axis,
        effort_axis=effort_axis,
    )


def hours_saved_per_week(
    weekly_volume: float | None, minutes_saved_per_ticket: float | None
) -> float | None:
    """Agent hours saved per week = volume x minutes saved / 60; None if either is unknown."""
    if weekly_volume is None or minutes_saved_per_ticket is None:
        return None
    errors = {
        name: f"{label} must be 0 or more."
        for name, label, number in (
            ("weekly_volume", "Weekly volume", weekly_volume),
            ("minutes_saved_per_ticket", "Minutes saved per ticket", minutes_saved_per_ticket),
        )
        if not number >= 0  # also rejects NaN
    }
    if errors:
        raise ScoreInputError(errors)
    return weekly_volume * minutes_saved_per_ticket / 60


def hours_saved_formula(
    weekly_volume: float | None,
    minutes_saved_per_ticket: float | None,
    volume_unit: str = "tickets",
) -> str:
    """E.g. "1,200 tickets/week x 4 min / 60 = 80 agent hours/week"; "" if unknown."""
    hours = hours_saved_per_week(weekly_volume, minutes_saved_per_ticket)
    if hours is None or weekly_volume is None or minutes_saved_per_ticket is None:
        return ""
    return (
        f"{format_input(weekly_volume)} {volume_unit}/week x"
        f" {format_input(minutes_saved_per_ticket)} min / 60"
        f" = {format_score(hours)} agent hours/week"
    )


# RICE person-months round UP to the next anchor: estimates run optimistic, and a
# story sized too small in Jira hurts more than one sized too big.
_RICE_EFFORT_POINTS = ((0.25, 1), (0.5, 2), (1.0, 3), (2.0, 5), (3.0, 8))
_VALUE_EFFORT_POINTS = {1: 1, 2: 2, 3: 3, 4: 5, 5: 8}
# Ease is inverted (10 = trivial = 1 point) and paired up to fit six points.
_ICE_EASE_POINTS = {10: 1, 9: 2, 8: 2, 7: 3, 6: 3, 5: 5, 4: 5, 3: 8, 2: 8, 1: 13}


def story_points_for_effort(
    framework: Framework | str,
    inputs: Mapping[str, object],
    scale: Sequence[int] = STORY_POINTS,
) -> int:
    """Story points for the Jira story, from the framework's effort input alone.

    value/effort 1-5 -> 1, 2, 3, 5, 8; RICE person-months round up to 0.25 -> 1,
    0.5 -> 2, 1 -> 3, 2 -> 5, 3 -> 8, more -> 13; ICE ease 10 -> 1 ... 1 -> 13;
    WSJF job size as is. The result is then snapped to the nearest value in
    `scale` (ties go to the larger, for the same reason RICE rounds up).
    """
    if not scale:
        raise ValueError("scale must not be empty")
    fw = Framework(framework)
    spec = next(s for s in INPUTS[fw] if s.name in {"effort", "ease", "job_size"})
    number, error = check_input(spec, inputs.get(spec.name))
    if error is not None or number is None:
        raise ScoreInputError({spec.name: error or f"{spec.label} is required."})
    if fw is Framework.VALUE_EFFORT:
        ideal = float(_VALUE_EFFORT_POINTS[int(number)])
    elif fw is Framework.RICE:
        ideal = next((float(p) for months, p in _RICE_EFFORT_POINTS if number <= months), 13.0)
    elif fw is Framework.ICE:
        ideal = float(_ICE_EASE_POINTS[int(number)])
    else:
        ideal = number
    return min(scale, key=lambda points: (abs(points - ideal), -points))
