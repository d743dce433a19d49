"""Sync runs a person starts (`tracker sync now`, the admin page's buttons).

They take the same database lease as the scheduler's job of that kind, through the scheduler's
own `run_leased`, so a manual run and a scheduled one never run at once, in any process.
"""

from __future__ import annotations

import dataclasses
import logging
import threading

from flask import Flask

from sync.jobs.scheduler import JOBS, JobDefinition, run_leased
from sync.pull.status_sync import SyncSummary, run_sync
from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import SyncKind, utcnow
from tracker.services.jira_status import sync_runs
from tracker.services.jira_status.sync_runs import JOB_FOR_KIND

log = logging.getLogger(__name__)


class SyncNotStarted(Exception):
    """The sync could not run; `message` is one sentence for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refusal(app: Flask, *, kind: SyncKind) -> str | None:
    """Why a sync of `kind` cannot start now (Jira not configured, or a run holds the lease),
    or None if it can."""
    settings: Settings = app.config["SETTINGS"]
    if not settings.jira.base_url:
        return "Jira is not configured; set jira.base_url and its credentials first."
    job = JOB_FOR_KIND[kind]
    with session_scope(app) as session:
        holders = sync_runs.lease_holders(session, now=utcnow())
    for holder in holders:
        if holder.job == job:
            return f"A sync is already running (owner {holder.owner})."
    return None


def run_now(app: Flask, *, kind: SyncKind, owner: str) -> SyncSummary:
    """Run one sync of `kind` in this thread, holding the job's lease (renewed while it runs).
    Raises SyncNotStarted when Jira is not configured or another process holds the lease.
    Jira trouble does not raise: it is the summary's failed state and error."""
    reason = refusal(app, kind=kind)
    if reason:
        raise SyncNotStarted(reason)
    results: list[SyncSummary] = []

    def run(app: Flask) -> None:
        results.append(run_sync(app, kind=kind, owner=owner))

    job = dataclasses.replace(_job(JOB_FOR_KIND[kind]), func=run)
    if not run_leased(app, job, owner=owner):
        raise SyncNotStarted(refusal(app, kind=kind) or "A sync was running; try again.")
    if not results:  # run_leased logged the exception
        raise SyncNotStarted("The sync stopped unexpectedly; the server log has the details.")
    return results[0]


def start_in_background(app: Flask, *, kind: SyncKind, owner: str) -> threading.Thread:
    """`run_now` in a daemon thread (the admin page's buttons); refusals are logged there."""
    thread = threading.Thread(
        target=_run_in_background, args=(app, kind, owner), name="jira-sync-now", daemon=True
    )
    thread.start()
    return thread


def _run_in_background(app: Flask, kind: SyncKind, owner: str) -> None:
    try:
        summary = run_now(app, kind=kind, owner=owner)
    except SyncNotStarted as exc:
        log.warning("%s sync not started: %s", kind.value, exc.message)
    except Exception:  # a background thread has nobody to raise to
        log.exception("the %s sync started from the web failed", kind.value)
    else:
        log.info("%s sync #%s %s", kind.value, summary.run_id, summary.state)


def _job(name: str) -> JobDefinition:
    return next(job for job in JOBS if job.id == name)
