"""Realised-benefit benchmark: the estimator's simulation in full, and the portfolio pages.

    python bench/benefits.py [--section simulation|portfolio|all] [--cases 10000] [--samples 2000]

Sections, each printing its figures:

- simulation: the estimator (services/benefits/estimator.py) on synthetic queues with a known
  truth (tests/helpers/benefit_sim.py: 8 weeks before, 3 of work and settle-in, 8 after; weekday
  seasonality, a trend of -1% to +1% a week, AR(1) noise, missing days; half with 1 to 5
  control queues; half true nulls, half drops of 2 to 20%), with the settings' 2,000 resamples.
  Prints per method: coverage of the 95% interval (target 0.92 to 0.98) with its binomial
  standard error, "measured" claimed on nulls (target at most 0.06), power on true effects
  (also by effect size), median absolute error, and the time per estimate. The suite runs the
  same simulation with 2,000 cases and 500 resamples
  (tests/tracker/services/benefits/test_estimator_simulation.py).

- portfolio: the /benefits page and GET /api/v1/benefits over 5,000 delivered ideas on 500
  queues; see `portfolio_section`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable

import numpy as np

from bench import benefits_portfolio
from bench.kpis_reads import Figure
from tests.helpers.benefit_sim import Outcome, cases, run, summarise
from tracker.services.benefits.estimator import DID, PRE_POST

SEED = 20261203
# Effect sizes (share of the level) the power is broken down by.
EFFECT_BANDS = ((0.02, 0.05), (0.05, 0.10), (0.10, 0.20))


# ---- simulation ---------------------------------------------------------------------------------
def simulation_section(args: argparse.Namespace) -> list[Figure]:
    outcomes: list[Outcome | None] = []
    spent = 0.0
    for number, case in enumerate(cases(args.cases, seed=args.seed)):
        started = time.perf_counter()
        outcomes.append(run(case, samples=args.samples, seed=number))
        spent += time.perf_counter() - started
    done = [o for o in outcomes if o is not None]
    print(
        f"  simulation: {args.cases:,} queues, {args.samples:,} resamples each, "
        f"{spent / max(args.cases, 1) * 1000:.1f} ms per estimate"
    )
    figures = [Figure("simulation", "time per estimate", f"{spent / args.cases * 1000:.1f} ms")]
    figures.append(Figure("simulation", "declined (not estimable)", str(len(outcomes) - len(done))))
    for name, part in (
        ("all", done),
        (DID, [o for o in done if o.method == DID]),
        (PRE_POST, [o for o in done if o.method == PRE_POST]),
    ):
        figures += _method_figures(name, part)
    return figures


def _method_figures(name: str, outcomes: list[Outcome]) -> list[Figure]:
    if not outcomes:
        return [Figure(name, "cases", "0")]
    summary = summarise(outcomes)
    nulls = sum(o.case.effect == 0 for o in outcomes)
    coverage_ok = 0.92 <= summary.coverage <= 0.98
    claims_ok = summary.false_claims <= 0.06
    widths = [
        (o.high - o.low) / (7 * float(np.nanmean(o.case.treated[o.case.post]))) for o in outcomes
    ]
    figures = [
        Figure(name, "cases", f"{summary.cases:,} ({nulls:,} nulls)"),
        Figure(
            name,
            "coverage of the 95% interval",
            f"{summary.coverage:.3f} +/- {_binomial_se(summary.coverage, summary.cases):.3f} "
            f"({'ok' if coverage_ok else 'outside 0.92-0.98'})",
        ),
        Figure(
            name,
            "'measured' on true nulls",
            f"{summary.false_claims:.3f} +/- {_binomial_se(summary.false_claims, nulls):.3f} "
            f"({'ok' if claims_ok else 'above 0.06'})",
        ),
        Figure(name, "power on true effects", f"{summary.power:.3f}"),
        Figure(
            name,
            "median absolute error",
            f"{summary.median_abs_error:.1f} h/week ({summary.median_relative_error:.1%} of level)",
        ),
        Figure(name, "median interval width", f"{float(np.median(widths)):.1%} of the level"),
    ]
    for low, high in EFFECT_BANDS:
        band = [o for o in outcomes if low <= o.case.effect < high]
        power = summarise(band).power
        figures.append(Figure(name, f"power, drops of {low:.0%} to {high:.0%}", f"{power:.3f}"))
    return figures


def _binomial_se(share: float, count: int) -> float:
    return math.sqrt(share * (1 - share) / count) if count else math.nan


# ---- portfolio ----------------------------------------------------------------------------------
def portfolio_section(args: argparse.Namespace) -> list[Figure]:
    """The /benefits page, its CSV and GET /api/v1/benefits over 5,000 delivered ideas on 500
    queues (bench/benefits_portfolio.py; its options pass through, e.g. --database-url)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--per-queue", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="")
    wanted = parser.parse_args(args.portfolio_argv)
    found = benefits_portfolio.figures(
        queues=wanted.queues,
        per_queue=wanted.per_queue,
        requests=wanted.requests,
        database_url=wanted.database_url,
    )
    return [Figure("portfolio", name, value) for name, value in found]


SECTIONS: dict[str, Callable[[argparse.Namespace], list[Figure]]] = {
    "simulation": simulation_section,
    "portfolio": portfolio_section,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--section", choices=[*SECTIONS, "all"], default="all")
    parser.add_argument("--cases", type=int, default=10_000, help="synthetic queues")
    parser.add_argument("--samples", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=SEED)
    args, rest = parser.parse_known_args()
    if rest and args.section == "simulation":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.portfolio_argv = rest
    if args.cases < 1 or args.samples < 2:
        parser.error("--cases must be at least 1 and --samples at least 2")
    names = list(SECTIONS) if args.section == "all" else [args.section]
    figures: list[Figure] = []
    for name in names:
        figures.extend(SECTIONS[name](args))
    if figures:
        width = max(len(f.name) for f in figures)
        section = max(len(f.section) for f in figures)
        for figure in figures:
            print(f"{figure.section:{section}}  {figure.name:<{width}}  {figure.value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
