"""Scheduled jobs a person starts (`tracker sync now`, `tracker kpis pull`, the admin pages'
buttons): the job's own database lease, through the scheduler's `run_leased`, so a run started
by hand never runs beside a scheduled one of the same job, in any process.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from flask import Flask

from sync.jobs.scheduler import JobDefinition, run_leased

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotStarted(Exception):
    """The job could not run; `message` is one sentence for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def run_by_hand(
    app: Flask,
    job: JobDefinition,
    work: Callable[[Flask], T],
    *,
    owner: str,
    refusal: Callable[[], str | None],
    busy: str,
    what: str,
) -> T:
    """`work` in this thread under `job`'s lease (renewed while it runs); its result.

    Raises `NotStarted` with `refusal()`'s sentence when it gives one, with `busy` (or the
    refusal by then) when another process took the lease first, and "`what` stopped
    unexpectedly" when `work` raised (run_leased has logged it)."""
    reason = refusal()
    if reason:
        raise NotStarted(reason)
    results: list[T] = []
    leased = dataclasses.replace(job, func=lambda app: results.append(work(app)))
    if not run_leased(app, leased, owner=owner):
        raise NotStarted(refusal() or busy)
    if not results:
        raise NotStarted(f"{what} stopped unexpectedly; the server log has the details.")
    return results[0]


def in_background(
    name: str, attempt: Callable[[], T], *, describe: str, told: Callable[[T], str]
) -> threading.Thread:
    """`attempt` in a daemon thread named `name` (a page's button): a refusal is logged as a
    warning, a failure with its traceback, a result as `told(result)`."""

    def run() -> None:
        try:
            result = attempt()
        except NotStarted as exc:
            log.warning("%s not started: %s", describe, exc.message)
        except Exception:  # a background thread has nobody to raise to
            log.exception("%s started from the web failed", describe)
        else:
            log.info("%s", told(result))

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
