"""Digest benchmark: the PM digest over 100,000 suggestions and 20,000 Jira status events.

    python bench/digest.py [--sizes 10000,100000] [--events-per-suggestion 0.2] [--runs 5]

For each size, seeds a fresh SQLite file through the migrations (bulk inserts: organisations,
people, initiatives, suggestions spread over two years with their decision history, stories and
Jira links for the ideas in delivery, and events = size x 0.2 status events), then builds the
digest of the last week for the PM, one stakeholder and one vendor organisation with
services.digest_content.build. Prints, per size and audience, the first and median build time and
the number of SQL statements (a before_cursor_execute listener). Targets: the PM digest at
100,000 suggestions in under 2 s, and the same statement count at every size.
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from bench.common import (
    STATUS_WEIGHTS,
    bench_app,
    insert_batched,
    insert_initiatives,
    insert_vendor_organisations,
    person,
    scratch_database,
    suggestion_row,
)
from tracker import db, migrate
from tracker.config import DEFAULT_AREAS
from tracker.models import (
    AreaSubscription,
    Audience,
    InitiativeStakeholder,
    JiraLink,
    Role,
    Status,
    StatusChange,
    StatusEvent,
    StoryDraft,
    Suggestion,
    User,
)
from tracker.services.digests import content as digest_content

TARGET_SECONDS = 2.0
SEED = 20261123
PERIOD_END = datetime(2026, 11, 23, 9, tzinfo=UTC)
PERIOD_START = PERIOD_END - timedelta(days=7)
HISTORY = timedelta(days=730)
DECIDED = {Status.ACCEPTED, Status.DECLINED, Status.PARKED, Status.DUPLICATE}
PUSHED = {Status.IN_DELIVERY, Status.DELIVERED}
JIRA_STATUSES = (("To Do", "todo"), ("In Progress", "in_progress"), ("In Review", "in_progress"))


def _before(moment: datetime, limit: datetime) -> datetime:
    return min(moment, limit - timedelta(minutes=1))


def seed(url: str, size: int, events: int, rng: random.Random) -> dict[str, int]:
    """A portfolio of `size` suggestions and `events` status events; returns subject ids."""
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    now = PERIOD_END
    with engine.begin() as connection:
        org_ids = insert_vendor_organisations(connection, now)
        people = [_person(f"agent{n}", Role.SUBMITTER, None, now) for n in range(300)]
        people += [_person(f"vendor{n}", Role.VENDOR, org_ids[n % 5], now) for n in range(100)]
        people += [_person("pm", Role.PM, None, now), _person("stake", Role.STAKEHOLDER, None, now)]
        insert_batched(connection, User, people)
        users = list(connection.execute(text("SELECT id, organisation_id, role FROM user")))
        authors = [
            (user_id, org) for user_id, org, role in users if role in ("submitter", "vendor")
        ]
        stake_id = next(user_id for user_id, _, role in users if role == "stakeholder")
        healths = [rng.choice(["on_track", "at_risk", "off_track"]) for _ in range(12)]
        insert_initiatives(connection, healths, now)
        insert_batched(
            connection, InitiativeStakeholder, [{"initiative_id": 1, "user_id": stake_id}]
        )
        insert_batched(
            connection, AreaSubscription, [{"user_id": stake_id, "area": DEFAULT_AREAS[0]}]
        )

        plans = [_suggestion(rng, authors, number, now) for number in range(size)]
        insert_batched(connection, Suggestion, [values for values, _ in plans])
        insert_batched(connection, StatusChange, _history(plans, now))
        pushed = [(number + 1, plan) for number, (_, plan) in enumerate(plans) if plan["stories"]]
        insert_batched(connection, StoryDraft, _stories(rng, pushed, now))
        story_rows = list(
            connection.execute(text("SELECT id, suggestion_id, initiative_id FROM storydraft"))
        )
        in_jira = dict(pushed)
        insert_batched(connection, JiraLink, _links(rng, story_rows, in_jira, now))
        links = list(
            connection.execute(
                text("SELECT l.id, l.story_id, l.pushed_at, l.jira_key FROM jiralink l")
            )
        )
        story_of = {
            story_id: (suggestion, initiative) for story_id, suggestion, initiative in story_rows
        }
        insert_batched(connection, StatusEvent, _events(rng, links, story_of, events, now))
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return {"org_id": org_ids[0], "stake_id": stake_id}


def _person(name: str, role: Role, org: int | None, now: datetime) -> dict[str, Any]:
    return person(name, name.title(), role, now, org)


def _suggestion(
    rng: random.Random, authors: list[Any], number: int, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row, and the plan of what happened to it (its timeline and its stories)."""
    author = rng.choice(authors)
    status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
    created = now - timedelta(minutes=rng.randint(1, int(HISTORY.total_seconds() // 60)))
    decided = in_jira = delivered = None
    if status in DECIDED or status in PUSHED:
        decided = _before(created + timedelta(hours=rng.uniform(1, 24 * 30)), now)
    if status in PUSHED:
        assert decided is not None
        in_jira = _before(decided + timedelta(hours=rng.uniform(1, 24 * 20)), now)
    if status is Status.DELIVERED:
        assert in_jira is not None
        delivered = _before(in_jira + timedelta(hours=rng.uniform(24, 24 * 60)), now)
    scored = status is not Status.NEW or rng.random() < 0.3
    values = suggestion_row(
        rng,
        number=number,
        author=author,
        status=status,
        title=f"Idea {number} for queue {number % 40}",
        problem="Agents repeat the same manual step on every ticket.",
        proposed_change="Automate the step.",
        area=rng.choice(DEFAULT_AREAS),
        queue=f"Queue {number % 40}",
    )
    values.update(
        decision_reason="Not now" if status is Status.DECLINED else "",
        initiative_id=rng.randint(1, 12) if status in PUSHED or status is Status.ACCEPTED else None,
        score_inputs={},
        score_value=round(rng.uniform(0.1, 500), 2) if scored else None,
        score_formula="Reach x impact x confidence / effort" if scored else "",
        vote_count=int(rng.paretovariate(1.5)) - 1,
        comment_count=0,
        created_at=created,
        updated_at=now,
        decided_at=decided,
        in_jira_at=in_jira,
        delivered_at=delivered,
    )
    plan = {
        "status": status,
        "created": created,
        "decided": decided,
        "in_jira": in_jira,
        "delivered": delivered,
        "initiative": values["initiative_id"],
        "stories": rng.randint(1, 3) if status in PUSHED else 0,
    }
    return values, plan


def _history(
    plans: list[tuple[dict[str, Any], dict[str, Any]]], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for number, (_, plan) in enumerate(plans, start=1):
        steps: list[tuple[Status | None, Status, datetime]] = [(None, Status.NEW, plan["created"])]
        status = plan["status"]
        if plan["decided"] is not None:
            steps.append(
                (Status.NEW, Status.ACCEPTED if status in PUSHED else status, plan["decided"])
            )
        if plan["in_jira"] is not None:
            steps.append((Status.ACCEPTED, Status.IN_DELIVERY, plan["in_jira"]))
        if plan["delivered"] is not None:
            steps.append((Status.IN_DELIVERY, Status.DELIVERED, plan["delivered"]))
        for before, after, when in steps:
            rows.append(
                {
                    "suggestion_id": number,
                    "from_status": before.value if before else None,
                    "to_status": after.value,
                    "reason": "Not now" if after is Status.DECLINED else "",
                    "created_at": when,
                }
            )
    return rows


def _stories(
    rng: random.Random, pushed: list[tuple[int, dict[str, Any]]], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "suggestion_id": number,
            "initiative_id": plan["initiative"],
            "summary": f"Story {part + 1} of idea {number}",
            "acceptance_criteria": [],
            "story_points": rng.choice([None, 1, 2, 3, 5, 8]),
            "labels": [],
            "components": [],
            "state": "ready",
            "created_at": now,
            "updated_at": now,
        }
        for number, plan in pushed
        for part in range(plan["stories"])
    ]


def _links(
    rng: random.Random, stories: list[Any], plans: dict[int, dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for story_id, suggestion_id, _ in stories:
        plan = plans[suggestion_id]
        pushed_at = plan["in_jira"] + timedelta(minutes=rng.randint(0, 60))
        if plan["delivered"] is not None:
            status, state, since = "Done", "done", plan["delivered"]
        else:
            status, state = rng.choice(JIRA_STATUSES)
            since = _before(pushed_at + timedelta(hours=rng.uniform(0, 24 * 60)), now)
        rows.append(
            {
                "story_id": story_id,
                "label": f"trk-bench-{story_id}",
                "state": "pushed",
                "jira_key": f"OPS-{story_id}",
                "browse_url": f"https://jira.bench.example/browse/OPS-{story_id}",
                "pushed_at": _before(pushed_at, now),
                "status_name": status,
                "delivery_state": state,
                "status_since": since,
                "fix_versions": [],
                "updated_at": now,
            }
        )
    return rows


def _events(
    rng: random.Random,
    links: list[Any],
    story_of: dict[int, tuple[int, int | None]],
    count: int,
    now: datetime,
) -> list[dict[str, Any]]:
    rows = []
    for number in range(count):
        link_id, story_id, pushed_at, key = links[number % len(links)]
        start = datetime.fromisoformat(pushed_at).replace(tzinfo=UTC)
        span = max((now - start).total_seconds(), 60)
        (before, _), (after, state) = rng.sample(JIRA_STATUSES, 2)
        suggestion_id, initiative_id = story_of[story_id]
        rows.append(
            {
                "link_id": link_id,
                "story_id": story_id,
                "initiative_id": initiative_id,
                "suggestion_id": suggestion_id,
                "jira_key": key,
                "from_status": before,
                "to_status": after,
                "from_state": "",
                "to_state": state,
                "history_id": str(number),
                "source": "sync",
                "changed_at": start + timedelta(seconds=rng.uniform(0, span)),
                "recorded_at": now,
            }
        )
    return rows


def measure(app: Any, audience: Audience, subject_key: str, runs: int) -> dict[str, Any]:
    """Times `runs` builds (the first one cold) and counts the statements of one."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    times = []
    for run in range(runs):
        if run == 0:
            event.listen(db.engine(app), "before_cursor_execute", count)
        started = time.perf_counter()
        with db.session_scope(app) as session:
            content = digest_content.build(
                session,
                audience=audience,
                subject_key=subject_key,
                period_start=PERIOD_START,
                period_end=PERIOD_END,
                settings=app.config["SETTINGS"],
            )
        times.append(time.perf_counter() - started)
        if run == 0:
            event.remove(db.engine(app), "before_cursor_execute", count)
    return {
        "first": times[0],
        "median": statistics.median(times),
        "queries": len(statements),
        "new": content["summary"]["new"],
        "changes": content["summary"]["status_changes"],
    }


def run_size(size: int, events: int, runs: int) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(SEED)
    with scratch_database() as (folder, url):
        started = time.perf_counter()
        subjects = seed(url, size, events, rng)
        print(
            f"seeded {size:,} suggestions and {events:,} status events "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        app = bench_app(folder, url)
        gc.collect()
        gc.freeze()
        results = [
            ("pm", measure(app, Audience.PM, "all", runs)),
            (
                "stakeholder",
                measure(app, Audience.STAKEHOLDER, f"user:{subjects['stake_id']}", runs),
            ),
            ("vendor", measure(app, Audience.VENDOR, f"org:{subjects['org_id']}", runs)),
        ]
        gc.unfreeze()
        db.engine(app).dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated suggestion counts")
    parser.add_argument("--events-per-suggestion", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    sizes = [int(size) for size in args.sizes.split(",")]
    table = []
    for size in sizes:
        events = round(size * args.events_per_suggestion)
        for audience, figures in run_size(size, events, args.runs):
            table.append((size, events, audience, figures))
    print(
        f"\n{'suggestions':>11}  {'events':>6}  {'audience':<11}  {'first s':>7}  {'median s':>8}"
        f"  {'queries':>7}  {'new':>5}  {'changes':>7}"
    )
    for size, events, audience, f in table:
        print(
            f"{size:>11,}  {events:>6,}  {audience:<11}  {f['first']:7.3f}  {f['median']:8.3f}"
            f"  {f['queries']:>7}  {f['new']:>5}  {f['changes']:>7}"
        )
    largest = max(sizes)
    pm_time = max(
        f["first"] for size, _, audience, f in table if size == largest and audience == "pm"
    )
    counts = {(audience, f["queries"]) for _, _, audience, f in table}
    steady = len(counts) == len({audience for _, _, audience, _ in table})
    print(
        f"\nPM digest at {largest:,} suggestions: {pm_time:.2f} s (target < {TARGET_SECONDS:.0f} s,"
        f" cold build); query count {'the same at every size' if steady else 'GROWS'}"
    )
    ok = pm_time < TARGET_SECONDS and steady
    print("OK: targets met" if ok else "TARGET MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
