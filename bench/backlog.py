"""Backlog benchmark: 100,000 suggestions in a fresh SQLite file, timed through the Flask app.

    python bench/backlog.py [--rows 100000] [--requests 200] [--no-gc-freeze]

The "sort ..." cases time the first page of the default view (open ideas) in each column
sort of the backlog headers, both directions.

Seeds with SQLAlchemy core executemany (the FTS5 triggers from migration 0002 index every row),
then times N in-process requests per page with the Flask test client: the server's own time,
no network. Prints median and p95 in ms and the ratio to /healthz. Target: p95 <= 100 ms.

The schema is exactly what the migrations create. Like the app outside tests, the benchmark
calls gc.freeze() after start-up (--no-gc-freeze shows the p95 spikes of full collections).
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

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
from tracker.models import Role, Status, Suggestion, User
from tracker.services.accounts import users as accounts
from tracker.services.suggestions import backlog, scoring

TARGET_P95_MS = 100.0
PASSWORD = "benchmark password long enough"  # noqa: S105 (a throwaway database)
SEED = 20261125
COMMON_WORD = "refund"  # among the most frequent words of the vocabulary
# Ops vocabulary; the first words are drawn most often, so FTS has common and rare terms like
# real text. Synthetic words extend the long tail.
OPS_WORDS = (
    "refund ticket agent queue customer account review escalation policy macro spam fraud "
    "report appeal vendor workflow chargeback payment email verify identity manual check "
    "backlog handle time tool dashboard filter rule alert duplicate template response case "
    "priority language translation moderation content image video comment profile login "
    "password reset lock unlock phishing scam merchant seller buyer order shipping delivery "
    "warranty complaint survey quality audit sample training onboarding shift schedule coverage "
    "overtime latency timeout error outage incident handoff notes history search export import "
    "spreadsheet jira sla breach reopen resolve close tag label category area region market "
    "holiday peak volume forecast staffing bot automation classifier model threshold false "
    "positive negative precision recall bulk action button shortcut keyboard screen copy paste"
).split()


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = "ka lo mi tren vas pol dor fen gri lux mar nev ost pra quin rel sut tav"
    parts = syllables.split()
    words = list(OPS_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(parts) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class TextMaker:
    """Words drawn with a Zipf-Mandelbrot weight, 1 / (rank + 25) ** 1.05.

    The offset keeps the commonest word in about half the ideas (as "ticket" would be in an
    ops tracker) rather than in all of them; the tail words appear in a handful.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(rng)
        weights = [1 / (rank + 25) ** 1.05 for rank in range(len(self.words))]
        total = sum(weights)
        running = 0.0
        self.cumulative = []
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)

    def words_(self, count: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=count))

    def rare_word(self) -> str:
        return self.words[-7]  # deep in the tail: a handful of documents at most


def seed(url: str, rows: int, rng: random.Random) -> dict[str, Any]:
    """Users, organisations, initiatives and `rows` suggestions; returns what requests need."""
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    maker = TextMaker(rng)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        org_ids = insert_vendor_organisations(connection, now)
        people = [
            person(f"agent{n}", f"Agent {n}", Role.SUBMITTER, now, None) for n in range(300)
        ] + [
            person(f"vendor{n}", f"Vendor staff {n}", Role.VENDOR, now, org_ids[n % len(org_ids)])
            for n in range(100)
        ]
        insert_batched(connection, User, people)
        users = list(connection.execute(text("SELECT id, organisation_id FROM user")))
        insert_initiatives(connection, ["on_track"] * 12, now)
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        insert_batched(
            connection,
            Suggestion,
            (
                _suggestion(rng, maker, users, statuses, weights, now, number)
                for number in range(rows)
            ),
        )
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return {"rare_word": maker.rare_word(), "area": DEFAULT_AREAS[0], "org_id": org_ids[0]}


def _suggestion(
    rng: random.Random,
    maker: TextMaker,
    users: list[Any],
    statuses: list[Status],
    weights: list[int],
    now: datetime,
    number: int,
) -> dict[str, Any]:
    author = rng.choice(users)
    status = rng.choices(statuses, weights)[0]
    age = rng.randint(0, 2 * 365 * 24 * 60)  # minutes
    values = suggestion_row(
        rng,
        number=number,
        author=author,
        status=status,
        title=maker.words_(rng.randint(4, 9)).capitalize(),
        problem=maker.words_(rng.randint(25, 70)),
        proposed_change=maker.words_(rng.randint(12, 35)),
        area=rng.choice(DEFAULT_AREAS),
        queue=f"Queue {rng.randint(1, 40)}",
    )
    values.update(
        decision_reason="",
        initiative_id=rng.randint(1, 12) if status is Status.ACCEPTED else None,
        score_framework=None,
        score_inputs={},
        score_value=None,
        score_formula="",
        impact_axis=None,
        effort_axis=None,
        vote_count=int(rng.paretovariate(1.5)) - 1,
        comment_count=rng.randint(0, 5),
        created_at=now - timedelta(minutes=age),
        # Touched at some point since (a vote, a comment, a decision): the updated sort.
        updated_at=now - timedelta(minutes=rng.randint(0, age)),
    )
    if status is not Status.NEW or rng.random() < 0.3:
        result = scoring.score(
            "rice",
            {
                "reach": rng.randint(1, 5000),
                "impact": rng.choice([0.25, 0.5, 1, 2, 3]),
                "confidence": rng.choice([50, 80, 100]),
                "effort": rng.choice([0.25, 0.5, 1, 2, 3, 6]),
            },
        )
        values.update(
            score_framework="rice",
            score_inputs=result.inputs,
            score_value=result.value,
            score_formula=result.formula,
            impact_axis=result.impact_axis,
            effort_axis=result.effort_axis,
        )
    return values


