"""Prioritisation scores for ideas: value/effort (PICK), RICE, ICE and WSJF.

Pure and stdlib-only so views, the API and the Jira sync all score identically.
Every score is computed from one idea's own inputs and kept in the framework's
plain units; nothing here looks at other ideas, so a score never shifts when
another idea is added or rescored.

Errors: one exception type, `ScoreInputError`. Its `errors` maps every bad input
name to a sentence naming that input; `field`/`message` are the first of them,
for callers that only show one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from numbers import Real
from typing import NamedTuple


class Framework(StrEnum):
    VALUE_EFFORT = "value_effort"
    RICE = "rice"
    ICE = "ice"
    WSJF = "wsjf"


class Quadrant(StrEnum):
    POSSIBLE = "Possible"
    IMPLEMENT = "Implement"
    CHALLENGE = "Challenge"
    KILL = "Kill"


@dataclass(frozen=True)
class InputSpec:
    """One input of a framework; enough to render a form field and validate it.

    `choices` holds (value, label) pairs when only those values are on the scale,
    otherwise None and the input is a free number within minimum/maximum.
    """

    name: str
    label: str
    help: str
    choices: tuple[tuple[float, str], ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    integer: bool = False
    # RICE effort divides the score, so 0 must be rejected while 0.5 is fine.
    exclusive_minimum: bool = False


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


class ScoreInputError(ValueError):
    """Bad scoring inputs; `errors` maps each bad input name to a sentence."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        if not errors:
            raise ValueError("ScoreInputError needs at least one error")
        self.errors: dict[str, str] = dict(errors)
        self.field, self.message = next(iter(self.errors.items()))
        super().__init__(self.errors)  # args stay picklable

    def __str__(self) -> str:
        return " ".join(self.errors.values())


# SAFe's modified Fibonacci scale for WSJF.
FIBONACCI: tuple[int, ...] = (1, 2, 3, 5, 8, 13, 20)
STORY_POINTS: tuple[int, ...] = (1, 2, 3, 5, 8, 13)
# PICK splits the 1-5 scales at 3: a 3 counts as high, so borderline ideas land in
# Challenge/Implement/Kill rather than being waved through as Possible.
PICK_MIDPOINT = 3.0
# RICE numerators depend on how a team counts reach, so this is a fixed, documented
# threshold (100 people/quarter at medium impact, 100% confidence) rather than anything derived.
RICE_IMPACT_MIDPOINT = 100.0
RICE_EFFORT_MIDPOINT = 1.0

_FIB_CHOICES = tuple((float(n), str(n)) for n in FIBONACCI)
_FIB_HELP = "Fibonacci: 1 2 3 5 8 13 20."
_RICE_IMPACT = (
    (3, "3 - massive"),
    (2, "2 - high"),
    (1, "1 - medium"),
    (0.5, "0.5 - low"),
    (0.25, "0.25 - minimal"),
)
_RICE_CONFIDENCE = ((100, "100% - high"), (80, "80% - medium"), (50, "50% - low"))


def _whole(name: str, label: str, hint: str, top: int) -> InputSpec:
    return InputSpec(name, label, hint, minimum=1, maximum=top, integer=True)


INPUTS: dict[Framework, tuple[InputSpec, ...]] = {
    Framework.VALUE_EFFORT: (
        _whole("value", "Value", "1 (very low) to 5 (very high).", 5),
        _whole("effort", "Effort", "1 (very low) to 5 (very high).", 5),
    ),
    Framework.RICE: (
        InputSpec(
            "reach",
            "Reach",
            "People or tickets affected per quarter, e.g. 400. The ops estimate of agent"
            " hours saved per week can be used instead; keep one unit across ideas.",
            minimum=0,
            unit="people/quarter",
        ),
        InputSpec(
            "impact",
            "Impact",
            "Per person: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal.",
            _RICE_IMPACT,
        ),
        InputSpec(
            "confidence",
            "Confidence",
            "100% high, 80% medium, 50% low.",
            _RICE_CONFIDENCE,
            unit="%",
        ),
        InputSpec(
            "effort",
            "Effort",
            "Person-months of work, e.g. 0.5 or 3.",
            minimum=0,
            unit="person-months",
            exclusive_minimum=True,
        ),
    ),
    Framework.ICE: (
        _whole("impact", "Impact", "1 (tiny) to 10 (huge).", 10),
        _whole("confidence", "Confidence", "1 (a guess) to 10 (proven).", 10),
        _whole("ease", "Ease", "1 (very hard) to 10 (trivial).", 10),
    ),
    Framework.WSJF: (
        InputSpec("business_value", "Business value", _FIB_HELP, _FIB_CHOICES),
        InputSpec("time_criticality", "Time criticality", _FIB_HELP, _FIB_CHOICES),
        InputSpec(
            "risk_reduction", "Risk reduction / opportunity enablement", _FIB_HELP, _FIB_CHOICES
        ),
        InputSpec("job_size", "Job size", _FIB_HELP, _FIB_CHOICES),
    ),
}

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

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def matrix_axes(framework: Framework | str) -> MatrixAxes:
    """Labels and fixed quadrant midpoints for the framework's impact-effort matrix."""
    return _AXES[Framework(framework)]


