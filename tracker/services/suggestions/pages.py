"""Read models for the suggestion pages: what one page shows, in a fixed number of queries.

Nothing here changes data. Votes and comments of merged duplicates are shown only when the viewer
may see the duplicate they were made on, so a merge never leaks a confidential idea's discussion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from markupsafe import Markup
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import (
    Benefit,
    BenefitState,
    Comment,
    Initiative,
    JiraLink,
    Status,
    StatusChange,
    StatusEvent,
    Suggestion,
    User,
    Vote,
    Watch,
)
from tracker.permissions import Permission, allowed
from tracker.services.benefits import before_after, delivery, reads
from tracker.services.benefits.estimator import DID
from tracker.services.benefits.visibility import can_see_benefit
from tracker.services.jira_status.delivery import StoryStatus, recent_events, suggestion_delivery
from tracker.services.kpis import evidence
from tracker.services.kpis.metrics import AGENT_HOURS, every_metric
from tracker.services.suggestions import (
    decisions,
    engagement,
    score_inputs,
    scoring,
    visibility,
)
from tracker.services.suggestions.submissions import can_edit, get_suggestion

# Statuses whose decision reason the submitter is shown.
REASONED = frozenset({Status.ACCEPTED, Status.DECLINED, Status.PARKED})
TIMELINE_LENGTH = 10


@dataclass(frozen=True)
class HoursEstimate:
    """Agent hours saved a week from the submitter's evidence, with the sum that gives it."""

    hours: float
    formula: str
    from_data: bool = False  # volume or handle time came from the queue's data

    @property
    def shown(self) -> str:
        """The figure as the formula shows it (3 significant figures)."""
        return score_inputs.format_score(self.hours)


@dataclass(frozen=True)
class HistoryEntry:
    change: StatusChange
    actor: str
    from_label: str  # "" for the submission itself
    to_label: str
    snapshot: str  # the score formula recorded with a decision, "" otherwise


@dataclass(frozen=True)
class VoteEntry:
    vote: Vote
    voter: str
    frequency: str


@dataclass(frozen=True)
class CommentEntry:
    comment: Comment
    author: str
    html: Markup
    from_id: int | None  # the merged duplicate it was written on, if not this suggestion


@dataclass(frozen=True)
class TimelineEntry:
    event: StatusEvent
    browse_url: str  # the page in Jira; "" when not known


@dataclass(frozen=True)
class BenefitPanel:
    """What a delivered idea saved, for a viewer who may see it (services/benefits)."""

    benefit: Benefit | None  # None until the first measurement
    sentence: str  # "expected 90 h/week; measured 62 h/week, 95% CI 41 to 83, after 8 weeks"
    method: str  # "against 3 control queues", "" when not measured
    chart: before_after.BeforeAfter | None
    shared: Sequence[int]  # ideas measured together with it that the viewer may open
    shared_hidden: int  # and how many others

    @property
    def state_label(self) -> str:
        return BenefitState(self.benefit.state).label if self.benefit else "Waiting"

    @property
    def windows(self) -> list[tuple[str, str]]:
        """("Before", "2026-01-05 to 2026-03-01") and the same for after: the days compared,
        last day included (the row stores the end exclusive)."""
        b = self.benefit
        if b is None:
            return []
        spans = [("Before", b.pre_start, b.pre_end), ("After", b.post_start, b.post_end)]
        return [
            (name, f"{start.isoformat()} to {(end - timedelta(days=1)).isoformat()}")
            for name, start, end in spans
            if start is not None and end is not None and end > start
        ]


@dataclass(frozen=True)
class DetailPage:
    suggestion: Suggestion
    submitter: str
    estimate: HoursEstimate | None
    history: Sequence[HistoryEntry]
    votes: Sequence[VoteEntry]
    my_vote: Vote | None
    comments: Sequence[CommentEntry]
    duplicates: Sequence[Suggestion]
    duplicate_of: Suggestion | None  # the merge target, when the viewer may see it
    watchers: Sequence[str]
    watching: bool
    editable: bool
    delivery: Sequence[StoryStatus]  # its stories and their Jira status
    timeline: Sequence[TimelineEntry]  # the latest Jira status changes of its stories, newest first
    initiative: Initiative | None  # the initiative it belongs to, when the viewer may open it
    # The queue's figures from data, when it has data and the viewer may see the queue.
    queue_data: evidence.QueueEvidence | None = None
    mismatch_share: float = 0.25
    benefit: BenefitPanel | None = None  # delivered ideas whose benefit the viewer may see
    may_deliver: bool = False  # the viewer may mark it delivered outside Jira (or correct that)
    hand_delivered: bool = False  # delivered by a PM, not by the Jira sync

    @property
    def volume_mismatch(self) -> bool:
        measured = self.queue_data.weekly_volume if self.queue_data else None
        typed = self.suggestion.weekly_volume
        return evidence.mismatch(typed, measured, self.mismatch_share)

    @property
    def handle_time_mismatch(self) -> bool:
        measured = self.queue_data.handle_time_minutes if self.queue_data else None
        typed = self.suggestion.handle_time_minutes
        return evidence.mismatch(typed, measured, self.mismatch_share)

    @property
    def decision_reason(self) -> str:
        return decision_reason(self.suggestion)

    @property
    def stories_done(self) -> int:
        return sum(row.done for row in self.delivery)


