"""Worked examples for tracker.services.suggestions.scoring, one section per framework."""

from __future__ import annotations

import itertools
import math
import pickle

import pytest

from tracker.services.suggestions.score_inputs import (
    EFFORT_MAX,
    INPUTS,
    REACH_MAX,
    Framework,
    InputSpec,
    ScoreInputError,
    format_input,
    format_score,
    validate,
)
from tracker.services.suggestions.scoring import (
    Quadrant,
    hours_saved_formula,
    hours_saved_per_week,
    matrix_axes,
    pick_quadrant,
    score,
    story_points_for_effort,
)

# --- value / effort (PICK) -------------------------------------------------


def test_value_effort_worked_example() -> None:
    result = score(Framework.VALUE_EFFORT, {"value": 4, "effort": 2})
    assert result.value == 2.0
    assert result.formula == "Value / effort = 4 / 2 = 2"
    assert result.quadrant == "Implement"
    assert result.quadrant is Quadrant.IMPLEMENT
    assert (result.impact_axis, result.effort_axis) == (4, 2)
    assert result.inputs == {"value": 4.0, "effort": 2.0}


@pytest.mark.parametrize(
    ("value", "effort", "quadrant"),
    [
        (5, 1, Quadrant.IMPLEMENT),
        (4, 4, Quadrant.CHALLENGE),
        (1, 2, Quadrant.POSSIBLE),
        (2, 5, Quadrant.KILL),
        # The midpoint 3 counts as high on both axes.
        (3, 2, Quadrant.IMPLEMENT),
        (3, 3, Quadrant.CHALLENGE),
        (2, 3, Quadrant.KILL),
        (2, 2, Quadrant.POSSIBLE),
    ],
)
def test_pick_quadrants(value: int, effort: int, quadrant: Quadrant) -> None:
    assert score("value_effort", {"value": value, "effort": effort}).quadrant is quadrant
    assert pick_quadrant(value, effort) is quadrant


def test_value_effort_rounds_display_not_value() -> None:
    result = score(Framework.VALUE_EFFORT, {"value": "4", "effort": "3"})
    assert result.value == pytest.approx(4 / 3)
    assert result.formula == "Value / effort = 4 / 3 = 1.33"


@pytest.mark.parametrize("bad", [0, 6, 2.5, "abc", True])
def test_value_effort_rejects_off_scale(bad: object) -> None:
    with pytest.raises(ScoreInputError) as exc:
        score(Framework.VALUE_EFFORT, {"value": bad, "effort": 2})
    assert exc.value.field == "value"
    assert exc.value.errors.keys() == {"value"}


def test_value_effort_range_message() -> None:
    with pytest.raises(ScoreInputError) as exc:
        validate(Framework.VALUE_EFFORT, {"value": 3, "effort": 9})
    assert exc.value.message == "Effort must be a whole number from 1 to 5."


# --- RICE --------------------------------------------------------------------


def test_rice_worked_example() -> None:
    result = score(Framework.RICE, {"reach": 400, "impact": 2, "confidence": 80, "effort": 3})
    assert result.value == pytest.approx(213.3333333)
    assert result.formula == "RICE = 400 x 2 x 80% / 3 = 213"
    assert result.quadrant is None
    assert result.impact_axis == pytest.approx(640)
    assert result.effort_axis == 3


def test_rice_accepts_form_strings() -> None:
    raw = {"reach": " 1,200 ", "impact": "0.5", "confidence": "80%", "effort": "0.5"}
    result = score("rice", raw)
    assert result.inputs == {"reach": 1200.0, "impact": 0.5, "confidence": 80.0, "effort": 0.5}
    assert result.value == pytest.approx(960)
    assert result.formula == "RICE = 1,200 x 0.5 x 80% / 0.5 = 960"


def test_rice_minimal_impact_and_fractional_reach() -> None:
    result = score("rice", {"reach": 2.5, "impact": 0.25, "confidence": "50 %", "effort": 12})
    assert result.value == pytest.approx(0.026041666)
    assert result.formula == "RICE = 2.5 x 0.25 x 50% / 12 = 0.026"


