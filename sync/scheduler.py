"""The schedule as data, and the APScheduler that runs it.

Later work adds jobs (Jira status sync, the push queue, digests) to `JOBS`; each is switched on by
config. Production runs them in one `tracker scheduler` process; `make run` runs them in-process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from sync.worker import push_enabled, scheduled_push

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobDefinition:
    id: str
    func: Callable[[Flask], None]
    trigger: str
    trigger_args: dict[str, Any]
    enabled: Callable[[Flask], bool]
    misfire_grace_seconds: int = 300


JOBS: list[JobDefinition] = [
    JobDefinition("jira_push", scheduled_push, "interval", {"seconds": 30}, push_enabled),
]


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    """A scheduler with every enabled job; `max_instances=1` and `coalesce` per house rules."""
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC")
    )
    for job in JOBS:
        if not job.enabled(app):
            log.info("job %s is switched off by config", job.id)
            continue
        scheduler.add_job(
            job.func,
            job.trigger,
            args=[app],
            id=job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_seconds,
            **job.trigger_args,
        )
    return scheduler