def decision_reason(suggestion: Suggestion) -> str:
    """The reason of the current decision; "" once the idea is back under review."""
    return suggestion.decision_reason if suggestion.status in REASONED else ""


def hours_estimate(
    suggestion: Suggestion, data: evidence.QueueEvidence | None = None
) -> HoursEstimate | None:
    """Hours saved a week (volume x minutes saved / 60, or by the automated share); None if the
    evidence does not give one. The queue's figures from `data` win over the typed ones."""
    volume: float | None = suggestion.weekly_volume
    handle = suggestion.handle_time_minutes
    volume_note = handle_note = ""
    if data is not None and data.weekly_volume is not None:
        volume, volume_note = round(data.weekly_volume), " (from data)"
    if data is not None and data.handle_time_minutes is not None:
        handle, handle_note = round(data.handle_time_minutes, 1), " (from data)"
    if volume is None:
        return None
    number = score_inputs.format_input
    saved, share = suggestion.minutes_saved_per_ticket, suggestion.automation_share
    if saved is not None:
        formula = scoring.hours_saved_formula(volume, saved)
        if volume_note:
            formula = formula.replace("tickets/week", "tickets/week" + volume_note, 1)
        return HoursEstimate(volume * saved / 60, formula, bool(volume_note))
    if share is None or handle is None:
        return None
    hours = volume * share / 100 * handle / 60
    formula = (
        f"{number(volume)} tickets/week{volume_note} x {number(share)}% automated"
        f" x {number(handle)} min{handle_note} / 60"
        f" = {score_inputs.format_score(hours)} agent hours/week"
    )
    return HoursEstimate(hours, formula, bool(volume_note or handle_note))


def score_estimate(
    session: Session, *, viewer: User, suggestion: Suggestion, settings: Settings
) -> HoursEstimate | None:
    """The ops estimate the PM's score form offers as reach: from data when the queue has data."""
    data = evidence.for_suggestion(session, viewer=viewer, suggestion=suggestion, settings=settings)
    return hours_estimate(suggestion, data)


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names by user id, in one query."""
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def _status_label(value: str | None) -> str:
    return Status(value).label if value else ""


def _snapshot_formula(change: StatusChange) -> str:
    if change.score_snapshot is None or Status(change.to_status) not in decisions.DECIDED:
        return ""
    return str(change.score_snapshot.get("formula") or "")


def _one_vote_per_person(votes: Sequence[Vote], suggestion_id: int) -> list[Vote]:
    """A person who voted on a duplicate and its target counts once: the target's vote wins."""
    chosen: dict[int, Vote] = {}
    for vote in sorted(votes, key=lambda v: (v.suggestion_id != suggestion_id, v.created_at)):
        chosen.setdefault(vote.user_id, vote)
    return sorted(chosen.values(), key=lambda v: (v.created_at, v.id or 0))


def _timeline(session: Session, suggestion_id: int) -> list[TimelineEntry]:
    """The latest Jira status changes of the suggestion's stories, each with its issue's link."""
    events = recent_events(session, suggestion_id=suggestion_id, limit=TIMELINE_LENGTH)
    link_ids = {event.link_id for event in events}
    urls: dict[int | None, str] = (
        dict(
            session.exec(
                select(JiraLink.id, JiraLink.browse_url).where(col(JiraLink.id).in_(link_ids))
            ).all()
        )
        if link_ids
        else {}
    )
    return [TimelineEntry(event, urls.get(event.link_id, "")) for event in events]


def _initiative(session: Session, viewer: User, suggestion: Suggestion) -> Initiative | None:
    if suggestion.initiative_id is None or not allowed(viewer, Permission.VIEW_INITIATIVES):
        return None
    return session.get(Initiative, suggestion.initiative_id)


def _method(benefit: Benefit) -> str:
    if not benefit.method:
        return ""
    if benefit.method == DID:
        count = len(benefit.control_queue_ids)
        return f"against {count} control queue{'' if count == 1 else 's'}"
    return "before and after on this queue alone, allowing for its weekday pattern"