def test_rice_zero_reach_scores_zero() -> None:
    result = score("rice", {"reach": 0, "impact": 3, "confidence": 100, "effort": 1})
    assert result.value == 0
    assert result.formula == "RICE = 0 x 3 x 100% / 1 = 0"


def test_rice_off_scale_impact_names_impact() -> None:
    with pytest.raises(ScoreInputError) as exc:
        score("rice", {"reach": 400, "impact": 1.5, "confidence": 80, "effort": 3})
    assert exc.value.field == "impact"
    assert exc.value.message == "Impact must be one of 3, 2, 1, 0.5, 0.25."
    assert isinstance(exc.value, ValueError)


def test_rice_confidence_90_rejected() -> None:
    with pytest.raises(ScoreInputError) as exc:
        score("rice", {"reach": 400, "impact": 2, "confidence": "90%", "effort": 3})
    assert exc.value.field == "confidence"
    assert exc.value.message == "Confidence must be one of 100%, 80%, 50%."


@pytest.mark.parametrize("effort", [0, "0", -1])
def test_rice_effort_must_be_positive(effort: object) -> None:
    with pytest.raises(ScoreInputError) as exc:
        score("rice", {"reach": 400, "impact": 2, "confidence": 80, "effort": effort})
    assert exc.value.errors == {"effort": "Effort must be more than 0 person-months."}


def test_rice_negative_reach_rejected() -> None:
    with pytest.raises(ScoreInputError) as exc:
        score("rice", {"reach": -5, "impact": 2, "confidence": 80, "effort": 1})
    assert exc.value.errors == {
        "reach": "Reach must be from 0 to 1,000,000,000,000 people/quarter."
    }


def test_missing_inputs_reported_all_at_once() -> None:
    with pytest.raises(ScoreInputError) as exc:
        validate(Framework.RICE, {"reach": "", "impact": None, "effort": "soon"})
    assert exc.value.errors == {
        "reach": "Reach is required.",
        "impact": "Impact is required.",
        "confidence": "Confidence is required.",
        "effort": "Effort must be a number.",
    }
    # field/message are the first error, in the framework's input order.
    assert (exc.value.field, exc.value.message) == ("reach", "Reach is required.")
    assert str(exc.value).startswith("Reach is required. Impact is required.")


@pytest.mark.parametrize("bad", ["0,5", "1e3", "nan", "inf", float("nan"), [3], "80%%"])
def test_non_numbers_rejected(bad: object) -> None:
    with pytest.raises(ScoreInputError) as exc:
        validate("rice", {"reach": bad, "impact": 1, "confidence": 100, "effort": 1})
    assert exc.value.errors == {"reach": "Reach must be a number."}


def test_percent_sign_only_for_percentages() -> None:
    with pytest.raises(ScoreInputError) as exc:
        validate("rice", {"reach": "80%", "impact": 1, "confidence": 100, "effort": 1})
    assert exc.value.field == "reach"


def test_unused_keys_ignored() -> None:
    assert validate("value_effort", {"value": 1, "effort": 1, "reach": "junk"}) == {
        "value": 1.0,
        "effort": 1.0,
    }


def test_error_survives_pickling() -> None:
    error = ScoreInputError({"impact": "Impact is required."})
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert copy.errors == error.errors
    assert copy.field == "impact"


# --- ICE ---------------------------------------------------------------------


def test_ice_worked_example() -> None:
    result = score(Framework.ICE, {"impact": 8, "confidence": 6, "ease": 5})
    assert result.value == 240
    assert result.formula == "ICE = 8 x 6 x 5 = 240"
    assert result.quadrant is None
    # Confidence-weighted impact vs difficulty (11 - ease), both on 1-10.
    assert result.impact_axis == pytest.approx(4.8)
    assert result.effort_axis == 6


