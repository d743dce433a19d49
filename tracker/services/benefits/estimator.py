"""The estimator: what a delivered idea changed in its queue's daily figures, with an interval.
Pure numpy, no database; services/benefits/measure.py feeds it and stores what it returns.

Levels. A window's level is weekday-balanced: the mean of each weekday's observed days, then
the mean of those seven means (times 7 for a weekly total, `aggregate="sum"`). Ops queues run
far lower at weekends, so a plain mean over a window with two missing Mondays would drop for no
reason; the balanced mean does not move.

With control queues (DID): queues differ in size, so a shared trend is multiplicative, and the
counterfactual is the treated pre level scaled by the controls' growth, `T_pre x C_post / C_pre`
(scaled difference-in-differences). The controls are not regressed on: their own noise would
attenuate the slope (errors in variables) and leak part of the trend into the "effect".

Without controls (PRE_POST): queues trend, and a plain before/after comparison would credit the
idea with the trend, the very dishonesty this product exists to avoid. So the days of both
windows are fitted with an interrupted time series: one effect per weekday, one linear trend
over the whole span, and a level shift from the post window on; the change is the shift. The
trend is learnt from the slopes inside the windows and extrapolated over the gap, which widens
the interval (about 2.5 times a plain comparison for 8 + 3 + 8 weeks): that width is the honest
price of having no control. tests/tracker/services/benefits/test_estimator_simulation.py shows
that the interval keeps its coverage on trending queues.

The interval: a circular block bootstrap with blocks of `block_days` consecutive days (7: each
block holds each weekday once, so resamples stay weekday-balanced) drawn within each window.
DID resamples days as (treated, control) pairs so their shared movements stay together;
PRE_POST resamples blocks of the fit's residuals, and as the shift is linear in the data its
resampled value is `shift + a . e*` for the fit's weight vector `a`. Two known biases make a
plain percentile interval undercover here, and both are corrected:
- Few blocks (8 a window): the bootstrap variance is that of a sample of 8 units. As a sample
  variance divides by n - 1, each window's variance is inflated by `blocks / (blocks - q)`,
  q being what is fitted at block level (the window's level for DID; the two levels and the
  trend for PRE_POST), and the interval is `change +/- t(df) x SE` with Student's t: df
  `blocks - 3` for PRE_POST, Welch-Satterthwaite over the two windows for DID.
- Blocks drawn apart lose the correlation across their joins (the block bootstrap's known
  O(1/block) variance bias): with day-to-day persistence phi the variance is understated by
  the AR(1) ratio of long-run to within-block variance (`boundary_factor`: 1.1 at phi 0.3,
  1.23 at 0.5), phi being the residuals' lag-1 autocorrelation, bias-corrected (`persistence`).
The simulation test (1,000s of synthetic queues with known effects) checks the coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

DID = "difference-in-differences"
PRE_POST = "pre/post"
AGGREGATES = ("sum", "mean")
WEEK = 7
# A window needs at least two blocks of days to estimate its variance at all, and at least
# this many days with data.
MIN_DAYS = 14


class NotEstimable(ValueError):
    """The data cannot support an estimate; the message says why, in words for a PM."""


class ControlsUnusable(NotEstimable):
    """The control queues (not the idea's own) cannot support the estimate: the caller may
    measure again without them."""


@dataclass(frozen=True)
class Estimate:
    change: float  # post level minus the counterfactual, per week (raw: not signed by "better")
    low: float
    high: float
    method: str  # DID or PRE_POST
    pre_level: float  # the treated queue's level per week in the pre window
    post_level: float  # ... in the post window
    counterfactual: float  # the post level there would have been without the change
    se: float = 0.0  # the (inflated) bootstrap standard error of `change`
    df: float = math.inf  # the degrees of freedom of the t quantile used for the interval


@dataclass(frozen=True)
class _Window:
    """One window's days: values of the treated queue (and the control), weekday of each."""

    treated: np.ndarray
    control: np.ndarray | None
    weekdays: np.ndarray
    offset: int  # index of the window's first day in the span

    @property
    def days(self) -> int:
        return len(self.treated)


def estimate(
    treated: np.ndarray,
    control: np.ndarray | None,
    *,
    pre: slice,
    post: slice,
    first_weekday: int,
    aggregate: str = "sum",
    confidence: float = 0.95,
    samples: int = 2000,
    block_days: int = 7,
    seed: int = 0,
) -> Estimate:
    """The change in the treated queue's level from the pre to the post window, per week.

    Uses difference-in-differences when `control` is given, else the interrupted time series.
    Raises NotEstimable (a sentence for a PM) when a window is too short or lacks a weekday,
    ControlsUnusable (a NotEstimable) when that is true of the controls or they have no level,
    and ValueError for arguments no caller should pass.
    """
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, not {aggregate!r}")
    if not 0 < confidence < 1 or samples < 2 or block_days < 1:
        raise ValueError("confidence must lie in (0, 1), samples >= 2 and block_days >= 1")
    treated = _finite(treated)
    control = None if control is None else _finite(control)
    if control is not None and control.shape != treated.shape:
        raise ValueError("treated and control must cover the same days")
    if pre.indices(len(treated))[1] > post.indices(len(treated))[0]:
        raise ValueError("the pre window must end before the post window starts")
    windows = [
        _window(treated, control, part, first_weekday, name, block_days)
        for part, name in ((pre, "before"), (post, "after"))
    ]
    scale = WEEK if aggregate == "sum" else 1
    rng = np.random.default_rng(seed)
    try:
        with np.errstate(all="ignore"):  # absurd figures end in the check below, not warnings
            if control is None:
                change, se, df = _pre_post(windows, rng, samples, block_days)
            else:
                change, se, df = _did(windows, rng, samples, block_days)
    except OverflowError:
        change = se = math.inf
    if not (math.isfinite(change) and math.isfinite(se)):
        raise NotEstimable("the queue's figures are too large to compare")
    pre_level, post_level = (balanced(w.treated, w.weekdays) for w in windows)
    # Degrees of freedom rounded down to a tenth: the quantile barely moves, and is cached.
    half = t_quantile((1 + confidence) / 2, math.floor(df * 10) / 10) * se if se > 0 else 0.0
    return Estimate(
        change=scale * change,
        low=scale * (change - half),
        high=scale * (change + half),
        method=PRE_POST if control is None else DID,
        pre_level=scale * pre_level,
        post_level=scale * post_level,
        counterfactual=scale * (post_level - change),
        se=scale * se,
        df=df,
    )


def _finite(values: np.ndarray) -> np.ndarray:
    """A float copy in which anything but a finite number is a missing day."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def balanced(values: np.ndarray, weekdays: np.ndarray) -> float:
    """The weekday-balanced daily mean: each weekday's mean over its days with data, then the
    mean of the seven. NaN when a weekday has no data."""
    seen = ~np.isnan(values)
    counts = np.bincount(weekdays[seen], minlength=WEEK)
    sums = np.bincount(weekdays[seen], values[seen], minlength=WEEK)
    return float(np.mean(sums / counts)) if counts.all() else math.nan


# ---- the windows -------------------------------------------------------------------------------
def _window(
    treated: np.ndarray,
    control: np.ndarray | None,
    part: slice,
    first_weekday: int,
    name: str,
    block_days: int,
) -> _Window:
    start, stop, step = part.indices(len(treated))
    if step != 1 or stop <= start:
        raise NotEstimable(f"the window {name} delivery holds no days")
    weekdays = (first_weekday + np.arange(start, stop)) % WEEK
    window = _Window(
        treated[start:stop], None if control is None else control[start:stop], weekdays, start
    )
    for values, whose, error in (
        (window.treated, "the queue has", NotEstimable),
        (window.control, "the control queues have", ControlsUnusable),
    ):
        if values is None:
            continue
        observed = int(np.count_nonzero(~np.isnan(values)))
        if observed < MIN_DAYS or window.days < 2 * block_days:
            raise error(
                f"{whose} {observed} days of data in the window {name} delivery; "
                f"at least {max(MIN_DAYS, 2 * block_days)} are needed"
            )
        counts = np.bincount(weekdays[~np.isnan(values)], minlength=WEEK)
        lacking = [_DAY_NAMES[d] for d in range(WEEK) if not counts[d]]
        if lacking:
            raise error(
                f"{whose} no data for {', '.join(lacking)} in the window {name} delivery, "
                "so its weekly level cannot be told apart from its weekday pattern"
            )
    return window


_DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _resample(rng: np.random.Generator, days: int, samples: int, block_days: int) -> np.ndarray:
    """Circular block bootstrap: `samples` x `days` indices into a window of `days` days, made
    of blocks of `block_days` consecutive days (wrapping round the window's end)."""
    blocks = math.ceil(days / block_days)
    starts = rng.integers(0, days, size=(samples, blocks, 1), dtype=np.int32)
    idx = starts + np.arange(block_days, dtype=np.int32)
    idx[idx >= days] -= days
    return idx.reshape(samples, blocks * block_days)[:, :days]


# ---- difference-in-differences ------------------------------------------------------------------
def _did(
    windows: list[_Window], rng: np.random.Generator, samples: int, block_days: int
) -> tuple[float, float, float]:
    """The scaled DID change per day, its standard error and degrees of freedom."""
    (t0, c0), (t1, c1) = (_levels(w) for w in windows)
    if not c0 > 0:
        raise ControlsUnusable("the control queues have no level in the window before delivery")
    change = t1 - t0 * c1 / c0
    (t0s, c0s), (t1s, c1s) = (
        _resampled_levels(w, _resample(rng, w.days, samples, block_days)) for w in windows
    )
    # Each window's share of the variance (the other held at its estimate), so the degrees of
    # freedom can follow Welch-Satterthwaite; the windows are resampled independently anyway.
    from_pre, from_post = t1 - t0s * c1 / c0s, t1s - t0 * c1s / c0
    # What moves the estimate day by day: the treated queue's days less the control's, scaled
    # as the ratio scales them (the same in both windows), about their weekday means.
    ratio = t0 / c0
    positions = np.concatenate([w.offset + np.arange(w.days) for w in windows])
    combined = np.concatenate([w.treated - ratio * _control(w) for w in windows])
    weekdays = np.concatenate([w.weekdays for w in windows])
    after = np.concatenate([np.full(w.days, i == 1) for i, w in enumerate(windows)])
    seen = ~np.isnan(combined)
    weekday = (weekdays[seen, None] == np.arange(WEEK)).astype(float)
    design = np.column_stack([weekday, weekday * after[seen, None]])  # a mean per window
    phi = persistence(combined[seen], positions[seen], design, windows=len(windows))
    factor = boundary_factor(phi, block_days)
    parts = []
    for window, draws in zip(windows, (from_pre, from_post), strict=True):
        blocks = math.ceil(window.days / block_days)
        parts.append((_variance(draws) * factor * blocks / (blocks - 1), blocks - 1))
    return change, *_welch(parts)


def _control(window: _Window) -> np.ndarray:
    assert window.control is not None
    return window.control


def _levels(window: _Window) -> tuple[float, float]:
    return balanced(window.treated, window.weekdays), balanced(_control(window), window.weekdays)


def _resampled_levels(window: _Window, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The balanced levels of treated and control in each resample of (treated, control) days.

    `picks[b, i]` counts how often resample b drew day i, so each weekday's sum over a
    resample is one matrix product."""
    samples, days = idx.shape
    rows = np.arange(samples, dtype=np.int64)[:, None] * days
    picks = np.bincount((rows + idx).ravel(), minlength=samples * days)
    picks = picks.reshape(samples, days).astype(float)
    onehot = (window.weekdays[:, None] == np.arange(WEEK)).astype(float)
    levels = []
    for values in (window.treated, window.control):
        assert values is not None
        seen = ~np.isnan(values)
        sums = picks @ (np.where(seen, values, 0.0)[:, None] * onehot)
        counts = picks @ (seen[:, None] * onehot)
        # A weekday missing from a resample (rare: all its drawn days were gaps) is left out
        # of that resample's balance rather than counted as zero.
        drawn = counts > 0
        means = np.where(drawn, sums, 0.0) / np.where(drawn, counts, 1.0)
        levels.append(means.sum(axis=1) / np.maximum(drawn.sum(axis=1), 1))
    return levels[0], levels[1]


# ---- interrupted time series --------------------------------------------------------------------
def _pre_post(
    windows: list[_Window], rng: np.random.Generator, samples: int, block_days: int
) -> tuple[float, float, float]:
    """The level shift per day at the post window, its standard error and degrees of freedom.

    Design over the days with data: one column per weekday, the day index (the trend) and 1 in
    the post window (the shift)."""
    positions = np.concatenate([w.offset + np.arange(w.days) for w in windows])
    values = np.concatenate([w.treated for w in windows])
    weekdays = np.concatenate([w.weekdays for w in windows])
    after = np.concatenate([np.full(w.days, i == 1) for i, w in enumerate(windows)])
    seen = ~np.isnan(values)
    centre = positions[seen].mean()
    design = np.column_stack(
        [
            (weekdays[:, None] == np.arange(WEEK)).astype(float),
            (positions - centre) / WEEK,  # weeks from the centre keeps the design well scaled
            after.astype(float),
        ]
    )
    solve = np.linalg.pinv(design[seen])
    weights = np.zeros(len(values))  # change = weights . values over the days with data
    weights[seen] = solve[-1]
    change = float(weights[seen] @ values[seen])
    residuals = np.zeros(len(values))
    residuals[seen] = values[seen] - design[seen] @ (solve @ values[seen])

    spread = np.zeros(samples)
    blocks = 0
    start = 0
    for window in windows:
        part = slice(start, start + window.days)
        start += window.days
        share = residuals[part]
        observed = int(np.count_nonzero(seen[part]))
        # Gaps hold residual 0; rescaling keeps the residuals' mean square that of the days
        # with data, so drawing a gap into an observed day does not shrink the spread.
        share = share * math.sqrt(window.days / observed)
        idx = _resample(rng, window.days, samples, block_days)
        spread += share[idx] @ weights[part]
        blocks += math.ceil(window.days / block_days)
    # Two window levels and the trend are fitted at block level: blocks - 3 units remain.
    df = max(blocks - 3, 1)
    phi = persistence(values[seen], positions[seen], design[seen], windows=len(windows))
    factor = boundary_factor(phi, block_days)
    se = math.sqrt(_variance(spread) * factor * blocks / df)
    return change, se, float(df)


# ---- small-sample statistics --------------------------------------------------------------------
def _variance(draws: np.ndarray) -> float:
    finite = draws[np.isfinite(draws)]
    return float(np.var(finite, ddof=1)) if len(finite) > 1 else 0.0


def _welch(parts: list[tuple[float, int]]) -> tuple[float, float]:
    """The standard error of a sum of independent parts (variance, degrees of freedom) and its
    Welch-Satterthwaite degrees of freedom."""
    total = sum(variance for variance, _ in parts)
    if total <= 0:
        return 0.0, math.inf
    spread = sum(variance**2 / df for variance, df in parts)
    return math.sqrt(total), total**2 / spread


def persistence(
    values: np.ndarray, positions: np.ndarray, design: np.ndarray, *, windows: int
) -> float:
    """The day-to-day autocorrelation phi of the noise in `values` about a least-squares fit
    of `design` (whose first seven columns are the weekdays), the days at `positions` (day
    indices, gaps allowed) of `windows` windows.

    Residuals are put on one scale per weekday first: noise proportional to the level is
    smaller at weekends, and the weekday/weekend joins would otherwise hide persistence. The
    lag-1 autocorrelation of residuals underestimates phi (Kendall: by about (1 + 3 phi) / n
    for n days a window), which is added back. Negative persistence is taken as 0 (it only
    makes the block variance conservative) and phi is kept below 0.95."""
    residuals = values - design @ np.linalg.lstsq(design, values, rcond=None)[0]
    weekdays = np.argmax(design[:, :WEEK], axis=1)
    squares = np.bincount(weekdays, residuals**2, minlength=WEEK)
    scale = np.sqrt(squares / np.maximum(np.bincount(weekdays, minlength=WEEK), 1))
    residuals = residuals / np.where(scale > 0, scale, 1.0)[weekdays]
    consecutive = np.flatnonzero(np.diff(positions) == 1)
    if len(consecutive) < 2 or not np.any(residuals):
        return 0.0
    # Means rather than sums: a gap removes two pairs but only one square.
    phi = float(np.mean(residuals[consecutive] * residuals[consecutive + 1]))
    phi /= float(np.mean(residuals**2))
    phi += (1 + 3 * phi) / (len(positions) / windows)
    return min(max(phi, 0.0), 0.95)


def boundary_factor(phi: float, block_days: int) -> float:
    """How much a block bootstrap with blocks of `block_days` understates the variance of a
    mean of AR(1) days with autocorrelation `phi`: the long-run variance (1 + phi) / (1 - phi)
    over the variance within a block, 1 + 2 sum_k (1 - k / l) phi^k. Blocks drawn apart lose
    the correlation across their joins; this restores it."""
    lags = np.arange(1, block_days)
    within = 1 + 2 * float(np.sum((1 - lags / block_days) * phi**lags))
    return (1 + phi) / (1 - phi) / within


@lru_cache(maxsize=256)
def t_quantile(p: float, df: float) -> float:
    """Student's t quantile (numpy has no t distribution and scipy is not a dependency).

    With x = sqrt(df) tan(u), P(0 < T < x) is c x integral of cos(u) ** (df - 1) from 0 to u,
    a smooth integrand on [0, pi/2) that Simpson's rule integrates to about 1e-9; u is found by
    bisection. Exact enough for any df >= 1 and p up to 0.9999."""
    if math.isinf(df) or df > 1e6:
        return NormalDist().inv_cdf(p)
    if p < 0.5:
        return -t_quantile(1 - p, df)
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(math.pi)

    def upper_half(angle: float) -> float:  # P(0 < T < sqrt(df) tan(angle))
        grid = np.linspace(0.0, angle, 1025)
        cosine = np.cos(grid) ** (df - 1)
        simpson = cosine[0] + cosine[-1] + 4 * cosine[1:-1:2].sum() + 2 * cosine[2:-1:2].sum()
        return float(scale * angle / 3072 * simpson)

    low, high = 0.0, math.pi / 2
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if upper_half(middle) < p - 0.5 else (low, middle)
    return math.sqrt(df) * math.tan((low + high) / 2)
