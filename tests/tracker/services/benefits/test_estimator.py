"""The estimator on series whose answer is known: exact effects without noise, weekday balance,
the trend and the common shocks it must not credit, its refusals, its seed and its quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracker.services.benefits.estimator import (
    DID,
    PRE_POST,
    ControlsUnusable,
    NotEstimable,
    balanced,
    boundary_factor,
    estimate,
    t_quantile,
)

WEEK = 7
DAYS = WEEK * 19  # 8 weeks before, 3 of work and settle-in, 8 after
PRE, POST = slice(0, 56), slice(77, DAYS)
DELIVERED = 70
# Monday to Sunday: a busy week and a quiet weekend.
PATTERN = np.array([1.3, 1.2, 1.2, 1.1, 1.0, 0.6, 0.6])


def queue(level: float, *, first_weekday: int = 0, growth: float = 0.0) -> np.ndarray:
    """Daily values with mean `level` a day over a week, and a multiplicative weekly growth."""
    days = np.arange(DAYS)
    return level * PATTERN[(first_weekday + days) % WEEK] * (1 + growth) ** (days / WEEK)


def noisy(values: np.ndarray, seed: int, sd: float = 0.05) -> np.ndarray:
    return np.asarray(values * (1 + np.random.default_rng(seed).normal(0, sd, len(values))))


def test_an_additive_drop_without_noise_is_measured_exactly_by_pre_post():
    # A linear trend of 0.5 a day and a drop of 12 a day from delivery on.
    days = np.arange(DAYS)
    treated = 100 * PATTERN[days % WEEK] + 0.5 * days - 12.0 * (days >= DELIVERED)
    result = estimate(treated, None, pre=PRE, post=POST, first_weekday=0)
    assert result.method == PRE_POST
    assert result.change == pytest.approx(-84.0, abs=1e-6)  # 12 a day, 7 days a week
    assert result.low == pytest.approx(-84.0, abs=1e-4)
    assert result.high == pytest.approx(-84.0, abs=1e-4)
    assert result.pre_level == pytest.approx(7 * balanced(treated[PRE], days[PRE] % WEEK))
    assert result.counterfactual == pytest.approx(result.post_level + 84.0)


def test_a_relative_drop_without_noise_is_measured_exactly_by_did():
    control = queue(300, first_weekday=3, growth=0.01)
    effect = np.where(np.arange(DAYS) >= DELIVERED, 0.9, 1.0)
    treated = control / 3 * effect  # a third of the control's size, the same growth
    result = estimate(treated, control, pre=PRE, post=POST, first_weekday=3)
    assert result.method == DID
    without = 7 * np.mean(control[POST]) / 3
    assert result.counterfactual == pytest.approx(without)
    assert result.change == pytest.approx(-0.1 * without)
    # Without noise, the interval only holds the drop's own movement with the growth inside
    # the post window (a tenth of a trending level): well under 1% of the level.
    assert result.low <= result.change <= result.high
    assert result.high - result.low < 0.01 * result.post_level


def test_missing_days_of_one_weekday_do_not_tilt_the_level():
    # No change at all, but half the quiet Sundays of the post window are missing: a plain
    # mean would rise, the weekday-balanced level does not.
    treated = queue(100, first_weekday=0)
    sundays = np.flatnonzero((np.arange(DAYS) % WEEK == 6) & (np.arange(DAYS) >= POST.start))
    treated[sundays[::2]] = np.nan
    result = estimate(treated, None, pre=PRE, post=POST, first_weekday=0)
    assert np.nanmean(treated[POST]) > np.nanmean(treated[PRE]) + 1  # the naive view moves
    assert result.post_level == pytest.approx(result.pre_level)
    assert result.change == pytest.approx(0, abs=1e-9)


def test_pre_post_does_not_credit_the_idea_with_a_trend():
    # Growing 1% a week and no effect: the levels differ by about 11%, the change does not.
    treated = noisy(queue(200, growth=0.01), seed=1, sd=0.03)
    result = estimate(treated, None, pre=PRE, post=POST, first_weekday=0)
    assert result.post_level / result.pre_level > 1.09
    assert result.low < 0 < result.high
    assert abs(result.change) < 0.03 * result.post_level


def test_did_removes_a_common_shock_that_pre_post_takes_for_an_effect():
    # Demand jumps 30% at delivery in every queue of the area (a season, a launch): not the
    # idea's doing. Only the controls can tell.
    surge = np.where(np.arange(DAYS) >= DELIVERED, 1.3, 1.0)
    treated = noisy(queue(150) * surge, seed=2)
    control = noisy(queue(600) * surge, seed=3)
    alone = estimate(treated, None, pre=PRE, post=POST, first_weekday=0)
    paired = estimate(treated, control, pre=PRE, post=POST, first_weekday=0)
    assert alone.low > 0  # "measured": a rise of about 30% of the level
    assert alone.change == pytest.approx(0.3 * alone.pre_level, rel=0.3)
    assert paired.low < 0 < paired.high
    assert abs(paired.change) < 0.05 * paired.post_level


def test_mean_aggregate_reports_daily_levels():
    treated = noisy(queue(80, growth=0.005), seed=4)
    control = noisy(queue(400, growth=0.005), seed=5)
    for other in (None, control):
        weekly = estimate(treated, other, pre=PRE, post=POST, first_weekday=0, seed=7)
        daily = estimate(
            treated, other, pre=PRE, post=POST, first_weekday=0, seed=7, aggregate="mean"
        )
        for field in ("change", "low", "high", "pre_level", "post_level", "counterfactual"):
            assert getattr(daily, field) == pytest.approx(getattr(weekly, field) / 7)


def test_the_same_seed_gives_the_same_interval():
    treated = noisy(queue(120), seed=6)
    control = noisy(queue(500), seed=7)
    for other in (None, control):
        first = estimate(treated, other, pre=PRE, post=POST, first_weekday=0, seed=11)
        again = estimate(treated, other, pre=PRE, post=POST, first_weekday=0, seed=11)
        other_seed = estimate(treated, other, pre=PRE, post=POST, first_weekday=0, seed=12)
        assert first == again
        assert other_seed.change == first.change
        assert (other_seed.low, other_seed.high) != (first.low, first.high)


@pytest.mark.parametrize(
    ("drop", "words"),
    [
        (np.arange(DAYS) % WEEK == 6, "no data for Sundays in the window before delivery"),
        (np.arange(DAYS) >= 90, "has 13 days of data in the window after delivery"),
        ((np.arange(DAYS) % WEEK < 2) & (np.arange(DAYS) > 60), "Mondays, Tuesdays in the wi"),
    ],
)
def test_thin_windows_are_not_estimable(drop, words):
    treated = queue(100)
    treated[drop] = np.nan
    for control in (None, queue(300)):  # the queue's own gaps are no reason to drop controls
        with pytest.raises(NotEstimable, match=words) as raised:
            estimate(treated, control, pre=PRE, post=POST, first_weekday=0)
        assert not isinstance(raised.value, ControlsUnusable)


def test_controls_without_data_or_level_are_not_estimable():
    treated = noisy(queue(100), seed=8)
    empty = np.full(DAYS, np.nan)
    with pytest.raises(ControlsUnusable, match="the control queues have 0 days of data"):
        estimate(treated, empty, pre=PRE, post=POST, first_weekday=0)
    saturdays = np.arange(DAYS) % WEEK == 5
    with pytest.raises(ControlsUnusable, match="have no data for Saturdays in the window bef"):
        estimate(treated, np.where(saturdays, np.nan, treated), pre=PRE, post=POST, first_weekday=0)
    with pytest.raises(ControlsUnusable, match="the control queues have no level"):
        estimate(treated, np.zeros(DAYS), pre=PRE, post=POST, first_weekday=0)


def test_arguments_no_caller_should_pass_are_value_errors():
    treated = queue(100)
    with pytest.raises(ValueError, match="aggregate"):
        estimate(treated, None, pre=PRE, post=POST, first_weekday=0, aggregate="median")
    with pytest.raises(ValueError, match="pre window must end"):
        estimate(treated, None, pre=POST, post=PRE, first_weekday=0)
    with pytest.raises(ValueError, match="same days"):
        estimate(treated, treated[:-1], pre=PRE, post=POST, first_weekday=0)


def test_infinite_values_count_as_missing_days():
    treated = noisy(queue(100), seed=9)
    broken = treated.copy()
    broken[[3, 40, 100]] = [np.inf, -np.inf, np.nan]
    gaps = treated.copy()
    gaps[[3, 40, 100]] = np.nan
    assert estimate(broken, None, pre=PRE, post=POST, first_weekday=0) == estimate(
        gaps, None, pre=PRE, post=POST, first_weekday=0
    )


def test_absurdly_large_figures_are_not_estimable():
    treated = noisy(queue(1e300), seed=10)
    for other in (None, noisy(queue(1e300), seed=11)):
        with pytest.raises(NotEstimable, match="too large"):
            estimate(treated, other, pre=PRE, post=POST, first_weekday=0)


def test_t_quantiles_match_the_tables():
    assert t_quantile(0.975, 1) == pytest.approx(12.7062, abs=1e-4)
    assert t_quantile(0.975, 7) == pytest.approx(2.3646, abs=1e-4)
    assert t_quantile(0.975, 13) == pytest.approx(2.1604, abs=1e-4)
    assert t_quantile(0.995, 30) == pytest.approx(2.7500, abs=1e-4)
    assert t_quantile(0.025, 7) == pytest.approx(-2.3646, abs=1e-4)
    assert t_quantile(0.975, math.inf) == pytest.approx(1.95996, abs=1e-5)


def test_the_boundary_factor_grows_with_persistence():
    assert boundary_factor(0.0, 7) == pytest.approx(1.0)
    factors = [boundary_factor(phi, 7) for phi in (0.1, 0.3, 0.5, 0.7)]
    assert factors == sorted(factors)
    assert factors[1] == pytest.approx(1.10, abs=0.01)
    assert boundary_factor(0.5, 14) < boundary_factor(0.5, 7)  # longer blocks lose less
