"""Read models for the suggestion pages: what one page shows, in a fixed number of queries.

Nothing here changes data. Votes and comments of merged duplicates are shown only when the viewer
may see the duplicate they were made on, so a merge never leaks a confidential idea's discussion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session, col, select

from tracker.models import (
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
from tracker.services.jira_status.delivery import StoryStatus, recent_events, suggestion_delivery
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

    @property
    def decision_reason(self) -> str:
        return decision_reason(self.suggestion)

    @property
    def stories_done(self) -> int:
        return sum(row.done for row in self.delivery)


def decision_reason(suggestion: Suggestion) -> str:
    """The reason of the current decision; "" once the idea is back under review."""
    return suggestion.decision_reason if suggestion.status in REASONED else ""


def hours_estimate(suggestion: Suggestion) -> HoursEstimate | None:
    """Hours saved a week (volume x minutes saved / 60, or by the automated share); None if the
    evidence does not give one."""
    hours = suggestion.hours_saved_per_week
    if hours is None or suggestion.weekly_volume is None:
        return None
    if suggestion.minutes_saved_per_ticket is not None:
        formula = scoring.hours_saved_formula(
            suggestion.weekly_volume, suggestion.minutes_saved_per_ticket
        )
        return HoursEstimate(hours, formula)
    share, handle = suggestion.automation_share, suggestion.handle_time_minutes
    if share is None or handle is None:  # hours_saved_per_week gave hours, so both are set
        return None
    number = score_inputs.format_input
    formula = (
        f"{number(suggestion.weekly_volume)} tickets/week x {number(share)}% automated"
        f" x {number(handle)} min / 60 = {score_inputs.format_score(hours)} agent hours/week"
    )
    return HoursEstimate(hours, formula)


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


def detail_page(session: Session, *, viewer: User, suggestion_id: int) -> DetailPage:
    """Everything the detail page shows; NotFound when the viewer may not see the suggestion."""
    suggestion = get_suggestion(session, actor=viewer, suggestion_id=suggestion_id)
    assert suggestion.id is not None
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
        estimate=hours_estimate(suggestion),
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
    )
