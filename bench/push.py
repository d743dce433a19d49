"""Push benchmark: 1,000 ready stories to a fake Jira that answers every call after 50 ms.

    python bench/push.py [--stories 1000] [--latency 0.05] [--concurrency 8] [--flavour cloud]

Seeds a fresh SQLite file (the schema from the migrations; suggestions and ready drafts by
direct inserts), queues one push job through the push queue service and times the worker
running it to the end, site discovery included (a cold start). Prints the create calls, all
calls, the wall time and its ratio to the lower bound of one bulk call per 50 stories in a row,
ceil(stories / 50) x latency. Targets: at most ceil(stories / 50) create calls, ratio < 1.3.

The fake runs in its own process, as a real Jira would, so its request checks (every body is
validated against Atlassian's OpenAPI document, about 20 ms per bulk call) do not compete with
the tracker for the interpreter lock; it skips checking its own answers, a self-test of the
fake. Figures move with machine load: compare runs made on a quiet machine.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import sys
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import func, insert, text
from sqlmodel import select

from bench.common import (
    SITE_ID,
    FakeJiraProcess,
    add_jira_options,
    bench_app,
    jira_settings,
    person,
    scratch_database,
    send_details,
)
from sync.jira.client import MAX_BULK
from sync.push.worker import run_pending_jobs
from tests.fakejira import FakeJira
from tracker import db, migrate
from tracker.models import (
    DraftState,
    JiraLink,
    PushState,
    Role,
    Status,
    StoryDraft,
    Suggestion,
    User,
)
from tracker.services.stories import push_queue

TARGET_RATIO = 1.3


def seed(url: str, stories: int) -> int:
    """A PM, `stories` accepted suggestions with one ready draft each; returns the PM's id."""
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(User), [person("pm", "Bench PM", Role.PM, now, None)])
        pm_id = int(connection.execute(text("SELECT id FROM user")).scalar_one())
        connection.execute(insert(Suggestion), [_suggestion(n, pm_id, now) for n in range(stories)])
        ids = [row[0] for row in connection.execute(text("SELECT id FROM suggestion ORDER BY id"))]
        connection.execute(
            insert(StoryDraft), [_draft(n, i, pm_id, now) for n, i in enumerate(ids)]
        )
    engine.dispose()
    return pm_id


def _suggestion(number: int, pm_id: int, now: datetime) -> dict[str, Any]:
    return {
        "title": f"Route appeals of queue {number} to the specialists",
        "problem": "Appeals land in the general queue and agents move them by hand.",
        "proposed_change": "appeals routed straight to the specialist queue",
        "area": "Scams and fraud",
        "queue": f"Queue {number % 40}",
        "evidence_links": [],
        "submitter_id": pm_id,
        "status": Status.ACCEPTED,
        "decision_reason": "",
        "score_inputs": {},
        "created_at": now,
        "updated_at": now,
    }


def _draft(number: int, suggestion_id: int, pm_id: int, now: datetime) -> dict[str, Any]:
    return {
        "suggestion_id": suggestion_id,
        "summary": f"Route appeals of queue {number} to the specialists",
        "role": "fraud ops agent",
        "want": "appeals routed straight to the specialist queue",
        "benefit": "we save about 20 agent hours a week",
        "context": "Appeals arrive in the general queue; agents move about 300 a week by hand.",
        "acceptance_criteria": [
            {"given": "an appeal", "when": "it arrives", "then": "it lands with the specialists"}
        ],
        "story_points": 3,
        "labels": ["initiative-tracker"],
        "components": [],
        "priority": "High",
        "state": DraftState.READY.value,
        "created_by_id": pm_id,
        "created_at": now,
        "updated_at": now,
    }


def serve_fake(flavour: str, latency: float, conn: Connection) -> None:
    """The fake Jira, in its own process (FakeJiraProcess); reports the issues it holds."""
    with FakeJira(flavour, latency=latency, check_responses=False) as fake:
        send_details(fake, conn)
        while conn.recv() == "report":
            # One story label per issue; the site's own label (trk-<site>) is on every issue.
            story = f"trk-{SITE_ID}-s"
            labels = [label for i in fake.issues() for label in i.labels if label.startswith(story)]
            conn.send(
                {
                    "labels": labels,
                    "create_calls": fake.call_count(r"/issue(/bulk)?$", "POST"),
                    "total_calls": fake.call_count(),
                    "violations": list(fake.contract_violations),
                }
            )


def run(stories: int, latency: float, concurrency: int, flavour: str) -> dict[str, Any]:
    with FakeJiraProcess(serve_fake, flavour, latency) as fake:
        with scratch_database() as (folder, url):
            pm_id = seed(url, stories)
            app = bench_app(
                folder,
                url,
                log_level="WARNING",
                jira=jira_settings(fake.details, flavour, concurrency),
            )
            with db.session_scope(app) as session:
                pm = session.get(User, pm_id)
                assert pm is not None
                ids = [i for i in session.exec(select(StoryDraft.id)).all() if i is not None]
                push_queue.request_push(session, actor=pm, story_ids=ids, site_id=SITE_ID)

            # As the app does outside tests: start-up objects leave the cyclic collector.
            gc.freeze()
            started, cpu = time.perf_counter(), time.process_time()
            jobs = run_pending_jobs(app, owner="bench")
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu

            with db.session_scope(app) as session:
                pushed = session.exec(
                    select(func.count()).where(JiraLink.state == PushState.PUSHED.value)
                ).one()
            db.engine(app).dispose()
        jira = fake.final_report()
    bound = math.ceil(stories / MAX_BULK) * latency
    return {
        "jobs": jobs,
        "pushed": pushed,
        "issues": len(jira["labels"]),
        "duplicates": len(jira["labels"]) - len(set(jira["labels"])),
        "create_calls": jira["create_calls"],
        "total_calls": jira["total_calls"],
        "wall": wall,
        "cpu": cpu,
        "bound": bound,
        "ratio": wall / bound,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=1000)
    add_jira_options(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = run(args.stories, args.latency, args.concurrency, args.flavour)
    most_creates = math.ceil(args.stories / MAX_BULK)
    ok = (
        figures["pushed"] == figures["issues"] == args.stories
        and figures["duplicates"] == 0
        and figures["create_calls"] <= most_creates
        and figures["ratio"] < TARGET_RATIO
    )
    print(
        f"{args.stories} stories, {args.flavour}, latency {args.latency * 1000:.0f} ms, "
        f"max_concurrency {args.concurrency}"
    )
    rows = [
        ("stories pushed / issues in Jira", f"{figures['pushed']} / {figures['issues']}"),
        ("duplicate issues", f"{figures['duplicates']}"),
        ("create calls", f"{figures['create_calls']} (target <= {most_creates})"),
        ("total calls (discovery included)", f"{figures['total_calls']}"),
        ("wall time", f"{figures['wall']:.2f} s"),
        ("tracker CPU time (all threads)", f"{figures['cpu']:.2f} s"),
        ("lower bound ceil(n/50) x latency", f"{figures['bound']:.2f} s"),
        ("ratio", f"{figures['ratio']:.2f} (target < {TARGET_RATIO})"),
    ]
    for name, value in rows:
        print(f"  {name:<36} {value}")
    print("OK: targets met" if ok else "TARGET MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
