"""Status sync runs: recording one (for sync/pull/status_sync.py), when the scheduled sync is due
(the backoff after failures), and what the sync has been doing for `tracker sync status` and the
admin page: recent runs, the last good ones, failures in a row and who holds the scheduler's
leases right now (the leases are written by tracker/services/leases.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from tracker.config import SyncSettings
from tracker.models import RunState, SyncKind, SyncRun
from tracker.pagination import Page, paginate
from tracker.services import leases

# The scheduler job (and lease) that runs each kind of sync.
JOB_FOR_KIND: dict[str, str] = {SyncKind.INCREMENTAL: "jira_sync", SyncKind.FULL: "jira_reconcile"}
# Failures in a row beyond this do not lengthen the backoff: the wait is at its cap long before
# (and 2.0 ** failures would overflow a float after 1023 of them).
BACKOFF_MAX_EXPONENT = 32


@dataclass(frozen=True)
class LeaseHolder:
    """A scheduled job that some process is running now (its lease has not expired)."""

    job: str
    owner: str
    until: datetime


@dataclass(frozen=True)
class SyncOverview:
    last_incremental: SyncRun | None
    last_full: SyncRun | None
    # Failed runs (of either kind) since the newest successful one.
    failures: int
    holders: list[LeaseHolder]


# ---- recording a run --------------------------------------------------------------------------
def last_success_started(session: Session) -> datetime | None:
    """When the newest successful run (incremental or full) started, by the tracker's clock."""
    query = select(func.max(SyncRun.started_at)).where(SyncRun.state == RunState.SUCCEEDED.value)
    return session.exec(query).one()


def start_run(
    session: Session, *, kind: SyncKind, owner: str, started: datetime, margin: timedelta
) -> tuple[int, datetime | None]:
    """Record a run as running; returns its id and the window it asks Jira for: an incremental
    run asks from the last successful run's start minus `margin`, a full run (and the first
    incremental one, before any success) has no window (None)."""
    since = last_success_started(session) if kind == SyncKind.INCREMENTAL else None
    run = SyncRun(
        kind=kind.value,
        owner=owner[:80],
        started_at=started,
        window_start=None if since is None else since - margin,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id, run.window_start


def finish_run(
    session: Session,
    *,
    run_id: int,
    state: RunState,
    calls: int,
    checked: int,
    changed: int,
    missing: int,
    events: int,
    error: str,
    finished: datetime,
    recorded: int = 0,
) -> None:
    """Record how a run started by `start_run` ended. `recorded` counts issues seen for the
    first time (no status stored before), which are not `changed`."""
    run = session.get(SyncRun, run_id)
    assert run is not None
    run.state = state.value
    run.calls = calls
    run.checked, run.recorded, run.changed = checked, recorded, changed
    run.missing, run.events = missing, events
    run.error = error
    run.finished_at = finished
    session.flush()


# ---- when the scheduled sync is due -----------------------------------------------------------
def _failure_streak(session: Session) -> tuple[int, datetime | None]:
    """How many runs failed since the newest successful one (all of them if none succeeded),
    in the order runs started (ties by id), and when the newest of those failures started."""
    newest_success = session.exec(
        select(SyncRun.started_at, SyncRun.id)
        .where(SyncRun.state == RunState.SUCCEEDED.value)
        .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
        .limit(1)
    ).first()
    query = select(func.count(), func.max(SyncRun.started_at)).where(
        SyncRun.state == RunState.FAILED.value
    )
    if newest_success is not None:
        started, run_id = newest_success
        query = query.where(
            or_(
                col(SyncRun.started_at) > started,
                and_(col(SyncRun.started_at) == started, col(SyncRun.id) > run_id),
            )
        )
    failures, newest_failure = session.exec(query).one()
    return failures, newest_failure


def backoff_until(session: Session, *, sync: SyncSettings) -> datetime | None:
    """After k failed runs in a row (of either kind, running ones aside), the scheduled sync
    waits until the latest failure's start + min(interval x 2^k, max backoff); None when the
    latest finished run succeeded (or there is none)."""
    failures, newest_failure = _failure_streak(session)
    if not failures or newest_failure is None:
        return None
    exponent = min(failures, BACKOFF_MAX_EXPONENT)
    minutes = min(sync.interval_minutes * 2.0**exponent, sync.max_backoff_minutes)
    return newest_failure + timedelta(minutes=minutes)


def next_due(session: Session, *, sync: SyncSettings, now: datetime) -> datetime | None:
    """When the scheduled incremental sync would next run, for status displays: the end of a
    backoff if one is on, else an interval after the last incremental run started (it may be
    past when the scheduler is not running); None before the first run."""
    latest = session.exec(
        select(func.max(SyncRun.started_at)).where(SyncRun.kind == SyncKind.INCREMENTAL.value)
    ).one()
    regular = None if latest is None else latest + timedelta(minutes=sync.interval_minutes)
    until = backoff_until(session, sync=sync)
    if until is None or until <= now:
        return regular
    return until if regular is None else max(until, regular)


# ---- what the sync has been doing -------------------------------------------------------------
def recent_runs(session: Session, *, page: int, per_page: int) -> Page[SyncRun]:
    """One page of sync runs, newest first (running ones included)."""
    query = select(SyncRun).order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
    return paginate(session, query, page, per_page)


def last_success(session: Session, *, kind: SyncKind) -> SyncRun | None:
    """The newest run of `kind` that succeeded, or None if none ever did."""
    query = (
        select(SyncRun)
        .where(SyncRun.kind == kind.value, SyncRun.state == RunState.SUCCEEDED.value)
        .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def consecutive_failures(session: Session) -> int:
    """How many runs failed since the newest successful one (all of them if none succeeded)."""
    return _failure_streak(session)[0]


def lease_holders(session: Session, *, now: datetime) -> list[LeaseHolder]:
    """Every job whose lease is held at `now`, by job name."""
    return [
        LeaseHolder(job=row.name, owner=row.owner, until=row.lease_until)
        for row in leases.holders(session)
        if row.lease_until is not None and row.lease_until >= now
    ]


def overview(session: Session, *, now: datetime) -> SyncOverview:
    return SyncOverview(
        last_incremental=last_success(session, kind=SyncKind.INCREMENTAL),
        last_full=last_success(session, kind=SyncKind.FULL),
        failures=consecutive_failures(session),
        holders=lease_holders(session, now=now),
    )


def duration_seconds(run: SyncRun) -> float | None:
    """How long a finished run took; None while it runs."""
    if run.finished_at is None:
        return None
    return max(0.0, (run.finished_at - run.started_at).total_seconds())


def interrupted(run: SyncRun, holders: Sequence[LeaseHolder]) -> bool:
    """Whether a run still marked running will never finish: every run holds its job's lease
    until it ends, so a running run whose owner no longer holds it belongs to a process that
    died (killed, or restarted mid-run)."""
    if run.state != RunState.RUNNING.value:
        return False
    job = JOB_FOR_KIND.get(run.kind)
    return not any(holder.job == job and holder.owner == run.owner for holder in holders)


def shown_state(run: SyncRun, holders: Sequence[LeaseHolder]) -> str:
    """The run's state for people: "interrupted" instead of "running" for a dead run."""
    return "interrupted" if interrupted(run, holders) else run.state
