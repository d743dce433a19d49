"""The scheduler's heartbeat: a beat when the scheduler starts and every
`heartbeats.BEAT_INTERVAL` after, so pages and the CLI know whether a scheduler is there to
resume paused pushes (tracker/services/heartbeats.py).

It takes no lease: every scheduler process beats for itself, under its own owner name.
"""

from __future__ import annotations

import logging

from flask import Flask

from sync.jobs.owners import scheduler_owner
from tracker.config import Settings
from tracker.db import session_scope
from tracker.services import heartbeats

__all__ = ["HEARTBEAT_JOB", "beat", "heartbeat_enabled"]

log = logging.getLogger(__name__)

HEARTBEAT_JOB = "scheduler_heartbeat"


def beat(app: Flask, *, owner: str | None = None) -> None:
    """Record that this scheduler process is alive. A failure (the database briefly away) is
    logged and left to the next beat: it must never stop the scheduler."""
    try:
        with session_scope(app) as session:
            heartbeats.record_beat(session, owner=owner or scheduler_owner())
    except Exception:
        log.exception("could not record the scheduler's heartbeat")


def heartbeat_enabled(app: Flask) -> bool:
    """A scheduler that runs jobs beats; one switched off by config runs nothing, so it must
    not look like it would resume anything."""
    settings: Settings = app.config["SETTINGS"]
    return settings.scheduler.enabled