def format_input(value: float) -> str:
    """An input as typed: thousands separators, up to 3 decimals, no trailing zeros."""
    return _compact(value, 3)


def format_score(value: float) -> str:
    """A result to 3 significant figures, whole numbers from 100 up: 213.33 -> "213"."""
    if value == 0 or not math.isfinite(value):
        return _compact(value, 0)
    return _compact(value, max(0, 2 - math.floor(math.log10(abs(value)))))


def _compact(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _parse_number(raw: object, percent: bool) -> float | None:
    """A finite float from a number or form string, or None if it is not one."""
    if isinstance(raw, bool):  # True would otherwise pass as 1
        return None
    if isinstance(raw, Real):
        number = float(raw)
        return number if math.isfinite(number) else None
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if percent:
        text = text.removesuffix("%").rstrip()
    # Only well-formed thousands groups lose their commas, so "0,5" is not read as 5.
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    return float(text) if _NUMBER.fullmatch(text) else None


def _is_missing(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _check(spec: InputSpec, raw: object) -> tuple[float | None, str | None]:
    """(normalised value, None) or (None, error sentence) for one input."""
    if _is_missing(raw):
        return None, f"{spec.label} is required."
    number = _parse_number(raw, spec.unit == "%")
    if number is None:
        return None, f"{spec.label} must be a number."
    suffix = "%" if spec.unit == "%" else ""
    if spec.choices is not None:
        for choice, _label in spec.choices:
            if math.isclose(number, choice):
                return float(choice), None
        allowed = ", ".join(format_input(choice) + suffix for choice, _ in spec.choices)
        return None, f"{spec.label} must be one of {allowed}."
    low, high = spec.minimum, spec.maximum
    too_low = low is not None and (number <= low if spec.exclusive_minimum else number < low)
    too_high = high is not None and number > high
    if too_low or too_high or (spec.integer and not number.is_integer()):
        return None, f"{spec.label} must be {_range_text(spec)}."
    return number, None


def _range_text(spec: InputSpec) -> str:
    """The allowed range as a phrase: "a whole number from 1 to 5", "0 or more"."""
    low, high = spec.minimum, spec.maximum
    whole = "a whole number " if spec.integer else ""
    if low is not None and high is not None:
        return f"{whole}from {low:g} to {high:g}"
    if low is not None and spec.exclusive_minimum:
        return f"{whole}more than {low:g} {spec.unit}".rstrip()
    if low is not None:
        return f"{whole}{low:g} or more"
    return f"{whole}{high:g} or less" if high is not None else whole.strip()


def validate(framework: Framework | str, raw: Mapping[str, object]) -> dict[str, float]:
    """Normalised inputs keyed by name; raises ScoreInputError listing every bad input.

    Keys the framework does not use are ignored. Confidence stays a percentage (80).
    """
    values: dict[str, float] = {}
    errors: dict[str, str] = {}
    for spec in INPUTS[Framework(framework)]:
        number, error = _check(spec, raw.get(spec.name))
        if error is not None:
            errors[spec.name] = error
        elif number is not None:
            values[spec.name] = number
    if errors:
        raise ScoreInputError(errors)
    return values


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
    number, error = _check(spec, inputs.get(spec.name))
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