def test_ice_bounds() -> None:
    assert score("ice", {"impact": 10, "confidence": 10, "ease": 10}).formula == (
        "ICE = 10 x 10 x 10 = 1,000"
    )
    with pytest.raises(ScoreInputError) as exc:
        score("ice", {"impact": 11, "confidence": 0, "ease": 7.5})
    assert exc.value.errors == {
        "impact": "Impact must be a whole number from 1 to 10.",
        "confidence": "Confidence must be a whole number from 1 to 10.",
        "ease": "Ease must be a whole number from 1 to 10.",
    }


# --- WSJF --------------------------------------------------------------------


def test_wsjf_worked_example() -> None:
    result = score(
        Framework.WSJF,
        {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 5},
    )
    assert result.value == pytest.approx(3.2)
    assert result.formula == "WSJF = (8 + 5 + 3) / 5 = 3.2"
    assert result.impact_axis == 16  # cost of delay
    assert result.effort_axis == 5


def test_wsjf_off_fibonacci_rejected() -> None:
    raw = {"business_value": 4, "time_criticality": 21, "risk_reduction": 1, "job_size": 20}
    with pytest.raises(ScoreInputError) as exc:
        score("wsjf", raw)
    assert exc.value.errors.keys() == {"business_value", "time_criticality"}
    assert exc.value.message == "Business value must be one of 1, 2, 3, 5, 8, 13, 20."


# --- shared pieces -----------------------------------------------------------


def test_every_framework_has_inputs_and_axes() -> None:
    for framework in Framework:
        assert INPUTS[framework]
        x_label, y_label, x_mid, y_mid = matrix_axes(framework)
        assert x_label
        assert y_label
        assert x_mid > 0
        assert y_mid > 0


def test_matrix_axes_are_fixed() -> None:
    assert matrix_axes("value_effort") == ("Effort (1-5)", "Value (1-5)", 3.0, 3.0)
    assert matrix_axes(Framework.WSJF)[2:] == (5.0, 15.0)
    assert matrix_axes(Framework.ICE).x_midpoint == 5.5


def test_unknown_framework_rejected() -> None:
    with pytest.raises(ValueError, match="moscow"):
        score("moscow", {})


@pytest.mark.parametrize(
    ("value", "text"),
    [(213.333, "213"), (2.5, "2.5"), (3.2, "3.2"), (80.0, "80"), (0, "0"), (12345.6, "12,346")],
)
def test_format_score(value: float, text: str) -> None:
    assert format_score(value) == text


def test_format_input_keeps_typed_precision() -> None:
    assert format_input(1234.5) == "1,234.5"
    assert format_input(0.25) == "0.25"
    assert format_input(3.0) == "3"


# --- ops evidence: hours saved -----------------------------------------------


def test_hours_saved() -> None:
    assert hours_saved_per_week(1200, 4) == 80
    assert hours_saved_per_week(150, 2.5) == pytest.approx(6.25)
    assert hours_saved_per_week(None, 4) is None
    assert hours_saved_per_week(1200, None) is None


def test_hours_saved_formula() -> None:
    assert hours_saved_formula(1200, 4) == ("1,200 tickets/week x 4 min / 60 = 80 agent hours/week")
    assert hours_saved_formula(300, 1.5, volume_unit="calls") == (
        "300 calls/week x 1.5 min / 60 = 7.5 agent hours/week"
    )
    assert hours_saved_formula(None, 4) == ""


def test_hours_saved_rejects_negative() -> None:
    with pytest.raises(ScoreInputError) as exc:
        hours_saved_per_week(-1, 4)
    assert exc.value.field == "weekly_volume"


def test_hours_saved_usable_as_reach() -> None:
    hours = hours_saved_per_week(1200, 4)
    result = score("rice", {"reach": hours, "impact": 1, "confidence": 100, "effort": 2})
    assert result.formula == "RICE = 80 x 1 x 100% / 2 = 40"


# --- story points -------------------------------------------------------------


