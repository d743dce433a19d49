"""Sync runs a person starts (`tracker sync now`, the admin page's buttons).

They take the same database lease as the scheduler's job of that kind, through the scheduler's
own `run_leased`, so a manual run and a scheduled one never run at once, in any process.
"""

from __future__ import annotations

import threading

from flask import Flask

from sync.jobs.by_hand import NotStarted, in_background, run_by_hand
from sync.jobs.scheduler import JOBS, JobDefinition
from sync.pull.status_sync import SyncSummary, run_sync
from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import SyncKind, utcnow
from tracker.services.jira_status import sync_runs
from tracker.services.jira_status.sync_runs import JOB_FOR_KIND

# Kept by its old name for callers that catch it.
SyncNotStarted = NotStarted


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
    return run_by_hand(
        app,
        _job(JOB_FOR_KIND[kind]),
        lambda app: run_sync(app, kind=kind, owner=owner),
        owner=owner,
        refusal=lambda: refusal(app, kind=kind),
        busy="A sync was running; try again.",
        what="The sync",
    )


def start_in_background(app: Flask, *, kind: SyncKind, owner: str) -> threading.Thread:
    """`run_now` in a daemon thread (the admin page's buttons); refusals are logged there."""
    return in_background(
        "jira-sync-now",
        lambda: run_now(app, kind=kind, owner=owner),
        describe=f"{kind.value} sync",
        told=lambda summary: f"{kind.value} sync #{summary.run_id} {summary.state}",
    )


def _job(name: str) -> JobDefinition:
    return next(job for job in JOBS if job.id == name)