def timed(call: Callable[[], Any], count: int) -> list[float]:
    for _ in range(3):
        call()  # warm caches and compile templates first
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-gc-freeze", action="store_true", help="skip gc.freeze()")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rng = random.Random(SEED)
    with scratch_database() as (folder, url):
        started = time.perf_counter()
        facts = seed(url, args.rows, rng)
        print(f"seeded {args.rows:,} suggestions in {time.perf_counter() - started:.1f} s")
        app = bench_app(folder, url)
        app.config["WTF_CSRF_ENABLED"] = False  # sign-in by POST without scraping a token
        with db.session_scope(app) as session:
            accounts.create_user(
                session,
                actor=None,
                email="pm@bench.example",
                display_name="PM",
                password=PASSWORD,
                role=Role.PM,
            )
            accounts.create_user(
                session,
                actor=None,
                email="vendor@bench.example",
                display_name="Vendor",
                password=PASSWORD,
                role=Role.VENDOR,
                organisation_id=facts["org_id"],
            )
        if not args.no_gc_freeze:
            gc.collect()
            gc.freeze()
        results = run(app, args.requests, facts)
        db.engine(app).dispose()
    return report(results)


def run(app: Any, count: int, facts: dict[str, Any]) -> list[tuple[str, list[float]]]:
    pm, vendor = app.test_client(), app.test_client()
    for client, email in ((pm, "pm@bench.example"), (vendor, "vendor@bench.example")):
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def get(client: Any, url: str) -> Callable[[], Any]:
        def call() -> None:
            response = client.get(url)
            response.get_data()
            assert response.status_code == 200, (url, response.status_code)

        return call

    area = facts["area"].replace(" ", "+")
    cases = [
        ("baseline GET /healthz", get(pm, "/healthz")),
        ("backlog first page (PM)", get(pm, "/backlog")),
        ("backlog first page (vendor)", get(vendor, "/backlog")),
        ("backlog page 200 (PM)", get(pm, "/backlog?page=200")),
        ("backlog area+status", get(pm, f"/backlog?area={area}&status=accepted")),
        (f"backlog q={COMMON_WORD} (common)", get(pm, f"/backlog?q={COMMON_WORD}")),
        (f"backlog q={facts['rare_word']} (rare)", get(pm, f"/backlog?q={facts['rare_word']}")),
        ("matrix", get(pm, "/matrix")),
    ]
    cases += sort_cases(pm, vendor, get)
    if any(
        rule.rule == "/api/v1/suggestions" and "GET" in (rule.methods or ())
        for rule in app.url_map.iter_rules()
    ):
        token = _api_token(app)
        api = app.test_client()

        def api_call() -> None:
            response = api.get("/api/v1/suggestions", headers={"Authorization": f"Bearer {token}"})
            response.get_data()
            assert response.status_code == 200, response.status_code

        cases.append(("API GET /api/v1/suggestions", api_call))
    else:
        print("note: no GET /api/v1/suggestions route yet; the API list is skipped")
    results = []
    for name, call in cases:
        results.append((name, timed(call, count)))
        print(f"  measured {name}", file=sys.stderr)
    return results


def sort_cases(
    pm: Any, vendor: Any, get: Callable[[Any, str], Callable[[], Any]]
) -> list[tuple[str, Callable[[], Any]]]:
    """The first page of the default view (open ideas) in every sort the headers offer, both
    ways, plus a vendor's (visibility narrows what an index walk keeps) and a closed view."""
    cases = [
        (f"sort {column} {direction} (PM)", get(pm, f"/backlog?sort={column}&dir={direction}"))
        for column in backlog.SORTS
        for direction in backlog.DIRECTIONS
    ]
    cases.append(("sort votes desc (vendor)", get(vendor, "/backlog?sort=votes")))
    cases.append(("sort updated desc, closed (PM)", get(pm, "/backlog?sort=updated&status=closed")))
    return cases


def _api_token(app: Any) -> str:
    from tracker.services.accounts import tokens

    with db.session_scope(app) as session:
        owner = accounts.find_user_by_email(session, "pm@bench.example")
        _, token = tokens.create_token(session, owner=owner, name="bench")
    return token


def report(results: list[tuple[str, list[float]]]) -> int:
    baseline = statistics.median(results[0][1])
    width = max(len(name) for name, _ in results)
    print(f"\n{'case':<{width}}  {'median ms':>9}  {'p95 ms':>8}  {'x baseline':>10}")
    failed = []
    for name, samples in results:
        median, tail = statistics.median(samples), p95(samples)
        print(f"{name:<{width}}  {median:9.1f}  {tail:8.1f}  {median / baseline:10.1f}")
        if tail > TARGET_P95_MS:
            failed.append(name)
    verdict = "all within" if not failed else f"{len(failed)} over"
    print(f"\ntarget p95 <= {TARGET_P95_MS:.0f} ms: {verdict}" + (f": {failed}" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
