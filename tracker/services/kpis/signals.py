"""Spikes and level shifts in a KPI series: pure functions over numbers, no database.

Spikes are judged on the daily series, weekday by weekday: a day is compared with the median of
the same weekday over the trailing weeks (Mondays with Mondays), in units of a robust scale
pooled over the whole trailing window (1.4826 x the median absolute residual, ~56 samples for 8
weeks) with a floor so that a near-constant series does not alarm on +1. A run of `RUN_DAYS` or
more days off the same way is a level change, not a spike: the shift detector reports it.

Level shifts are found on the weekly series by a two-sided CUSUM (Page 1954; see
https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc323.htm) in robust standard deviations:
the scale is 1.4826 x MAD of the week-to-week differences / sqrt(2), which a step in the level
does not inflate (it moves one difference only). On an alarm the change point is the week after
the CUSUM last left zero; once CONFIRM_WEEKS weeks from there are in and their median sits at
least k scales from the old level, the shift is told (else it was an outlier and the CUSUM
starts again), the new level is the median from the change point, and the CUSUM restarts at it.

The defaults in tracker/kpi_settings.py were tuned by the simulation in
tests/tracker/services/kpis/test_signal_detectors.py.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from statistics import median
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SPIKE = "spike"
SHIFT = "shift"
# 1.4826 x MAD estimates the standard deviation of normal noise.
MAD_TO_SD = 1.4826
# Weeks of a weekday's history needed before a day is judged, and weeks of weekly history
# before the CUSUM starts.
MIN_WEEKS = 4
# Consecutive days off the same way that make a level change rather than spikes.
RUN_DAYS = 3
# Weeks from the start (or the last change) whose median is the CUSUM's reference level.
REFERENCE_WEEKS = 8
# Weeks from the change point whose median is a shift's new level, when present.
SETTLE_WEEKS = 4
# Weeks from the change point a shift needs before it is told: their median must sit away
# from the old level, so a one-week outlier (a spike) is not reported as a new level.
CONFIRM_WEEKS = 3
# Weeks before the CUSUM's change point that `_best_split` also considers.
CUSUM_SLACK = 2
# The scale's floor for values that are not counts: this share of the level.
LEVEL_FLOOR = 0.02

Values = Sequence[float | None]
# A daily series: the values, or an array with NaN for a missing day.
Daily = Values | np.ndarray[Any, Any]


@dataclass(frozen=True)
class Detection:
    """A spike (one day far from its expected value) or a level shift (weekly level moved).

    `day` is the spike's day or the first day of the change-point week; `alarm_day` is when the
    detector could first tell (for shifts: the first day of the week that raised the alarm).
    """

    kind: str
    grain: str  # "day" or "week"
    day: date
    baseline: float  # the expected value (spike) or the level before (shift)
    value: float  # the value that came (spike) or the new level (shift)
    alarm_day: date

    @property
    def size(self) -> float:
        return self.value - self.baseline

    @property
    def delay_weeks(self) -> int:
        return (self.alarm_day - self.day).days // 7


def _floor(level: np.ndarray[Any, Any], counts: bool) -> np.ndarray[Any, Any]:
    """The least scale: Poisson's sqrt(level) for counts, else a small share of the level."""
    floor: np.ndarray[Any, Any] = (
        np.sqrt(np.maximum(np.abs(level), 1.0))
        if counts
        else np.maximum(np.abs(level) * LEVEL_FLOOR, 1e-9)
    )
    return floor


