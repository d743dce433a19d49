"""Carrying out the push queue: a worker claims a job under a lease, marks each link SENDING
before its create request leaves, and records what Jira made of it (pushed, failed, retried).

The rules for exactly-once live here and in sync/push/engine.py together: a link is marked SENDING
(and committed) before its create request leaves; a link found SENDING later has an unknown
outcome and is searched for by its unique label before anything is sent again. Requesting pushes
and reading the queue for pages is services/stories/push_queue.py.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from tracker.errors import Conflict
from tracker.models import JiraLink, JobState, PushJob, PushState, StoryDraft, utcnow
from tracker.services.suggestions import decisions


def claim_job(
    session: Session, *, owner: str, lease: timedelta, now: datetime | None = None
) -> PushJob | None:
    """Take the oldest unfinished job whose lease is free; the conditional UPDATE makes two
    workers racing for one job end with exactly one owner. Commits the claim."""
    now = now or utcnow()
    free = or_(col(PushJob.lease_until).is_(None), col(PushJob.lease_until) < now)
    candidates = session.exec(
        select(PushJob.id)
        .where(col(PushJob.state) != JobState.DONE.value, free)
        .order_by(col(PushJob.id))
        .limit(5)
    ).all()
    for job_id in candidates:
        claimed = session.execute(
            update(PushJob)
            .where(col(PushJob.id) == job_id, free)
            .values(lease_owner=owner, lease_until=now + lease, state=JobState.RUNNING.value)
        )
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            job = session.get(PushJob, job_id)
            if job is not None:
                session.refresh(job)
                if job.started_at is None:
                    job.started_at = now
                    session.add(job)
                    session.commit()
            return job
    return None


def renew_lease(session: Session, *, job: PushJob, owner: str, lease: timedelta) -> None:
    """Extend the lease; Conflict if another worker took the job meanwhile."""
    session.refresh(job)
    if job.lease_owner != owner:
        raise Conflict(f"Push job {job.id} was taken over by {job.lease_owner}.")
    job.lease_until = utcnow() + lease
    session.add(job)
    session.flush()


def finish_job(session: Session, *, job: PushJob, error: str = "") -> None:
    job.state = JobState.DONE.value
    job.finished_at = utcnow()
    job.lease_until = None
    job.last_error = error
    session.add(job)
    session.flush()


def pending_links(session: Session, *, job_id: int) -> Sequence[JiraLink]:
    """Links of the job still to do: epics first, then stories, in id order."""
    return session.exec(
        select(JiraLink)
        .where(
            JiraLink.job_id == job_id,
            col(JiraLink.state).in_([PushState.QUEUED.value, PushState.SENDING.value]),
        )
        .order_by(col(JiraLink.initiative_id).is_(None), col(JiraLink.id))
    ).all()


def mark_sending(session: Session, *, links: Sequence[JiraLink]) -> None:
    """Record that create requests are about to leave; commit this before sending."""
    now = utcnow()
    for link in links:
        link.state = PushState.SENDING.value
        link.attempts += 1
        link.sent_at = now
        link.updated_at = now
        session.add(link)
    session.flush()


@dataclass(frozen=True)
class PushedIssue:
    """The Jira issue a link now stands for, and the epic it is under (None: none, or not
    known, as for an issue made elsewhere and linked by hand)."""

    link: JiraLink
    jira_id: str
    jira_key: str
    browse_url: str
    epic_key: str | None = None


def mark_pushed(
    session: Session,
    *,
    link: JiraLink,
    jira_id: str,
    jira_key: str,
    browse_url: str,
    epic_key: str | None = None,
) -> None:
    """The issue exists in Jira (under the epic `epic_key`, if known); its suggestion moves to
    in delivery."""
    mark_pushed_many(session, results=[PushedIssue(link, jira_id, jira_key, browse_url, epic_key)])


def mark_pushed_many(session: Session, *, results: Sequence[PushedIssue]) -> None:
    """These issues exist in Jira; their stories' suggestions move to in delivery.

    A fixed number of statements however many links (a push batch records up to 50): one
    flush writes the links (SQLAlchemy sends like UPDATEs as one executemany), one query finds
    the suggestions, and decisions.mark_many_in_delivery moves them in a few set-wise ones."""
    if not results:
        return
    now = utcnow()
    for result in results:
        link = result.link
        link.state = PushState.PUSHED.value
        link.jira_id, link.jira_key, link.browse_url = (
            result.jira_id,
            result.jira_key,
            result.browse_url,
        )
        link.last_error = ""
        link.epic_key, link.epic_error = result.epic_key, ""
        link.pushed_at = link.updated_at = now
        session.add(link)
    session.flush()
    story_ids = [r.link.story_id for r in results if r.link.story_id is not None]
    if not story_ids:
        return
    owners = dict(
        session.exec(
            select(StoryDraft.id, StoryDraft.suggestion_id).where(col(StoryDraft.id).in_(story_ids))
        ).all()
    )
    reasons: dict[int, str] = {}
    for result in results:  # two stories of one suggestion: the first one sent names the move
        suggestion_id = owners.get(result.link.story_id)
        if suggestion_id is not None:
            reasons.setdefault(suggestion_id, f"Story {result.jira_key} created in Jira")
    decisions.mark_many_in_delivery(session, reasons=reasons)


def mark_failed(session: Session, *, link: JiraLink, reason: str) -> None:
    """Jira refused the issue (nothing was created); the reason is Jira's own words."""
    mark_failed_many(session, failures=[(link, reason)])


