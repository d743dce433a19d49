"""Jira status back into the tracker: one sync run, recorded as a `SyncRun`, and the scheduled
jobs that start them.

- Incremental (every `sync.interval_minutes`): the issues carrying the site label updated since
  the last successful run (of either kind) started, minus `sync.safety_margin_minutes`. The
  window starts at the last *successful* run, so a failed run skips nothing: the next one asks
  again from the same moment. With nothing changed it costs one call, once the site facts are
  cached (`sync.jira.site`: the first run in a process also asks GET /field and GET /myself).
  The very first incremental run (no successful run yet) has no window: it does what a full
  reconcile does, by id, which also covers issues pushed before they carried the site label.
- Full reconcile (daily): every tracked issue by id, `sync.batch_size` per call, up to
  `jira.max_concurrency` calls at a time, applied in order in this thread; ids Jira no longer
  shows are marked missing (data kept). On a site that ignores `id in (...)` (it answers with
  issues not asked for) the reconcile reads the issues carrying the site label instead, and
  fetches on its own each tracked issue that search did not return.

Each page or batch is applied and committed on its own, so a run that fails halfway keeps what
it applied; the run records the reason in one sentence and the scheduled job backs off.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from flask import Flask

from sync.jira import sites
from sync.jira.client import JiraClient
from sync.jira.errors import JiraError
from sync.jira.site import site_facts
from sync.jobs.owners import scheduler_owner
from sync.mapping.payload import site_label
from sync.pull.fetch import (
    Fetched,
    IdFilterIgnored,
    by_label,
    fetch_by_ids,
    jql_date,
    updated_jql,
    updated_pages,
)
from tracker.config import JiraSettings, Settings
from tracker.db import session_scope
from tracker.models import utcnow
from tracker.models.sync import RunState, SyncKind
from tracker.services.jira_status import delivery, sync_runs
from tracker.services.jira_status.delivery import ApplyResult
from tracker.services.jira_status.snapshots import IssueSnapshot

__all__ = [
    "SyncSummary",
    "run_sync",
    "scheduled_full",
    "scheduled_incremental",
    "sync_enabled",
]

log = logging.getLogger(__name__)

ClientFactory = Callable[[JiraSettings], JiraClient]
Clock = Callable[[], datetime]
SOURCE = "sync"


@dataclass(frozen=True)
class SyncSummary:
    run_id: int
    kind: str
    state: str
    calls: int
    checked: int
    changed: int
    missing: int
    events: int
    error: str
    seconds: float
    # Issues seen for the first time (no status stored before): not `changed`.
    recorded: int = 0


@dataclass
class _Tally:
    checked: int = 0
    recorded: int = 0
    changed: int = 0
    missing: int = 0
    events: int = 0

    def add(self, result: ApplyResult) -> None:
        self.checked += result.checked
        self.recorded += result.recorded
        self.changed += result.changed
        self.events += result.events


# ---- one run ----------------------------------------------------------------------------------
def run_sync(
    app: Flask,
    *,
    kind: SyncKind,
    owner: str,
    client_factory: ClientFactory | None = None,
    now: Clock | None = None,
) -> SyncSummary:
    """Run one sync and record it. Jira trouble (unreachable, 401, 403, 429, 5xx, malformed
    answers) ends the run as failed with Jira's reason in one sentence; it is never raised.
    An unexpected error is logged with its traceback and recorded the same way."""
    settings: Settings = app.config["SETTINGS"]
    clock = now or utcnow
    kind = SyncKind(kind)
    timer = time.perf_counter()
    started = clock()
    with session_scope(app) as session:
        run_id, window = sync_runs.start_run(
            session,
            kind=kind,
            owner=owner,
            started=started,
            margin=timedelta(minutes=settings.sync.safety_margin_minutes),
        )
    tally = _Tally()
    calls, error = 0, ""
    client: JiraClient | None = None
    try:
        with sites.connected(app, settings.jira, client_factory) as client:
            if window is not None:
                _incremental(app, client, settings, window, tally, clock)
            else:
                _reconcile(app, client, settings, tally, clock)
    except JiraError as exc:
        error = exc.message
        log.warning("status sync %d (%s) failed: %s", run_id, kind.value, error)
    except Exception as exc:
        log.exception("status sync %d (%s) stopped on an unexpected error", run_id, kind.value)
        error = f"The sync stopped on an unexpected error ({type(exc).__name__}); see the log."
    finally:
        calls = client.calls if client is not None else 0
    state = RunState.FAILED if error else RunState.SUCCEEDED
    with session_scope(app) as session:
        sync_runs.finish_run(
            session,
            run_id=run_id,
            state=state,
            calls=calls,
            checked=tally.checked,
            recorded=tally.recorded,
            changed=tally.changed,
            missing=tally.missing,
            events=tally.events,
            error=error,
            finished=clock(),
        )
    seconds = time.perf_counter() - timer
    log.info(
        "status sync %d (%s) %s in %.1f s: %d calls, %d checked, %d recorded, %d changed, "
        "%d missing",
        run_id,
        kind.value,
        state.value,
        seconds,
        calls,
        tally.checked,
        tally.recorded,
        tally.changed,
        tally.missing,
    )
    return SyncSummary(
        run_id=run_id,
        kind=kind.value,
        state=state.value,
        calls=calls,
        checked=tally.checked,
        changed=tally.changed,
        missing=tally.missing,
        events=tally.events,
        error=error,
        seconds=seconds,
        recorded=tally.recorded,
    )


def _apply(
    app: Flask,
    settings: Settings,
    found: Sequence[IssueSnapshot],
    missing: Sequence[str],
    tally: _Tally,
    clock: Clock,
) -> None:
    """One page or batch, in its own transaction."""
    with session_scope(app) as session:
        moment = clock()
        if found:
            tally.add(
                delivery.apply_snapshots(
                    session, found, source=SOURCE, now=moment, settings=settings.sync
                )
            )
        if missing:
            delivery.mark_missing(session, jira_ids=missing, now=moment)
    tally.missing += len(missing)


def _incremental(
    app: Flask,
    client: JiraClient,
    settings: Settings,
    window: datetime,
    tally: _Tally,
    clock: Clock,
) -> None:
    sprint_field, zone = site_facts.sync_facts(client, time_zone=True)
    assert zone is not None
    jql = updated_jql(site_label(settings.jira.site_id), jql_date(window, zone))
    pages = updated_pages(
        client, jql, sprint_field=sprint_field, page_size=settings.sync.batch_size
    )
    for page in pages:
        _apply(app, settings, page, (), tally, clock)


def _reconcile(
    app: Flask, client: JiraClient, settings: Settings, tally: _Tally, clock: Clock
) -> None:
    sprint_field, _ = site_facts.sync_facts(client, time_zone=False)
    with session_scope(app) as session:
        ids = delivery.tracked_jira_ids(session)
    size = settings.sync.batch_size
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    if not batches:
        return
    if client.capabilities.id_in is not False:
        try:
            _reconcile_by_ids(app, client, settings, batches, sprint_field, tally, clock)
            return
        except IdFilterIgnored:
            pass  # what was applied stays applied; the label search covers every id again
    label = site_label(settings.jira.site_id)
    for fetched in by_label(client, label, ids, sprint_field=sprint_field, page_size=size):
        _apply(app, settings, fetched.snapshots, fetched.missing, tally, clock)


def _reconcile_by_ids(
    app: Flask,
    client: JiraClient,
    settings: Settings,
    batches: list[list[str]],
    sprint_field: str | None,
    tally: _Tally,
    clock: Clock,
) -> None:
    workers = max(1, min(settings.jira.max_concurrency, len(batches)))

    def fetch(batch: list[str]) -> Fetched:
        return fetch_by_ids(client, batch, sprint_field=sprint_field)

    with ThreadPoolExecutor(workers, thread_name_prefix="jira-sync") as pool:
        for fetched in _in_order(pool, fetch, batches, ahead=2 * workers):
            _apply(app, settings, fetched.snapshots, fetched.missing, tally, clock)


def _in_order(
    pool: ThreadPoolExecutor,
    fetch: Callable[[list[str]], Fetched],
    batches: list[list[str]],
    *,
    ahead: int,
) -> Iterator[Fetched]:
    """The batches' results in order, keeping at most `ahead` fetches queued or running, so
    memory stays flat however many issues are tracked. A failure cancels what is queued."""
    waiting = iter(batches)
    pending: deque[Future[Fetched]] = deque(pool.submit(fetch, b) for b in islice(waiting, ahead))
    try:
        while pending:
            fetched = pending.popleft().result()
            following = next(waiting, None)
            if following is not None:
                pending.append(pool.submit(fetch, following))
            yield fetched
    finally:
        for future in pending:
            future.cancel()


# ---- the schedule -----------------------------------------------------------------------------
def sync_enabled(app: Flask) -> bool:
    """Whether the scheduler runs the sync jobs: Jira configured, sync and scheduler on."""
    settings: Settings = app.config["SETTINGS"]
    return bool(settings.jira.base_url) and settings.sync.enabled and settings.scheduler.enabled


def scheduled_incremental(
    app: Flask, *, client_factory: ClientFactory | None = None, now: Clock | None = None
) -> None:
    """The "jira_sync" job: an incremental run, unless backing off after failures. A tick up to
    a tenth of the interval (at most a minute) early still runs: ticks and run starts drift by
    the time taken to get the lease."""
    settings: Settings = app.config["SETTINGS"]
    clock = now or utcnow
    with session_scope(app) as session:
        until = sync_runs.backoff_until(session, sync=settings.sync)
    slack = timedelta(seconds=min(60.0, settings.sync.interval_minutes * 6.0))
    if until is not None and clock() + slack < until:
        log.info("status sync skipped: backing off after failed runs until %s", until)
        return
    run_sync(
        app,
        kind=SyncKind.INCREMENTAL,
        owner=scheduler_owner(),
        client_factory=client_factory,
        now=now,
    )


def scheduled_full(
    app: Flask, *, client_factory: ClientFactory | None = None, now: Clock | None = None
) -> None:
    """The "jira_reconcile" job (daily): a full reconcile, whatever happened before."""
    run_sync(
        app, kind=SyncKind.FULL, owner=scheduler_owner(), client_factory=client_factory, now=now
    )
