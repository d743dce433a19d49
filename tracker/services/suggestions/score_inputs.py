"""The inputs of each prioritisation framework, and how a typed number is read, checked and
written back.

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

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


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
        number, error = check_input(spec, raw.get(spec.name))
        if error is not None:
            errors[spec.name] = error
        elif number is not None:
            values[spec.name] = number
    if errors:
        raise ScoreInputError(errors)
    return values