def _benefit_panel(
    session: Session, viewer: User, suggestion: Suggestion, settings: Settings | None
) -> BenefitPanel | None:
    if suggestion.status is not Status.DELIVERED or not can_see_benefit(viewer, suggestion):
        return None
    benefit = session.get(Benefit, suggestion.id)
    if benefit is None:
        return BenefitPanel(None, "", "", None, (), 0)
    metric = every_metric(settings).get(benefit.metric) if settings is not None else None
    hours = benefit.metric == AGENT_HOURS
    chart = before_after.before_after(
        benefit.chart,
        unit="h" if hours else benefit.unit,
        label=metric.label if metric is not None else benefit.metric.replace("_", " "),
        delivered_on=benefit.delivered_on,
    )
    others = [i for i in benefit.shared_with if i != suggestion.id]
    visible = select(Suggestion.id).where(
        col(Suggestion.id).in_(others), visibility.visible_clause(viewer)
    )
    shown = sorted(i for i in session.exec(visible).all() if i is not None) if others else []
    return BenefitPanel(
        benefit, reads.describe(benefit), _method(benefit), chart, shown, len(others) - len(shown)
    )


def detail_page(
    session: Session, *, viewer: User, suggestion_id: int, settings: Settings | None = None
) -> DetailPage:
    """Everything the detail page shows; NotFound when the viewer may not see the suggestion.
    Without `settings` the queue's figures from data are left out."""
    suggestion = get_suggestion(session, actor=viewer, suggestion_id=suggestion_id)
    assert suggestion.id is not None
    data = (
        evidence.for_suggestion(session, viewer=viewer, suggestion=suggestion, settings=settings)
        if settings is not None
        else None
    )
    group = engagement.group_ids(session, suggestion.id)
    shown = set(
        session.exec(
            select(Suggestion.id).where(
                col(Suggestion.id).in_(group), visibility.visible_clause(viewer)
            )
        ).all()
    )
    votes = _one_vote_per_person(
        session.exec(select(Vote).where(col(Vote.suggestion_id).in_(shown))).all(), suggestion.id
    )
    comments = session.exec(
        select(Comment)
        .where(col(Comment.suggestion_id).in_(shown))
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()
    watcher_ids = set(
        session.exec(select(Watch.user_id).where(col(Watch.suggestion_id).in_(group))).all()
    )
    changes = decisions.history(session, suggestion=suggestion)
    duplicates = session.exec(
        select(Suggestion)
        .where(Suggestion.duplicate_of_id == suggestion.id, visibility.visible_clause(viewer))
        .order_by(col(Suggestion.id))
    ).all()
    target = None
    if suggestion.duplicate_of_id is not None:
        found = session.get(Suggestion, suggestion.duplicate_of_id)
        target = found if found is not None and visibility.can_view(viewer, found) else None
    hand = delivery.hand_delivered(session, suggestion)
    names = user_names(
        session,
        [
            suggestion.submitter_id,
            *(change.actor_id for change in changes),
            *(vote.user_id for vote in votes),
            *(comment.author_id for comment in comments),
            *watcher_ids,
        ],
    )
    return DetailPage(
        suggestion=suggestion,
        submitter=names.get(suggestion.submitter_id, "a former user"),
        estimate=hours_estimate(suggestion, data),
        history=[
            HistoryEntry(
                change=change,
                actor=names.get(change.actor_id, "a former user")
                if change.actor_id is not None
                else "Jira sync",
                from_label=_status_label(change.from_status),
                to_label=_status_label(change.to_status),
                snapshot=_snapshot_formula(change),
            )
            for change in changes
        ],
        votes=[
            VoteEntry(
                vote=vote,
                voter=names.get(vote.user_id, "a former user"),
                frequency=engagement.FREQUENCIES.get(vote.frequency, ""),
            )
            for vote in votes
        ],
        my_vote=next((vote for vote in votes if vote.user_id == viewer.id), None),
        comments=[
            CommentEntry(
                comment=comment,
                author=names.get(comment.author_id, "a former user"),
                html=engagement.render_markdown(comment.body),
                from_id=comment.suggestion_id if comment.suggestion_id != suggestion.id else None,
            )
            for comment in comments
        ],
        duplicates=duplicates,
        duplicate_of=target,
        watchers=sorted(names.get(user_id, "a former user") for user_id in watcher_ids),
        watching=viewer.id in watcher_ids,
        editable=can_edit(viewer, suggestion),
        delivery=suggestion_delivery(session, suggestion.id),
        timeline=_timeline(session, suggestion.id),
        initiative=_initiative(session, viewer, suggestion),
        queue_data=data,
        mismatch_share=settings.kpis.mismatch_share if settings is not None else 0.25,
        benefit=_benefit_panel(session, viewer, suggestion, settings),
        may_deliver=allowed(viewer, Permission.TRIAGE)
        and (suggestion.status is Status.ACCEPTED or hand),
        hand_delivered=hand,
    )
