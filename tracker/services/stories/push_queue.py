"""The push queue: which stories go to Jira, in which job, and what happened to each.

The rules for exactly-once live here and in sync/push/engine.py together: a link is marked SENDING
(and committed) before its create request leaves; a link found SENDING later has an unknown
outcome and is searched for by its unique label before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from tracker.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tracker.models import (
    DraftState,
    Initiative,
    JiraLink,
    JobState,
    PushJob,
    PushState,
    Role,
    StoryDraft,
    Suggestion,
    User,
    utcnow,
)
from tracker.services.suggestions import decisions, visibility


def story_label(site_id: str, story_id: int) -> str:
    return f"trk-{site_id}-s{story_id}"


def epic_label(site_id: str, initiative_id: int) -> str:
    return f"trk-{site_id}-e{initiative_id}"


def _require_pm(actor: User) -> None:
    if actor.role not in (Role.PM, Role.ADMIN):
        raise PermissionDenied("Only PMs push stories to Jira.")


def _link_for_story(session: Session, site_id: str, draft: StoryDraft) -> JiraLink:
    assert draft.id is not None
    link = session.exec(select(JiraLink).where(JiraLink.story_id == draft.id)).first()
    return link or JiraLink(story_id=draft.id, label=story_label(site_id, draft.id))


def _links_for_drafts(
    session: Session, site_id: str, drafts: Sequence[StoryDraft]
) -> list[JiraLink]:
    """`_link_for_story` for each draft, in one query."""
    ids = [draft.id for draft in drafts if draft.id is not None]
    found = links_for_stories(session, story_ids=ids)
    return [found.get(i) or JiraLink(story_id=i, label=story_label(site_id, i)) for i in ids]


def _link_for_epic(session: Session, site_id: str, initiative: Initiative) -> JiraLink:
    assert initiative.id is not None
    link = session.exec(select(JiraLink).where(JiraLink.initiative_id == initiative.id)).first()
    return link or JiraLink(initiative_id=initiative.id, label=epic_label(site_id, initiative.id))


def _enqueue(session: Session, job: PushJob, link: JiraLink) -> bool:
    """Put the link in the job unless it is in Jira already; SENDING stays SENDING (unknown)."""
    if link.state == PushState.PUSHED:
        return False
    if link.state == PushState.FAILED:
        link.state = PushState.QUEUED.value
        link.attempts = 0
    link.job_id = job.id
    link.last_error = "" if link.state == PushState.QUEUED else link.last_error
    link.updated_at = utcnow()
    session.add(link)
    return True


def request_push(
    session: Session, *, actor: User, story_ids: Sequence[int], site_id: str
) -> PushJob:
    """A job pushing these ready drafts. ValidationFailed names drafts that are not ready."""
    _require_pm(actor)
    if not story_ids:
        raise ValidationFailed("Choose stories to push.", fields={"story_ids": "Select stories."})
    drafts = session.exec(select(StoryDraft).where(col(StoryDraft.id).in_(story_ids))).all()
    missing = set(story_ids) - {draft.id for draft in drafts}
    if missing:
        raise NotFound(f"Story draft {min(missing)} does not exist.")
    not_ready = [draft for draft in drafts if draft.state != DraftState.READY]
    if not_ready:
        names = ", ".join(f"#{draft.id}" for draft in not_ready)
        raise ValidationFailed(
            f"Only ready drafts can be pushed; not ready: {names}.",
            fields={"story_ids": f"Mark {names} ready first (fix its lint problems)."},
        )
    return _create_job(session, actor, None, _links_for_drafts(session, site_id, drafts))


def request_initiative_push(
    session: Session, *, actor: User, initiative_id: int, site_id: str
) -> PushJob:
    """A job pushing the initiative as an epic, then its ready drafts under it."""
    _require_pm(actor)
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(f"Initiative {initiative_id} does not exist.")
    drafts = session.exec(
        select(StoryDraft).where(
            StoryDraft.initiative_id == initiative_id, StoryDraft.state == DraftState.READY
        )
    ).all()
    links = [_link_for_epic(session, site_id, initiative)]
    links += _links_for_drafts(session, site_id, drafts)
    return _create_job(session, actor, initiative_id, links)


def in_flight(session: Session, *, links: Iterable[JiraLink]) -> set[int]:
    """Ids of the SENDING links whose job is not finished: a worker owns them (or will resume
    them), so they may not be pushed again. A SENDING link whose job is done, or that has no job,
    is only unconfirmed: pushing it again is safe, the label search runs before any create."""
    sending = [link for link in links if link.state == PushState.SENDING and link.id is not None]
    job_ids = {link.job_id for link in sending if link.job_id is not None}
    if not job_ids:
        return set()
    running = set(
        session.exec(
            select(PushJob.id).where(
                col(PushJob.id).in_(job_ids), col(PushJob.state) != JobState.DONE.value
            )
        ).all()
    )
    return {link.id for link in sending if link.id is not None and link.job_id in running}


def _create_job(
    session: Session, actor: User, initiative_id: int | None, links: list[JiraLink]
) -> PushJob:
    busy = in_flight(session, links=links)
    if busy:
        raise Conflict(
            "A push of "
            + ", ".join(_link_name(link) for link in links if link.id in busy)
            + " is still running; wait for it to finish."
        )
    job = PushJob(requested_by_id=actor.id, initiative_id=initiative_id)
    session.add(job)
    session.flush()
    queued = [link for link in links if _enqueue(session, job, link)]
    if not queued:
        raise Conflict("Everything selected is in Jira already.")
    job.total = len(queued)
    session.flush()
    return job


def _link_name(link: JiraLink) -> str:
    return f"story #{link.story_id}" if link.story_id is not None else "the epic"


@dataclass(frozen=True)
class JobProgress:
    job: PushJob
    links: Sequence[JiraLink]

    @property
    def done(self) -> int:
        return sum(link.state in (PushState.PUSHED, PushState.FAILED) for link in self.links)

    @property
    def pushed(self) -> int:
        return sum(link.state == PushState.PUSHED for link in self.links)

    @property
    def failed(self) -> int:
        return sum(link.state == PushState.FAILED for link in self.links)


def job_progress(session: Session, *, job_id: int) -> JobProgress:
    job = session.get(PushJob, job_id)
    if job is None:
        raise NotFound(f"Push job {job_id} does not exist.")
    links = session.exec(
        select(JiraLink).where(JiraLink.job_id == job_id).order_by(col(JiraLink.id))
    ).all()
    return JobProgress(job, links)


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
    """The Jira issue a link now stands for."""

    link: JiraLink
    jira_id: str
    jira_key: str
    browse_url: str


def mark_pushed(
    session: Session, *, link: JiraLink, jira_id: str, jira_key: str, browse_url: str
) -> None:
    """The issue exists in Jira; its suggestion moves to in delivery."""
    mark_pushed_many(session, results=[PushedIssue(link, jira_id, jira_key, browse_url)])


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


def links_for_stories(session: Session, *, story_ids: Sequence[int]) -> dict[int, JiraLink]:
    if not story_ids:
        return {}
    found = session.exec(select(JiraLink).where(col(JiraLink.story_id).in_(set(story_ids)))).all()
    return {link.story_id: link for link in found if link.story_id is not None}


def link_for_epic(session: Session, *, initiative_id: int) -> JiraLink | None:
    return session.exec(select(JiraLink).where(JiraLink.initiative_id == initiative_id)).first()


def visible_drafts(session: Session, *, actor: User, ids: Sequence[int]) -> dict[int, StoryDraft]:
    """The drafts among `ids` whose suggestion the actor may see."""
    if not ids:
        return {}
    found = session.exec(
        select(StoryDraft)
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .where(col(StoryDraft.id).in_(set(ids)), visibility.visible_clause(actor))
    ).all()
    return {draft.id: draft for draft in found if draft.id is not None}


def requesters(session: Session, *, jobs: Sequence[PushJob]) -> dict[int, User]:
    """Who asked for each of these jobs, in one query."""
    ids = {job.requested_by_id for job in jobs if job.requested_by_id is not None}
    if not ids:
        return {}
    return {
        user.id: user
        for user in session.exec(select(User).where(col(User.id).in_(ids)))
        if user.id is not None
    }


def link_for_story(session: Session, *, story_id: int) -> JiraLink | None:
    return session.exec(select(JiraLink).where(JiraLink.story_id == story_id)).first()


def unlink(session: Session, *, actor: User, story_id: int) -> None:
    """Forget the story's Jira issue (the issue itself stays in Jira)."""
    _require_pm(actor)
    link = link_for_story(session, story_id=story_id)
    if link is None or link.state != PushState.PUSHED:
        raise Conflict("This story is not linked to a Jira issue.")
    session.delete(link)
    session.flush()


def relink(
    session: Session,
    *,
    actor: User,
    story_id: int,
    site_id: str,
    jira_id: str,
    jira_key: str,
    browse_url: str,
) -> JiraLink:
    """Link the story to an existing Jira issue (found by sync/ beforehand)."""
    _require_pm(actor)
    draft = session.get(StoryDraft, story_id)
    if draft is None:
        raise NotFound(f"Story draft {story_id} does not exist.")
    taken = session.exec(select(JiraLink).where(JiraLink.jira_id == jira_id)).first()
    if taken is not None and taken.story_id != story_id:
        raise Conflict(f"{jira_key} is already linked to another story.")
    link = _link_for_story(session, site_id, draft)
    if link.state == PushState.SENDING:
        raise Conflict("A push of this story is in progress; wait for it to finish.")
    mark_pushed(session, link=link, jira_id=jira_id, jira_key=jira_key, browse_url=browse_url)
    return link
