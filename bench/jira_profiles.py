"""Jira as companies run it: the calls each step of a push and a sync costs on every kind of
site, against the fewest it could cost.

    python bench/jira_profiles.py [--profiles cloud,dc9,server7]

For each profile of the fake Jira (tests/fakejira/profiles.py: Cloud, Data Center 10, 9 and
8.20, Server 7.6, a proxy refusing POST search and bulk create, a site ignoring `id in (...)`)
runs the tour of tests/helpers/jira_tour.py on a fresh SQLite file: `jira check --refresh`, two
stories pushed before their epic, the epic (which puts them under it), a lost answer, a push
killed with -9 and run again from the CLI, and a full reconcile. Each step starts as a new
process would, so only what the database keeps carries over. Prints profile x step x calls
(minimum in brackets) and exits 1 if a step exceeds its minimum by more than 10%.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.common import bench_app, scratch_database
from tests.fakejira import FakeJira
from tests.fakejira.profiles import PROFILE_NAMES, PROFILES
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.jira import jira_config
from tests.helpers.jira_tour import STEPS, TourResult, run_tour
from tests.helpers.push_world import PushWorld
from tracker import db, migrate
from tracker.models import Role


def tour(profile: str) -> TourResult:
    with FakeJira(profile=profile) as fake, scratch_database() as (folder, url):
        engine = db.make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = bench_app(Path(folder), url, jira=jira_config(fake))
        pm = user_factory(app, organisation_factory(app))(Role.PM)
        world = PushWorld(app, fake, pm)

        def push_cli(story_id: int) -> None:
            args = ["jira", "push", "--as", pm.email, "--story", str(story_id)]
            result = app.test_cli_runner().invoke(args=args)
            if result.exit_code != 0:
                raise SystemExit(f"tracker jira push failed on {profile}: {result.output}")

        result = run_tour(world, profile, push_cli=push_cli)
        db.engine(app).dispose()
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default=",".join(PROFILE_NAMES))
    args = parser.parse_args(argv)
    names = [name for name in args.profiles.split(",") if name]
    results = [tour(name) for name in names]
    width = max(len(step) for step in STEPS)
    print(f"{'step':<{width}}  " + "  ".join(f"{name:>14}" for name in names))
    over = []
    for index, step in enumerate(STEPS):
        cells = []
        for result in results:
            measured = result.steps[index]
            cells.append(f"{measured.calls:>8} ({measured.minimum:>3})")
            if measured.calls > measured.minimum * 1.1:
                over.append((result.profile, step, measured.paths))
        print(f"{step:<{width}}  " + "  ".join(f"{cell:>14}" for cell in cells))
    totals = [sum(s.calls for s in r.steps) for r in results]
    print(f"{'total':<{width}}  " + "  ".join(f"{total:>14}" for total in totals))
    for name in names:
        print(f"  {name}: {PROFILES[name].about}")
    for profile, step, paths in over:
        print(f"OVER: {profile} / {step}: {paths}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
