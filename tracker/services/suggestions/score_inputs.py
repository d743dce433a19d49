"""The inputs of each prioritisation framework, and how a typed number is read, checked and
written back.

Every input has a finite range (a scale, or a minimum and maximum), so every score is finite and
every formula fits the 300 characters of `suggestion.score_formula` whatever is typed: the
largest RICE score is REACH_MAX x 3 x 100% / EFFORT_MIN (tested in test_scoring.py).

Pure and stdlib-only, like the formulas in scoring.py that use it. Errors: one exception type,
`ScoreInputError`. Its `errors` maps every bad input name to a sentence naming that input;
`field`/`message` are the first of them, for callers that only show one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from numbers import Real


class Framework(StrEnum):
    VALUE_EFFORT = "value_effort"
    RICE = "rice"
    ICE = "ice"
    WSJF = "wsjf"


@dataclass(frozen=True)
class InputSpec:
    """One input of a framework; enough to render a form field and validate it.

    `choices` holds (value, label) pairs when only those values are on the scale,
    otherwise None and the input is a free number within minimum/maximum (both set, always).
    """

    name: str
    label: str
    help: str
    choices: tuple[tuple[float, str], ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    integer: bool = False


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


# RICE's open-ended inputs. Reach is large enough for the hours-saved estimate a suggestion can
# carry (100,000,000 tickets a week x 10,000 minutes / 60); effort from about two working hours
# to 100 person-years. 1e308 / 1e-308 gave an infinite score before these existed.
REACH_MAX = 1_000_000_000_000
EFFORT_MIN = 0.01
EFFORT_MAX = 1_200


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
            maximum=REACH_MAX,
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
            minimum=EFFORT_MIN,
            maximum=EFFORT_MAX,
            unit="person-months",
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

# ASCII digits only: `\d` would also take '٣', which no one types as a score.
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


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
    """A float from a number or form string, or None if it is not one.

    An integer or digit string too large for a float is infinite, so the range check refuses it
    by naming the range (float() of a 400-digit int raises OverflowError)."""
    if isinstance(raw, bool):  # True would otherwise pass as 1
        return None
    if isinstance(raw, int):
        try:
            return float(raw)
        except OverflowError:
            return math.inf if raw > 0 else -math.inf
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


def check_input(spec: InputSpec, raw: object) -> tuple[float | None, str | None]:
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
    too_low = low is not None and number < low
    too_high = (high is not None and number > high) or not math.isfinite(number)
    if too_low and not spec.integer and low is not None and number <= 0 < low:
        # What is wrong with 0 is that the input divides the score, not the exact floor.
        return None, f"{spec.label} must be more than 0 {spec.unit}".rstrip() + "."
    if too_low or too_high or (spec.integer and not number.is_integer()):
        return None, f"{spec.label} must be {_range_text(spec)}."
    return number, None


def _range_text(spec: InputSpec) -> str:
    """The allowed range as a phrase: "a whole number from 1 to 5", "from 0.01 to 1,200 ..."."""
    assert spec.minimum is not None  # every free-number input is bounded on both sides
    assert spec.maximum is not None
    whole = "a whole number " if spec.integer else ""
    low, high = format_input(spec.minimum), format_input(spec.maximum)
    return f"{whole}from {low} to {high} {spec.unit}".rstrip()


def validate(framework: Framework | str, raw: Mapping[str, object]) -> dict[str, float]:
    """Normalised inputs keyed by name; raises ScoreInputError listing every bad input.

    Keys the framework does not use are ignored. Confidence stays a percentage (80).
    """
    values: dict[str, float] = {}
    errors: dict[str, str] = {}
    for spec in INPUTS[Framework(framework)]:
        number, error = check_input(spec, raw.get(spec.name))
        if error is not None:
            errors[spec.name] = error
        elif number is not None:
            values[spec.name] = number
    if errors:
        raise ScoreInputError(errors)
    return values