def _row_medians(rows: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The median of each row ignoring NaN (NaN for an empty row), and each row's count.

    Sorting puts NaN last, so the median sits at the middle of the valid prefix; this is several
    times faster than np.nanmedian on many short rows and never warns on an empty one."""
    ordered = np.sort(rows, axis=1)
    count = np.count_nonzero(~np.isnan(rows), axis=1)
    low = np.clip((count - 1) // 2, 0, rows.shape[1] - 1)
    high = np.clip(count // 2, 0, rows.shape[1] - 1)
    pick_low = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
    pick_high = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
    middle = (pick_low + pick_high) / 2
    middle[count == 0] = np.nan
    return middle, count


@cache
def _consistency(weeks: int) -> float:
    """What turns 1.4826 x the pooled median absolute residual into the standard deviation of
    (a new day - its weekday's median). Residuals against a median of few values that includes
    them come out small (by ~17% for 8 weeks), and the median itself varies (by ~1.08 for 8):
    without this factor Gaussian noise alarmed ~40 times as often as the threshold promises.
    Computed once per window length by a seeded simulation of normal noise (~10 ms)."""
    rng = np.random.default_rng(0)
    sample = rng.normal(size=(40_000, weeks))
    centre = np.median(sample, axis=1)
    mad = MAD_TO_SD * float(np.median(np.abs(sample - centre[:, None])))
    return float(np.std(rng.normal(size=40_000) - centre)) / mad


def _array(values: Values) -> np.ndarray[Any, Any]:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def find_spikes(
    start: date,
    values: Daily,
    *,
    threshold: float,
    trailing_weeks: int,
    counts: bool,
    min_weeks: int = MIN_WEEKS,
) -> list[Detection]:
    """Spikes in a daily series starting on `start` (None for a day without a value)."""
    x = values.astype(float) if isinstance(values, np.ndarray) else _array(values)
    n = len(x)
    weeks = trailing_weeks
    min_weeks = min(min_weeks, weeks)  # a short window (3 weeks) judges from its full length
    if n < 7 * min_weeks + 1:
        return []
    pad = 7 * (weeks - 1)
    padded = np.concatenate([np.full(pad, np.nan), x])
    # Row j: the same weekday's values over `weeks` weeks ending on day j (padding first).
    same_day = sliding_window_view(padded, 7 * (weeks - 1) + 1)[:, ::7]
    level, count = _row_medians(same_day)
    residuals = np.abs(same_day - level[:, None])
    # Day i is judged against rows i-7 .. i-1: its weekday's median (row i-7) and the
    # residuals of every weekday in the trailing window, pooled.
    pooled = sliding_window_view(residuals, (7, weeks)).reshape(-1, 7 * weeks)[: n - 7]
    mad, pooled_count = _row_medians(pooled)
    expected = level[: n - 7]
    enough = (count[: n - 7] >= min_weeks) & (pooled_count >= 7 * min_weeks)
    scale = np.fmax(_consistency(weeks) * MAD_TO_SD * mad, _floor(expected, counts))
    today = x[7:]
    with np.errstate(invalid="ignore"):
        off = today - expected
        flagged = enough & ~np.isnan(today) & (np.abs(off) > threshold * scale)
    days = np.flatnonzero(flagged)
    found: list[Detection] = []
    for run in _runs(days, np.sign(off)):
        if len(run) >= RUN_DAYS:
            continue
        for i in run:
            day = start + timedelta(days=int(i) + 7)
            found.append(
                Detection(SPIKE, "day", day, float(expected[i]), float(today[i]), alarm_day=day)
            )
    return found


def _runs(days: np.ndarray[Any, Any], sign: np.ndarray[Any, Any]) -> list[list[int]]:
    """Flagged days grouped into runs of consecutive days off the same way."""
    runs: list[list[int]] = []
    for i in days.tolist():
        if runs and runs[-1][-1] == i - 1 and sign[i] == sign[i - 1]:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def weekly_scale(values: Values, *, counts: bool) -> float:
    """A robust standard deviation of a weekly series that a level shift does not inflate:
    1.4826 x MAD of the differences between consecutive weeks / sqrt(2), floored."""
    present = [v for v in values if v is not None and math.isfinite(v)]
    if len(present) < 3:
        return math.nan
    steps = [b - a for a, b in itertools.pairwise(present)]
    centre = median(steps)
    spread = MAD_TO_SD * median(abs(s - centre) for s in steps) / math.sqrt(2)
    level = median(present)
    floor = math.sqrt(max(abs(level), 1.0)) if counts else max(abs(level) * LEVEL_FLOOR, 1e-9)
    return max(spread, floor)


def find_shifts(
    start: date,
    values: Values,
    *,
    drift: float,
    limit: float,
    counts: bool,
    min_weeks: int = MIN_WEEKS,
    scale: float | None = None,
) -> list[Detection]:
    """Level shifts in a weekly series whose first week begins on `start` (None: no value).

    `drift` (k) and `limit` (h) are in robust standard deviations of the series (`scale`,
    computed by weekly_scale unless given)."""
    sigma = weekly_scale(values, counts=counts) if scale is None else scale
    if not math.isfinite(sigma) or sigma <= 0:
        return []
    found: list[Detection] = []
    reference_start = 0
    high = low = 0.0
    high_zero = low_zero = -1  # the last week each CUSUM sat at zero
    mu = math.nan
    reference_window = (-1, -1)
    for i, y in enumerate(values):
        if y is None:
            continue
        window = (reference_start, min(i, reference_start + REFERENCE_WEEKS))
        if window != reference_window:  # it grows for the first weeks, then stays put
            reference_window = window
            reference = _present(values, *window)
            mu = median(reference) if len(reference) >= min_weeks else math.nan
        if math.isnan(mu):
            high_zero = low_zero = i
            continue
        z = (y - mu) / sigma
        high = max(0.0, high + z - drift)
        low = max(0.0, low - z - drift)
        if high == 0.0:
            high_zero = i
        if low == 0.0:
            low_zero = i
        if high <= limit and low <= limit:
            continue
        change = _best_split(values, mu, (high_zero if high > limit else low_zero) + 1, i)
        after = _present(values, change, i + 1)
        if len(after) < CONFIRM_WEEKS:
            continue  # wait: one odd week (a spike) must not pass for a new level
        level = float(median(_present(values, change, max(i + 1, change + SETTLE_WEEKS))))
        if abs(level - mu) < drift * sigma:
            # The weeks since the change sit at the old level: it was an outlier, not a shift.
            high = low = 0.0
            high_zero = low_zero = i
            continue
        found.append(
            Detection(
                SHIFT,
                "week",
                start + timedelta(weeks=change),
                float(mu),
                level,
                alarm_day=start + timedelta(weeks=i),
            )
        )
        reference_start = change
        high = low = 0.0
        high_zero = low_zero = i
    return found


def _best_split(values: Values, mu: float, change: int, alarm: int) -> int:
    """The change point near the CUSUM's guess (up to CUSUM_SLACK weeks before it, up to the
    alarm) that best splits the weeks into the old level and one new level, by least squares.
    The CUSUM's own guess runs early when noise drifted the same way just before the change."""
    best, best_cost = change, math.inf
    for candidate in range(max(0, change - CUSUM_SLACK), alarm + 1):
        before = _present(values, max(0, change - CUSUM_SLACK), candidate)
        after = _present(values, candidate, alarm + 1)
        if not after:
            continue
        level = sum(after) / len(after)
        cost = sum((y - mu) ** 2 for y in before) + sum((y - level) ** 2 for y in after)
        if cost < best_cost - 1e-9:
            best, best_cost = candidate, cost
    return best


def _present(values: Values, begin: int, end: int) -> list[float]:
    return [v for v in values[begin:end] if v is not None]


def worse(detection: Detection, *, lower_is_better: bool) -> bool:
    """Whether the move is for the worse: up for a metric where lower is better, and down
    otherwise. No move is not worse."""
    if detection.value == detection.baseline:
        return False
    return (detection.value > detection.baseline) == lower_is_better
