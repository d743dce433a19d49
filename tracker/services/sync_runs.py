"""What the status sync has been doing, for `tracker sync status` and the admin page: recent runs,
the last good ones, failures in a row and who holds the scheduler's leases right now.

Read-only: the runs are written by sync/status_sync.py, the leases by tracker/services/leases.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.models import RunState, SyncKind, SyncRun
from tracker.pagination import Page, paginate
from tracker.services import leases

# The scheduler job (and lease) that runs each kind of sync.
JOB_FOR_KIND: dict[str, str] = {SyncKind.INCREMENTAL: "jira_sync", SyncKind.FULL: "jira_reconcile"}


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
    newest_success = session.exec(
        select(func.max(SyncRun.started_at)).where(SyncRun.state == RunState.SUCCEEDED.value)
    ).one()
    query = select(func.count()).where(SyncRun.state == RunState.FAILED.value)
    if newest_success is not None:
        query = query.where(col(SyncRun.started_at) > newest_success)
    return session.exec(query).one()


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
