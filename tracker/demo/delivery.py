"""The demo's Jira side, without a Jira: stories and epics pushed through the push queue and their
status brought back as issue snapshots, exactly as the sync would apply them, so delivered
ideas, initiative progress, stuck and missing stories are the real roll-ups.

Every moment is counted in days before `period_end` (the last scheduled digest), so last week's
digest always has pushes, status changes and a delivered idea to report. The issues live on a
placeholder Jira that is never contacted, and only when no real Jira is configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import DraftState, Initiative, JiraLink, PushJob, StoryDraft, Suggestion, User
from tracker.services.jira_status import delivery
from tracker.services.jira_status.snapshots import IssueSnapshot, StatusHistory
from tracker.services.stories import drafts as stories
from tracker.services.stories import push_execution, push_queue, readiness

JIRA_BASE = "https://jira.example.invalid"  # .invalid: reserved, never resolves (RFC 2606)
PROJECT = "OPS"
FIRST_NUMBER = 101
# Jira's status category key of each workflow status the demo uses.
CATEGORIES = {
    "To Do": "new",
    "In Progress": "indeterminate",
    "In Review": "indeterminate",
    "Done": "done",
}
REVIEWER = "Olu Adeyemi"  # moves reviewed stories to Done


@dataclass(frozen=True)
class Script:
    """One issue's life in Jira, in days before the period end: when it was pushed, each status
    it moved to after To Do, and (for a deleted issue) when the sync stopped finding it."""

    pushed: float
    path: tuple[tuple[str, float], ...] = ()
    assignee: str = ""
    sprint: str = ""
    fix_versions: tuple[str, ...] = ()
    missing: float | None = None


EPIC_SCRIPTS = (
    Script(46.1, (("In Progress", 40.6),), "Ravi Menon"),
    Script(41.2, (("In Progress", 33.4),), "Tomás Ruiz"),
)
# Per initiative, in the order of its story drafts; drafts beyond these stay unpushed.
STORY_SCRIPTS: tuple[tuple[Script, ...], ...] = (
    (
        # Delivered a month ago.
        Script(
            45.0,
            (("In Progress", 40.3), ("In Review", 30.8), ("Done", 26.2)),
            "Ravi Menon",
            "Ops Sprint 22",
            ("Console 4.1",),
        ),
        # Delivered last week: the digest's delivered idea.
        Script(
            30.1,
            (("In Progress", 23.9), ("In Review", 8.7), ("Done", 2.8)),
            "Ines Duarte",
            "Ops Sprint 24",
            ("Console 4.2",),
        ),
        Script(12.2, (("In Progress", 7.9), ("In Review", 1.9)), "Grace Liu", "Ops Sprint 24"),
        Script(3.8),  # just pushed, still in the backlog
    ),
    (
        # Waiting for review for three weeks: flags the initiative as stuck.
        Script(
            40.0,
            (("In Progress", 33.1), ("In Review", 21.7)),
            "Tomás Ruiz",
            "Ops Sprint 24",
            ("Console 4.2",),
        ),
        Script(10.3, (("In Progress", 4.8),), "Grace Liu", "Ops Sprint 24", ("Console 4.3",)),
        # Deleted in Jira: kept, and shown to PMs as missing.
        Script(20.4, (("In Progress", 9.2),), "Ines Duarte", "Ops Sprint 24", missing=1.6),
    ),
)


@dataclass
class _Push:
    """One planned push: an epic (initiative) or a story draft, and its script."""

    script: Script
    initiative: Initiative
    draft: StoryDraft | None = None
    jira_id: str = ""
    key: str = ""


@dataclass
class DeliverySummary:
    pushed: int
    delivered: int


def run(
    session: Session,
    *,
    pm: User,
    drafts: Sequence[tuple[Initiative, Sequence[StoryDraft]]],
    settings: Settings,
    period_end: datetime,
    now: datetime,
) -> DeliverySummary:
    """Push the scripted epics and stories in the order they happened (so keys and job numbers
    grow with time), mark the remaining lint-clean drafts ready, and apply what Jira would say
    about each issue today."""
    # With a real Jira configured, made-up issue ids would be synced against real issues.
    pushes = (
        [] if settings.jira.base_url else _plan(drafts, points_scale=settings.stories.points_scale)
    )
    pushes.sort(key=lambda push: -push.script.pushed)
    for number, push in enumerate(pushes, FIRST_NUMBER):
        push.jira_id, push.key = str(10_000 + number), f"{PROJECT}-{number}"
        at = period_end - timedelta(days=push.script.pushed)
        if push.draft is not None:
            assert push.draft.id is not None
            stories.mark_ready(session, actor=pm, draft_id=push.draft.id, settings=settings.stories)
        _push(session, pm=pm, push=push, settings=settings, at=at)
    for _, found in drafts:
        for draft in found:
            clean = not readiness.lint(draft, points_scale=settings.stories.points_scale)
            if draft.state != DraftState.READY and clean and draft.id is not None:
                stories.mark_ready(session, actor=pm, draft_id=draft.id, settings=settings.stories)
    delivered = _sync(session, pushes, settings=settings, period_end=period_end, now=now)
    return DeliverySummary(pushed=sum(p.draft is not None for p in pushes), delivered=delivered)


def _plan(
    drafts: Sequence[tuple[Initiative, Sequence[StoryDraft]]], *, points_scale: Sequence[int]
) -> list[_Push]:
    """The scripted pushes; drafts that lint would refuse are skipped (nothing to push)."""
    pushes: list[_Push] = []
    for (initiative, found), epic, scripts in zip(
        drafts, EPIC_SCRIPTS, STORY_SCRIPTS, strict=False
    ):
        pushes.append(_Push(epic, initiative))
        pushes += [
            _Push(script, initiative, draft)
            for draft, script in zip(found, scripts, strict=False)
            if not readiness.lint(draft, points_scale=points_scale)
        ]
    return pushes


def _push(session: Session, *, pm: User, push: _Push, settings: Settings, at: datetime) -> None:
    """Through the push queue as the worker would, then back-dated to `at`."""
    site = settings.jira.site_id
    assert push.initiative.id is not None
    if push.draft is None:
        job = push_queue.request_initiative_push(
            session, actor=pm, initiative_id=push.initiative.id, site_id=site
        )
    else:
        assert push.draft.id is not None
        job = push_queue.request_push(session, actor=pm, story_ids=[push.draft.id], site_id=site)
        push.draft.created_at = push.draft.updated_at = at - timedelta(hours=20)
    assert job.id is not None
    links = list(push_execution.pending_links(session, job_id=job.id))
    push_execution.mark_sending(session, links=links)
    for link in links:
        push_execution.mark_pushed(
            session,
            link=link,
            jira_id=push.jira_id,
            jira_key=push.key,
            browse_url=f"{JIRA_BASE}/browse/{push.key}",
        )
        link.sent_at = at - timedelta(seconds=40)
        link.pushed_at = link.updated_at = at
    push_execution.finish_job(session, job=job)
    _back_date(session, job, links, at)


def _back_date(session: Session, job: PushJob, links: Sequence[JiraLink], at: datetime) -> None:
    job.created_at = at - timedelta(minutes=1)
    job.started_at = at - timedelta(seconds=50)
    job.finished_at = at
    for link in links:
        if link.story_id is None:
            continue
        draft = session.get(StoryDraft, link.story_id)
        suggestion = session.get(Suggestion, draft.suggestion_id) if draft else None
        if suggestion is not None:  # its first push: lead times count from here
            suggestion.in_jira_at = min(at, suggestion.in_jira_at or at)
            session.add(suggestion)
    session.add(job)
    session.flush()


def _snapshot(push: _Push, *, period_end: datetime) -> IssueSnapshot:
    """What Jira's search would return for the issue today, with its whole changelog."""
    script = push.script

    def moment(days: float) -> datetime:
        return period_end - timedelta(days=days)

    histories = []
    previous = "To Do"
    for index, (status, days) in enumerate(script.path, 1):
        author = REVIEWER if status == "Done" else script.assignee
        histories.append(
            StatusHistory(f"{push.jira_id}{index:02d}", moment(days), author, previous, status)
        )
        previous = status
    return IssueSnapshot(
        jira_id=push.jira_id,
        key=push.key,
        status_name=previous,
        status_category=CATEGORIES[previous],
        resolution="Done" if previous == "Done" else "",
        assignee=script.assignee,
        fix_versions=script.fix_versions,
        sprint=script.sprint,
        updated=histories[-1].changed_at if histories else moment(script.pushed),
        histories=tuple(histories),
    )


def _sync(
    session: Session,
    pushes: Sequence[_Push],
    *,
    settings: Settings,
    period_end: datetime,
    now: datetime,
) -> int:
    """Apply the snapshots as the sync would: a deleted issue was last seen before it went
    missing; the rest were seen just now. Returns how many ideas the roll-up delivered."""
    for push in pushes:
        if push.script.missing is not None:
            seen = period_end - timedelta(days=push.script.missing + 0.2)
            delivery.apply_snapshots(
                session,
                [_snapshot(push, period_end=period_end)],
                source="sync",
                now=seen,
                settings=settings.sync,
            )
            delivery.mark_missing(
                session,
                jira_ids=[push.jira_id],
                now=period_end - timedelta(days=push.script.missing),
            )
    delivery.apply_snapshots(
        session,
        [_snapshot(p, period_end=period_end) for p in pushes if p.script.missing is None],
        source="sync",
        now=now,
        settings=settings.sync,
    )
    suggestion_ids = [p.draft.suggestion_id for p in pushes if p.draft is not None]
    found = session.exec(select(Suggestion).where(col(Suggestion.id).in_(suggestion_ids))).all()
    return sum(suggestion.delivered_at is not None for suggestion in found)