def mark_failed_many(session: Session, *, failures: Sequence[tuple[JiraLink, str]]) -> None:
    """`mark_failed` for each (link, reason), in one flush."""
    _note(session, failures, PushState.FAILED)


def requeue(session: Session, *, link: JiraLink, reason: str) -> None:
    """Try again later; a SENDING link keeps its state so the label check runs first."""
    requeue_many(session, retries=[(link, reason)])


def requeue_many(session: Session, *, retries: Sequence[tuple[JiraLink, str]]) -> None:
    """`requeue` for each (link, reason), in one flush."""
    _note(session, retries, None)


def mark_not_sent(session: Session, *, links: Sequence[tuple[JiraLink, str]]) -> None:
    """Jira certainly did not take these creates (it refused the credentials or permission
    without acting, or the request never left): each (link, reason) goes back to QUEUED with
    the reason, and the attempt does not count. A later push sends it without a label search."""
    for link, _ in links:
        link.attempts = max(link.attempts - 1, 0)
    _note(session, links, PushState.QUEUED)


def _note(session: Session, notes: Sequence[tuple[JiraLink, str]], state: PushState | None) -> None:
    """Record each link's reason (and `state`, unless None), then flush once."""
    if not notes:
        return
    now = utcnow()
    for link, reason in notes:
        if state is not None:
            link.state = state.value
        link.last_error = reason
        link.updated_at = now
        session.add(link)
    session.flush()


# ---- the epic a pushed story is under ---------------------------------------------------------
@dataclass(frozen=True)
class EpicMove:
    """A pushed story whose issue is not under the epic it belongs under, as far as the tracker
    knows: `wanted` is its initiative's epic once pushed (None: no epic), `current` the epic
    the issue was put under (None: none, or unknown)."""

    link_id: int
    issue: str  # the issue's id, which survives a move to another project, else its key
    story_key: str
    current: str | None
    wanted: str | None


def epic_moves(
    session: Session, *, initiative_ids: Collection[int] | None = None
) -> list[EpicMove]:
    """The pushed stories to put under another epic (or out of theirs), oldest first; only
    those of `initiative_ids` if given. One query, cheap enough for every scheduler tick. A
    story whose last move Jira refused (`epic_error`) or whose issue went missing is left out
    until that changes."""
    epic = aliased(JiraLink)
    wanted = col(epic.jira_key)
    query = (
        select_columns(
            col(JiraLink.id),
            col(JiraLink.jira_id),
            col(JiraLink.jira_key),
            col(JiraLink.epic_key),
            wanted,
        )
        .join(StoryDraft, col(StoryDraft.id) == col(JiraLink.story_id))
        .outerjoin(
            epic,
            and_(
                col(epic.initiative_id) == col(StoryDraft.initiative_id),
                col(epic.state) == PushState.PUSHED.value,
            ),
        )
        .where(
            col(JiraLink.state) == PushState.PUSHED.value,
            col(JiraLink.epic_error) == "",
            col(JiraLink.missing_since).is_(None),
            func.coalesce(col(JiraLink.epic_key), "") != func.coalesce(wanted, ""),
        )
        .order_by(col(JiraLink.id))
    )
    if initiative_ids is not None:
        query = query.where(col(StoryDraft.initiative_id).in_(set(initiative_ids)))
    return [
        EpicMove(link_id, jira_id or jira_key or "", jira_key or jira_id or "", current, goal)
        for link_id, jira_id, jira_key, current, goal in session.execute(query).all()
        if link_id is not None and (jira_id or jira_key)
    ]


def epics_pushed(session: Session, *, job_id: int) -> list[int]:
    """The initiatives whose epic this job pushed."""
    return [
        initiative_id
        for initiative_id in session.exec(
            select(JiraLink.initiative_id).where(
                JiraLink.job_id == job_id,
                col(JiraLink.initiative_id).is_not(None),
                col(JiraLink.state) == PushState.PUSHED.value,
            )
        ).all()
        if initiative_id is not None
    ]


def record_epic(session: Session, *, link_id: int, epic_key: str | None) -> None:
    """The story's issue is under the epic `epic_key` now (None: under none)."""
    session.execute(
        update(JiraLink)
        .where(col(JiraLink.id) == link_id)
        .values(epic_key=epic_key, epic_error="", updated_at=utcnow())
    )


def record_epic_error(session: Session, *, link_id: int, reason: str) -> None:
    """Jira refused to move the story's issue to its epic; no move is tried again until the
    story changes initiative or is updated in Jira (which clears the reason)."""
    session.execute(
        update(JiraLink)
        .where(col(JiraLink.id) == link_id)
        .values(epic_error=reason, updated_at=utcnow())
    )


def forget_epic_errors(session: Session, *, story_ids: Collection[int]) -> None:
    """The stories changed initiative: a move Jira refused before may go through now."""
    if not story_ids:
        return
    session.execute(
        update(JiraLink)
        .where(col(JiraLink.story_id).in_(set(story_ids)), col(JiraLink.epic_error) != "")
        .values(epic_error="")
    )