@pytest.mark.parametrize(("effort", "points"), [(1, 1), (2, 2), (3, 3), (4, 5), (5, 8)])
def test_story_points_value_effort(effort: int, points: int) -> None:
    assert story_points_for_effort("value_effort", {"effort": effort}) == points


@pytest.mark.parametrize(
    ("months", "points"),
    [
        (0.1, 1),
        (0.25, 1),
        (0.5, 2),
        (0.75, 3),  # rounds up to the next anchor
        (1, 3),
        (2, 5),
        (2.5, 8),
        (3, 8),
        (3.5, 13),
        (24, 13),
    ],
)
def test_story_points_rice(months: float, points: int) -> None:
    assert story_points_for_effort(Framework.RICE, {"effort": months}) == points


@pytest.mark.parametrize(("ease", "points"), [(10, 1), (9, 2), (7, 3), (5, 5), (3, 8), (1, 13)])
def test_story_points_ice_inverts_ease(ease: int, points: int) -> None:
    assert story_points_for_effort("ice", {"ease": ease}) == points


@pytest.mark.parametrize(("job_size", "points"), [(1, 1), (5, 5), (13, 13), (20, 13)])
def test_story_points_wsjf(job_size: int, points: int) -> None:
    assert story_points_for_effort("wsjf", {"job_size": job_size}) == points


def test_story_points_custom_scale_snaps_up_on_ties() -> None:
    # effort 4 -> 5 points, halfway between 3 and 7 on this scale: take the larger.
    assert story_points_for_effort("value_effort", {"effort": 4}, scale=(1, 3, 7)) == 7
    assert story_points_for_effort("wsjf", {"job_size": 8}, scale=(1, 2, 4)) == 4


def test_story_points_only_needs_effort_input() -> None:
    inputs = score("rice", {"reach": 1, "impact": 1, "confidence": 50, "effort": 1}).inputs
    assert story_points_for_effort("rice", inputs) == 3
    with pytest.raises(ScoreInputError) as exc:
        story_points_for_effort("rice", {"reach": 5})
    assert exc.value.errors == {"effort": "Effort is required."}


def _extremes(spec: InputSpec) -> list[float]:
    if spec.choices is not None:
        return [value for value, _ in spec.choices]
    assert spec.minimum is not None, spec.name  # every free number is bounded both ways
    assert spec.maximum is not None, spec.name
    return [spec.minimum, spec.maximum]


@pytest.mark.parametrize("framework", list(Framework))
def test_every_score_is_finite_and_its_formula_fits_the_column(framework: Framework) -> None:
    specs = INPUTS[framework]
    for values in itertools.product(*(_extremes(spec) for spec in specs)):
        result = score(framework, dict(zip((spec.name for spec in specs), values, strict=True)))
        assert math.isfinite(result.value)
        assert len(result.formula) <= 300, result.formula  # suggestion.score_formula


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("reach", 10**400),
        ("reach", "9" * 400),
        ("reach", 1e308),
        ("reach", REACH_MAX + 1),
        ("effort", 1e-308),
        ("effort", EFFORT_MAX + 0.5),
    ],
)
def test_inputs_outside_their_range_are_refused_by_name(name: str, raw: object) -> None:
    inputs: dict[str, object] = {"reach": 400, "impact": 1, "confidence": 100, "effort": 1}
    with pytest.raises(ScoreInputError) as exc:
        validate("rice", inputs | {name: raw})
    assert set(exc.value.errors) == {name}
    assert "must be from" in exc.value.errors[name]


@pytest.mark.parametrize("raw", ["\u0663", "\u0661\u0660\u0660", "\u00b2", "\uff13"])
def test_only_ascii_digits_are_numbers(raw: str) -> None:
    with pytest.raises(ScoreInputError) as exc:
        validate("rice", {"reach": raw, "impact": 1, "confidence": 100, "effort": 1})
    assert exc.value.errors == {"reach": "Reach must be a number."}
