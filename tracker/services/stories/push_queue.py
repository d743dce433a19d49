"""The push queue: which stories go to Jira and in which job, as PMs ask for it, and the reads
the Jira pages make of it.

Carrying jobs out (claims, leases, SENDING before a create leaves, each link's outcome) is
services/stories/push_execution.py, where the rules for exactly-once are written down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.models import (
    DraftState,
    Initiative,
    JiraLink,
    JobState,
    PushJob,
    PushState,
    StoryDraft,
    Suggestion,
    User,
    utcnow,
)
from tracker.permissions import Permission, require
from tracker.services.stories.push_execution import (
    mark_pushed,
)
from tracker.services.suggestions import visibility

_PUSH_DENIED = "Only PMs push stories to Jira."
JIRA_NOT_CONFIGURED = (
    "Jira is not configured: an admin sets jira.base_url and the Jira credentials "
    "(Admin > Jira check lists the keys) before anything can be pushed."
)


def require_jira(jira_url: str | None) -> None:
    """Conflict when Jira is not configured (`jira_url` is the jira.base_url setting), so no
    job is ever queued that could only fail. None means the caller stages pushes without a
    Jira on purpose (the demo data) and skips the check."""
    if jira_url is not None and not jira_url.strip():
        raise Conflict(JIRA_NOT_CONFIGURED)


def story_label(site_id: str, story_id: int) -> str:
    return f"trk-{site_id}-s{story_id}"


def epic_label(site_id: str, initiative_id: int) -> str:
    return f"trk-{site_id}-e{initiative_id}"


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
    session: Session,
    *,
    actor: User,
    story_ids: Sequence[int],
    site_id: str,
    jira_url: str | None = None,
) -> PushJob:
    """A job pushing these ready drafts. ValidationFailed names drafts that are not ready;
    Conflict when Jira is not configured (`require_jira`), when everything is in Jira already,
    or when a live push holds one of them."""
    require(actor, Permission.MANAGE_STORIES, _PUSH_DENIED)
    require_jira(jira_url)
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
    session: Session,
    *,
    actor: User,
    initiative_id: int,
    site_id: str,
    jira_url: str | None = None,
) -> PushJob:
    """A job pushing the initiative as an epic, then its ready drafts under it (refused like
    `request_push`)."""
    require(actor, Permission.MANAGE_STORIES, _PUSH_DENIED)
    require_jira(jira_url)
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


def live_jobs(
    session: Session, *, links: Iterable[JiraLink], now: datetime | None = None
) -> dict[int, PushJob]:
    """SENDING link id -> its job, for the links whose job is unfinished and holds a live lease
    (lease_until after `now`): a worker is at it, so they may not be pushed again.

    A SENDING link whose job is done, whose job's lease expired (its worker was killed) or
    whose job never got a worker is only unconfirmed: a new push takes it over, and the label
    search in Jira runs before anything is sent again, so no duplicate can result."""
    moment = now or utcnow()
    sending = [link for link in links if link.state == PushState.SENDING and link.id is not None]
    job_ids = {link.job_id for link in sending if link.job_id is not None}
    if not job_ids:
        return {}
    held = {
        job.id: job
        for job in session.exec(
            select(PushJob).where(
                col(PushJob.id).in_(job_ids),
                col(PushJob.state) != JobState.DONE.value,
                col(PushJob.lease_until) > moment,
            )
        )
    }
    return {
        link.id: held[link.job_id]
        for link in sending
        if link.id is not None and link.job_id is not None and link.job_id in held
    }


def in_flight(
    session: Session, *, links: Iterable[JiraLink], now: datetime | None = None
) -> set[int]:
    """Ids of the SENDING links a live push holds (see `live_jobs`)."""
    return set(live_jobs(session, links=links, now=now))


def lease_words(job: PushJob) -> str:
    """Who holds the job and until when, e.g. 'push #12, held by cli-web1-4242 until
    2025-03-01 14:05:00 UTC' (in UTC: services do not know the reader's zone)."""
    until = (
        job.lease_until.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if job.lease_until
        else "?"
    )
    return f"push #{job.id}, held by {job.lease_owner or 'a worker'} until {until}"


def _create_job(
    session: Session, actor: User, initiative_id: int | None, links: list[JiraLink]
) -> PushJob:
    busy = live_jobs(session, links=links)
    if busy:
        names = ", ".join(_link_name(link) for link in links if link.id in busy)
        holders = "; ".join(
            lease_words(job) for job in {job.id: job for job in busy.values()}.values()
        )
        raise Conflict(f"A push of {names} is still running ({holders}); wait for it to finish.")
    job = PushJob(requested_by_id=actor.id, initiative_id=initiative_id)
    session.add(job)
    session.flush()
    # A SENDING link of a stopped or abandoned job moves into this one and stays SENDING; the
    # old job, left with nothing to do, is finished by the worker that next claims it.
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
    require(actor, Permission.MANAGE_STORIES, _PUSH_DENIED)
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
    require(actor, Permission.MANAGE_STORIES, _PUSH_DENIED)
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
