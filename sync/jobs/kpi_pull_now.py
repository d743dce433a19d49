"""Warehouse pulls a person starts (`tracker kpis pull`, the admin page's "Pull now").

They take the same database lease as the scheduler's job for the source, through the
scheduler's own `run_leased`, so a pull started by hand never runs beside a scheduled one of the
same source, in any process.
"""

from __future__ import annotations

import threading

from flask import Flask

from sync.jobs.by_hand import NotStarted, in_background, run_by_hand
from sync.jobs.kpi_pull import pull_source
from sync.jobs.scheduler import kpi_pull_job
from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import utcnow
from tracker.services import leases
from tracker.services.kpis.loads import pull_job_name

# Kept by its old name for callers that catch it.
PullNotStarted = NotStarted


def source_names(app: Flask) -> list[str]:
    settings: Settings = app.config["SETTINGS"]
    return sorted(settings.kpis.sources)


def enabled_source_names(app: Flask) -> list[str]:
    settings: Settings = app.config["SETTINGS"]
    return [name for name in source_names(app) if settings.kpis.sources[name].enabled]


def refusal(app: Flask, *, name: str) -> str | None:
    """Why source `name` cannot be pulled now (no such source, or a pull of it holds the
    lease), or None if it can."""
    if name not in source_names(app):
        return f"No KPI source is named '{name}'."
    job, now = pull_job_name(name), utcnow()
    with session_scope(app) as session:
        held = [row for row in leases.holders(session) if row.name == job]
    for row in held:
        if row.lease_until is not None and row.lease_until >= now:
            return f"A pull of {name} is already running (owner {row.owner})."
    return None


def run_now(app: Flask, *, name: str, owner: str) -> int:
    """Pull source `name` in this thread holding its job's lease; returns the KpiLoad id.
    Raises PullNotStarted when there is no such source or another process holds the lease.
    A failing source does not raise: its load is recorded as failed with the error."""
    return run_by_hand(
        app,
        kpi_pull_job(name),
        lambda app: pull_source(app, name),
        owner=owner,
        refusal=lambda: refusal(app, name=name),
        busy=f"A pull of {name} was running; try again.",
        what="The pull",
    )


def start_in_background(app: Flask, *, name: str, owner: str) -> threading.Thread:
    """`run_now` in a daemon thread (the admin page's button); refusals are logged there."""
    return in_background(
        "kpi-pull-now",
        lambda: run_now(app, name=name, owner=owner),
        describe=f"KPI pull of {name}",
        told=lambda load_id: f"KPI pull of {name} recorded as load {load_id}",
    )
