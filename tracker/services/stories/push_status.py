"""What a push, and each story or epic in it, reads as: one rule behind the push page, the story
pages, the initiative page, Recent pushes, the API and `tracker jira push`, so no two of them
ever disagree about the same story.

A job is waiting (no worker has claimed it yet), running (a worker holds its lease now),
paused (unfinished, and nobody holds it: its worker paused it on a Jira outage, or was killed),
done, or stopped (it finished with an error; that is not "done"). Whether a paused or waiting
job resumes by itself depends on a scheduler being alive (tracker/services/heartbeats.py);
when none is, the sentence says how to resume it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tracker.models import JiraLink, JobState, PushJob, PushState, utcnow
from tracker.services import heartbeats

RESUMES = "The push resumes automatically."
HOW_TO_RESUME = "To resume it, run `tracker jira push --resume` or start `tracker scheduler`."
# A job just queued from the web is started by a worker thread at once; only one still waiting
# after this long needs the resume sentence.
WORKER_GRACE = timedelta(minutes=1)
# CSS badge (templates' state-<badge>) per job and link status.
_BADGES = {
    "waiting": "queued",
    "running": "running",
    "paused": "unconfirmed",
    "done": "done",
    "stopped": "failed",
    "pushed": "pushed",
    "failed": "failed",
    "sending": "sending",
    "unconfirmed": "unconfirmed",
    "not_pushed": "failed",
}


def resume_sentence(*, scheduler_seen: bool) -> str:
    """What happens to an unfinished push nobody runs now."""
    return RESUMES if scheduler_seen else HOW_TO_RESUME


@dataclass(frozen=True)
class JobStatus:
    key: str  # waiting, running, paused, done, stopped
    label: str
    reason: str  # why it stopped or paused ("" when there is nothing to say)
    holder: str  # who holds (or last held) the lease; "" if nobody ever did
    until: datetime | None  # until when the lease runs (or ran)
    resume: str  # for a job nobody runs now: whether and how it resumes; else ""

    @property
    def finished(self) -> bool:
        return self.key in ("done", "stopped")

    @property
    def live(self) -> bool:
        """A worker holds the job now."""
        return self.key == "running"

    @property
    def badge(self) -> str:
        return _BADGES[self.key]

    @property
    def text(self) -> str:
        """'Stopped: Jira is not configured.', 'Done', 'Paused: ... To resume it, ...'."""
        words = f"{self.label}: {self.reason}" if self.reason else self.label
        return f"{words} {self.resume}".strip() if self.resume else words


@dataclass(frozen=True)
class LinkStatus:
    key: str  # pushed, failed, sending, unconfirmed, waiting, not_pushed
    label: str
    reason: str
    hint: str
    # May be pushed (again): not in Jira and no live push holds it. Readiness and whether
    # Jira is configured are the page's to add.
    pushable: bool

    @property
    def badge(self) -> str:
        return _BADGES.get(self.key, "queued")

    @property
    def text(self) -> str:
        return f"{self.label}: {self.reason}" if self.reason else self.label


def _lease_live(job: PushJob, now: datetime) -> bool:
    return job.lease_until is not None and job.lease_until > now


def job_status(
    job: PushJob, *, now: datetime, scheduler_seen: bool, idle_owner: str = ""
) -> JobStatus:
    """The job as people should read it at `now`. `idle_owner` names a worker known to be
    working on nothing now (the CLI process whose run just returned): a lease it still holds
    is only the pause it left, so the job reads as paused, not running."""
    resume = resume_sentence(scheduler_seen=scheduler_seen)
    if job.state == JobState.DONE:
        if job.last_error:
            return JobStatus("stopped", "Stopped", job.last_error, job.lease_owner, None, "")
        return JobStatus("done", "Done", "", job.lease_owner, None, "")
    if _lease_live(job, now) and not (idle_owner and job.lease_owner == idle_owner):
        # job.last_error may still say why it paused before this worker took it back up.
        return JobStatus("running", "Running", "", job.lease_owner, job.lease_until, "")
    if job.state == JobState.QUEUED and not job.lease_owner:
        fresh = job.created_at > now - WORKER_GRACE
        return JobStatus("waiting", "Waiting for a worker", "", "", None, "" if fresh else resume)
    reason = job.last_error or "its worker stopped before finishing (its lease ran out)."
    return JobStatus("paused", "Paused", reason, job.lease_owner, job.lease_until, resume)


def link_status(link: JiraLink, job: PushJob | None, *, now: datetime) -> LinkStatus:
    """The story's (or epic's) push state at `now`, given the job it is in (None if none)."""
    live = job is not None and job.state != JobState.DONE and _lease_live(job, now)
    if link.state == PushState.PUSHED:
        return LinkStatus("pushed", "In Jira", "", "", pushable=False)
    if link.state == PushState.FAILED:
        return LinkStatus("failed", "Failed", link.last_error, "", pushable=True)
    if link.state == PushState.SENDING:
        if live:
            return LinkStatus("sending", "Sending", "", "", pushable=False)
        hint = "will be checked in Jira before any resend"
        return LinkStatus("unconfirmed", "Unconfirmed", "", hint, pushable=True)
    if job is None or job.state == JobState.DONE:
        reason = (job.last_error if job else "") or link.last_error or "its push ended first."
        return LinkStatus("not_pushed", "Not pushed", reason, "", pushable=True)
    return LinkStatus("waiting", "Waiting", link.last_error, "", pushable=True)


def jobs_of(session: Session, *, links: Iterable[JiraLink]) -> dict[int, PushJob]:
    """The jobs these links are in, by id, in one query."""
    ids = {link.job_id for link in links if link.job_id is not None}
    if not ids:
        return {}
    found = session.exec(select(PushJob).where(col(PushJob.id).in_(ids))).all()
    return {job.id: job for job in found if job.id is not None}


def link_statuses(
    session: Session, *, links: Iterable[JiraLink], now: datetime | None = None
) -> dict[int, LinkStatus]:
    """Link id -> its LinkStatus, for every saved link given."""
    wanted = [link for link in links if link is not None and link.id is not None]
    jobs = jobs_of(session, links=wanted)
    moment = now or utcnow()
    return {
        link.id: link_status(link, jobs.get(link.job_id or 0), now=moment)
        for link in wanted
        if link.id is not None
    }


def job_statuses(
    session: Session,
    *,
    jobs: Sequence[PushJob],
    now: datetime | None = None,
    idle_owner: str = "",
) -> dict[int, JobStatus]:
    """Job id -> its JobStatus; the scheduler's heartbeat is read once for all of them."""
    moment = now or utcnow()
    seen = heartbeats.scheduler_seen(session, now=moment)
    return {
        job.id: job_status(job, now=moment, scheduler_seen=seen, idle_owner=idle_owner)
        for job in jobs
        if job.id is not None
    }


def unfinished_jobs(session: Session) -> list[PushJob]:
    """Every push job not done yet, oldest first (what `tracker jira push --resume` runs)."""
    return list(
        session.exec(
            select(PushJob)
            .where(col(PushJob.state) != JobState.DONE.value)
            .order_by(col(PushJob.id))
        ).all()
    )
