"""Warehouse pulls a person starts (`tracker kpis pull`, the admin page's "Pull now").

They take the same database lease as the scheduler's job for the source, through the
scheduler's own `run_leased`, so a pull started by hand never runs beside a scheduled one of the
same source, in any process.
"""

from __future__ import annotations

import dataclasses
import logging
import threading

from flask import Flask

from sync.jobs.kpi_pull import pull_source
from sync.jobs.scheduler import kpi_pull_job, run_leased
from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import utcnow
from tracker.services import leases
from tracker.services.kpis.loads import pull_job_name

log = logging.getLogger(__name__)


class PullNotStarted(Exception):
    """The pull could not start; `message` is one sentence for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    reason = refusal(app, name=name)
    if reason:
        raise PullNotStarted(reason)
    results: list[int] = []

    def run(app: Flask) -> None:
        results.append(pull_source(app, name))

    job = dataclasses.replace(kpi_pull_job(name), func=run)
    if not run_leased(app, job, owner=owner):
        raise PullNotStarted(refusal(app, name=name) or f"A pull of {name} was running; try again.")
    if not results:  # run_leased logged the exception
        raise PullNotStarted("The pull stopped unexpectedly; the server log has the details.")
    return results[0]


def start_in_background(app: Flask, *, name: str, owner: str) -> threading.Thread:
    """`run_now` in a daemon thread (the admin page's button); refusals are logged there."""
    thread = threading.Thread(
        target=_run_in_background, args=(app, name, owner), name="kpi-pull-now", daemon=True
    )
    thread.start()
    return thread


def _run_in_background(app: Flask, name: str, owner: str) -> None:
    try:
        load_id = run_now(app, name=name, owner=owner)
    except PullNotStarted as exc:
        log.warning("KPI pull of %s not started: %s", name, exc.message)
    except Exception:  # a background thread has nobody to raise to
        log.exception("the KPI pull of %s started from the web failed", name)
    else:
        log.info("KPI pull of %s recorded as load %s", name, load_id)
