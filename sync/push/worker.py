"""Running push jobs in the background: the scheduler's `jira_push` job, a worker thread the web
app starts right after queueing a push, and `tracker jira push` all call `run_pending_jobs`.

A database lease on each job (push_execution.claim_job) makes sure one worker at a time runs it,
whoever started it; a job whose worker died is taken over once its lease expires, which is how
a restarted app resumes unfinished pushes. Within a job, batches of up to 50 stories go to Jira
in parallel, at most `jira.max_concurrency` at a time, each with its own database session.

Pushed stories follow their initiative's epic (sync/push/epics.py): a job that creates an epic
puts the initiative's stories pushed earlier under it, and every run ends with a sweep that
moves any other story whose epic changed (it costs one query when none did).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import timedelta

from flask import Flask

from sync.jira import sites
from sync.jira.backoff import with_jitter
from sync.jira.client import MAX_BULK, JiraClient
from sync.jira.errors import (
    JiraBadResponse,
    JiraError,
    JiraRateLimited,
    JiraServerError,
    JiraUnavailable,
)
from sync.jira.metadata_store import metadata_cache
from sync.jobs.owners import thread_owner
from sync.push import epics
from sync.push.engine import BatchReport, LeaseLost, PushRun, PushStopped, push_batch
from tracker.config import JiraSettings, Settings
from tracker.db import session_scope
from tracker.errors import Conflict
from tracker.models import PushJob, PushState
from tracker.services.stories import push_execution, push_queue

__all__ = [
    "LEASE",
    "push_enabled",
    "run_job",
    "run_pending_jobs",
    "scheduled_push",
    "start_worker_thread",
]

log = logging.getLogger(__name__)

ClientFactory = Callable[[JiraSettings], JiraClient]
Progress = Callable[[int, int], None]

# Long enough for a few slow batches; renewed before every batch and every wait.
LEASE = timedelta(minutes=5)
# A job that cannot reach Jira now is left for a later run (the scheduler looks every 30 s).
RETRY_LATER = timedelta(minutes=1)
_TRANSIENT = (JiraUnavailable, JiraServerError, JiraRateLimited, JiraBadResponse)


def run_pending_jobs(
    app: Flask,
    *,
    owner: str,
    client_factory: ClientFactory | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Claim unfinished push jobs one after another and run each to its end, then move pushed
    stories whose epic changed (epics.sweep); returns how many jobs ran. `progress(done,
    total)` follows the running job. Never raises for a job's trouble: it is logged and
    recorded on the job."""
    jira = _settings(app).jira
    ran: set[int] = set()
    while True:
        with session_scope(app) as session:
            job = push_execution.claim_job(session, owner=owner, lease=LEASE)
            job_id = job.id if job is not None else None
        if job_id is None or job_id in ran:
            break
        ran.add(job_id)
        try:
            with sites.connected(app, jira, client_factory, sleep=sleep) as client:
                run_job(app, job_id, owner=owner, client=client, progress=progress, sleep=sleep)
        except JiraError as exc:
            log.warning("push job %s: %s", job_id, exc.message)
            if isinstance(exc, _TRANSIENT):
                _pause(app, job_id, owner, f"{exc.message} The push is paused.")
            else:
                _finish(app, job_id, owner, exc.message)
        except Exception:
            log.exception("push job %s stopped unexpectedly", job_id)
            _pause(
                app,
                job_id,
                owner,
                "The push stopped unexpectedly (see the server log); it is paused.",
            )
    try:
        epics.sweep(app, client_factory=client_factory, sleep=sleep)
    except Exception:  # the sweep runs again in 30 s; the jobs' outcome stands
        log.exception("moving pushed stories to their epics failed")
    return len(ran)


