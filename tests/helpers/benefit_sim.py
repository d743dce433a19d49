"""Synthetic queues with a known truth, for the estimator's simulation test and bench/benefits.py.

Each case is an ops queue's daily agent hours over 8 weeks before work started, 3 weeks of work
and settle-in, and 8 weeks after: a level of 50 to 2,000 hours a week, a weekday pattern with
quiet weekends, a multiplicative trend of -1% to +1% a week, AR(1) noise proportional to the
level (phi 0.3 to 0.5) and a few missing days, sometimes a run of them. About half the cases
have 1 to 5 control queues of the same family (their own size, weekday jitter and noise) that
share the treated queue's trend; half are true nulls, half lose 2% to 20% of their level from
delivery on. The truth is the change in the expected weekly level over the post window, so an
interval either covers it or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from tracker.services.benefits.estimator import NotEstimable, estimate

WEEK = 7
PRE_WEEKS, WORK_WEEKS, SETTLE_WEEKS, POST_WEEKS = 8, 2, 1, 8
# Monday to Sunday, relative to the weekly mean; each queue jitters it.
WEEKDAY_PATTERN = np.array([1.25, 1.2, 1.15, 1.15, 1.1, 0.6, 0.55])


@dataclass(frozen=True)
class Case:
    treated: np.ndarray  # daily values over the span, NaN = missing
    control: np.ndarray | None  # the sum of the control queues, NaN where any is missing
    pre: slice
    post: slice
    first_weekday: int
    truth: float  # post level minus the counterfactual, per week, in expectation
    effect: float  # the injected drop as a share of the level (0 for a true null)
    controls: int  # how many control queues make up `control`


@dataclass(frozen=True)
class Outcome:
    case: Case
    change: float
    low: float
    high: float
    method: str

    @property
    def covered(self) -> bool:
        return self.low <= self.case.truth <= self.high

    @property
    def claimed(self) -> bool:
        """'measured': the interval excludes zero."""
        return self.low > 0 or self.high < 0

    @property
    def error(self) -> float:
        return abs(self.change - self.case.truth)


def _weekdays(rng: np.random.Generator) -> np.ndarray:
    pattern = WEEKDAY_PATTERN * rng.uniform(0.9, 1.1, WEEK)
    return np.asarray(pattern / pattern.mean())


def _noise(rng: np.random.Generator, days: int) -> np.ndarray:
    """AR(1) with phi 0.3 to 0.5 and a marginal sd of 4% to 12%, started in its stationary
    distribution."""
    phi, sd = rng.uniform(0.3, 0.5), rng.uniform(0.04, 0.12)
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), days)
    noise = np.empty(days)
    noise[0] = rng.normal(0.0, sd)
    for day in range(1, days):
        noise[day] = phi * noise[day - 1] + shocks[day]
    return noise


def _gaps(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """About 2% of days missing, and one case in five loses a run of 2 to 4 days."""
    values = values.copy()
    values[rng.random(len(values)) < 0.02] = np.nan
    if rng.random() < 0.2:
        start = int(rng.integers(0, len(values) - 4))
        values[start : start + int(rng.integers(2, 5))] = np.nan
    return values


def _queue(
    rng: np.random.Generator, weekday: np.ndarray, growth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A queue's expected daily values (without an effect) and its multiplicative noise."""
    weekly = float(np.exp(rng.uniform(np.log(50), np.log(2000))))
    pattern = _weekdays(rng)[weekday]
    return weekly / WEEK * pattern * growth, _noise(rng, len(weekday))


def make_case(rng: np.random.Generator, *, with_controls: bool, null: bool) -> Case:
    days = WEEK * (PRE_WEEKS + WORK_WEEKS + SETTLE_WEEKS + POST_WEEKS)
    first_weekday = int(rng.integers(0, WEEK))
    weekday = (first_weekday + np.arange(days)) % WEEK
    trend = rng.uniform(-0.01, 0.01)  # per week, compounding
    growth = (1 + trend) ** (np.arange(days) / WEEK)
    delivered = WEEK * (PRE_WEEKS + WORK_WEEKS)
    pre = slice(0, WEEK * PRE_WEEKS)
    post = slice(days - WEEK * POST_WEEKS, days)

    expected, noise = _queue(rng, weekday, growth)
    effect = 0.0 if null else float(rng.uniform(0.02, 0.20))
    after = expected * np.where(np.arange(days) >= delivered, 1 - effect, 1.0)
    treated = _gaps(rng, after * (1 + noise))
    balance = [np.mean(expected[post][weekday[post] == d]) for d in range(WEEK)]
    truth = -effect * WEEK * float(np.mean(balance))

    control = None
    controls = int(rng.integers(1, 6)) if with_controls else 0
    if controls:
        total = np.zeros(days)
        for _ in range(controls):
            level, own = _queue(rng, weekday, growth)
            total += _gaps(rng, level * (1 + own))
        control = total
    return Case(treated, control, pre, post, first_weekday, truth, effect, controls)


def cases(count: int, *, seed: int) -> Iterator[Case]:
    """`count` cases in a fixed order: with and without controls, null and not, alternating."""
    rng = np.random.default_rng(seed)
    for number in range(count):
        yield make_case(rng, with_controls=number % 2 == 0, null=number % 4 < 2)


def run(case: Case, *, samples: int, seed: int = 0) -> Outcome | None:
    """The estimator on one case; None when it declines (NotEstimable)."""
    try:
        result = estimate(
            case.treated,
            case.control,
            pre=case.pre,
            post=case.post,
            first_weekday=case.first_weekday,
            samples=samples,
            seed=seed,
        )
    except NotEstimable:
        return None
    return Outcome(case, result.change, result.low, result.high, result.method)


@dataclass(frozen=True)
class Summary:
    """The simulation's figures over some outcomes."""

    cases: int
    coverage: float
    false_claims: float  # share of true nulls called 'measured'
    power: float  # share of true effects called 'measured'
    median_abs_error: float  # per week, in hours
    median_relative_error: float  # the absolute error over the queue's post level
    declined: int


def summarise(outcomes: Sequence[Outcome | None]) -> Summary:
    done = [o for o in outcomes if o is not None]
    nulls = [o for o in done if o.case.effect == 0]
    effects = [o for o in done if o.case.effect != 0]
    return Summary(
        cases=len(done),
        coverage=_share(o.covered for o in done),
        false_claims=_share(o.claimed for o in nulls),
        power=_share(o.claimed for o in effects),
        median_abs_error=float(np.median([o.error for o in done])) if done else float("nan"),
        median_relative_error=float(np.median([_relative(o) for o in done]))
        if done
        else float("nan"),
        declined=len(outcomes) - len(done),
    )


def _relative(outcome: Outcome) -> float:
    post = outcome.case.treated[outcome.case.post]
    return outcome.error / (WEEK * float(np.nanmean(post)))


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else float("nan")