def run_job(
    app: Flask,
    job_id: int,
    *,
    owner: str,
    client: JiraClient,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run a claimed job until no link is left to do, in passes: epics first (stories need
    their keys), then the stories in batches of 50; once it is done, put the stories pushed
    before an epic this job created under it. Raises the client's JiraError if the site cannot
    be read at the start."""
    settings = _settings(app)
    site = metadata_cache.get(client, settings.jira)
    run = PushRun(
        app=app,
        job_id=job_id,
        owner=owner,
        client=client,
        site=site,
        jira=settings.jira,
        tracker_url=settings.base_url,
        lease=LEASE,
        sleep=sleep,
    )
    rng = random.Random()  # noqa: S311 - jitter, not security
    stalled = 0
    workers = settings.jira.max_concurrency
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jira-push") as pool:
        while units := _units(app, job_id):
            futures = [pool.submit(push_batch, run, ids, unsure=unsure) for ids, unsure in units]
            reports: list[BatchReport] = []
            stops: list[str] = []
            lost = False
            for future in as_completed(futures):
                try:
                    reports.append(future.result())
                except PushStopped as exc:
                    stops.append(exc.message)
                except LeaseLost as exc:
                    log.warning("push job %s: %s", job_id, exc)
                    lost = True
                _report(app, job_id, progress)
            if lost:
                return  # the job is another worker's now
            if stops:
                _finish(app, job_id, owner, stops[0])
                return
            # Every pass sends, settles or fails links, each bounded by max_attempts; a pass
            # doing none of that (the label search keeps failing) counts towards giving up.
            stalled = 0 if any(report.progressed for report in reports) else stalled + 1
            if stalled >= settings.jira.max_attempts:
                _pause(app, job_id, owner, "Jira keeps failing; the push is paused.")
                return
            wait = max(report.wait for report in reports)
            if wait > 0:
                wait = with_jitter(wait, rng)
                if not _hold(app, job_id, owner, LEASE + timedelta(seconds=wait)):
                    return
                log.info("push job %s: waiting %.1f s before the next pass", job_id, wait)
                sleep(wait)
    _finish(app, job_id, owner, "")
    _report(app, job_id, progress)
    _under_new_epics(run)


def _settings(app: Flask) -> Settings:
    settings: Settings = app.config["SETTINGS"]
    return settings


def _units(app: Flask, job_id: int) -> list[tuple[list[int], bool]]:
    """The next pass: each pending epic alone, or, once no epic is pending, the stories in
    batches of at most 50; each with whether a link of it is SENDING (outcome unknown)."""
    with session_scope(app) as session:
        pending = [
            (link.id, link.initiative_id is not None, link.state == PushState.SENDING)
            for link in push_execution.pending_links(session, job_id=job_id)
            if link.id is not None
        ]
    epics = [([link_id], unsure) for link_id, epic, unsure in pending if epic]
    if epics:
        return epics
    stories = [(link_id, unsure) for link_id, epic, unsure in pending if not epic]
    chunks = [stories[i : i + MAX_BULK] for i in range(0, len(stories), MAX_BULK)]
    return [([i for i, _ in chunk], any(u for _, u in chunk)) for chunk in chunks]


def _under_new_epics(run: PushRun) -> None:
    """Put the stories pushed before the epics this job created under them. Jira's trouble
    here does not touch the finished job (its issues are made): the next sweep tries again."""
    with session_scope(run.app) as session:
        initiative_ids = push_execution.epics_pushed(session, job_id=run.job_id)
    if not initiative_ids:
        return
    try:
        epics.relink_stories(run.app, run.client, run.site, initiative_ids=initiative_ids)
    except JiraError as exc:
        log.warning("push job %s: stories not moved to their epic: %s", run.job_id, exc.message)


def _report(app: Flask, job_id: int, progress: Progress | None) -> None:
    if progress is None:
        return
    with session_scope(app) as session:
        state = push_queue.job_progress(session, job_id=job_id)
        done, total = state.done, max(state.job.total, len(state.links))
    progress(done, total)


def _hold(app: Flask, job_id: int, owner: str, lease: timedelta) -> bool:
    """Renew the lease for `lease`; False if another worker owns the job now."""
    with session_scope(app) as session:
        job = session.get(PushJob, job_id)
        if job is None:
            return False
        try:
            push_execution.renew_lease(session, job=job, owner=owner, lease=lease)
        except Conflict:
            return False
    return True


def _finish(app: Flask, job_id: int, owner: str, error: str) -> None:
    """Mark the job done (with `error` if it stopped), unless another worker owns it now."""
    with session_scope(app) as session:
        job = session.get(PushJob, job_id)
        if job is None or job.lease_owner != owner:
            return
        push_execution.finish_job(session, job=job, error=error)
    if error:
        log.warning("push job %s stopped: %s", job_id, error)


def _pause(app: Flask, job_id: int, owner: str, message: str) -> None:
    """Leave the job unfinished for a later run (its lease ends soon) and say why."""
    with session_scope(app) as session:
        job = session.get(PushJob, job_id)
        if job is None:
            return
        try:
            push_execution.renew_lease(session, job=job, owner=owner, lease=RETRY_LATER)
        except Conflict:
            return
        job.last_error = message
        session.add(job)


def start_worker_thread(app: Flask) -> threading.Thread:
    """Run `run_pending_jobs` once in a daemon thread (the web app calls this after queueing
    a push). Safe to call often: the job leases keep two workers off the same job."""
    thread = threading.Thread(
        target=_run_in_background, args=(app,), name="jira-push-worker", daemon=True
    )
    thread.start()
    return thread


def _run_in_background(app: Flask) -> None:
    try:
        run_pending_jobs(app, owner=thread_owner("thread"))
    except Exception:  # a background thread has nobody to raise to
        log.exception("the Jira push worker thread failed")


def scheduled_push(app: Flask) -> None:
    """The scheduler's `jira_push` job."""
    run_pending_jobs(app, owner=thread_owner("scheduler"))


def push_enabled(app: Flask) -> bool:
    settings = _settings(app)
    return bool(settings.jira.base_url) and settings.scheduler.enabled
