"""Votes ("me too"), comments and watchers, counted across merged duplicates only once.

A merged duplicate keeps its own votes and comments (so an unmerge restores them exactly); the
canonical suggestion counts the distinct people across itself and everything merged into it.
"""

from __future__ import annotations

from collections.abc import Sequence

import markdown
import nh3
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.errors import Conflict, PermissionDenied, ValidationFailed
from tracker.models import Comment, Role, Status, Suggestion, User, Vote, Watch, utcnow
from tracker.services.suggestions import get_suggestion

FREQUENCIES = {
    "daily": "Every day",
    "weekly": "Every week",
    "monthly": "Every month",
    "rarely": "Now and then",
}
_CAN_ENGAGE = frozenset({Role.SUBMITTER, Role.VENDOR, Role.PM, Role.ADMIN})


def group_ids(session: Session, suggestion_id: int) -> list[int]:
    """The suggestion and every suggestion merged into it, directly or through another merge."""
    found = [suggestion_id]
    frontier = [suggestion_id]
    while frontier:
        children = session.exec(
            select(Suggestion.id).where(col(Suggestion.duplicate_of_id).in_(frontier))
        ).all()
        frontier = [child for child in children if child is not None and child not in found]
        found.extend(frontier)
    return found


def canonical(session: Session, suggestion: Suggestion) -> Suggestion:
    """Follow merges to the suggestion that now carries the votes."""
    seen = {suggestion.id}
    while suggestion.duplicate_of_id is not None and suggestion.duplicate_of_id not in seen:
        target = session.get(Suggestion, suggestion.duplicate_of_id)
        if target is None:
            break
        seen.add(target.id)
        suggestion = target
    return suggestion


def recount(session: Session, suggestion: Suggestion) -> None:
    """Refresh the stored vote and comment counts of a canonical suggestion."""
    assert suggestion.id is not None
    ids = group_ids(session, suggestion.id)
    suggestion.vote_count = session.exec(
        select(func.count(func.distinct(Vote.user_id))).where(col(Vote.suggestion_id).in_(ids))
    ).one()
    suggestion.comment_count = session.exec(
        select(func.count()).select_from(Comment).where(col(Comment.suggestion_id).in_(ids))
    ).one()
    session.add(suggestion)


def _engaging(session: Session, actor: User, suggestion_id: int) -> Suggestion:
    if actor.role not in _CAN_ENGAGE:
        raise PermissionDenied("Stakeholders have read-only access.")
    return canonical(session, get_suggestion(session, actor=actor, suggestion_id=suggestion_id))


def _watch(session: Session, suggestion_id: int, user_id: int, reason: str) -> None:
    exists = session.exec(
        select(Watch.id).where(Watch.suggestion_id == suggestion_id, Watch.user_id == user_id)
    ).first()
    if exists is None:
        session.add(Watch(suggestion_id=suggestion_id, user_id=user_id, reason=reason))


def vote(
    session: Session, *, actor: User, suggestion_id: int, frequency: str = "", note: str = ""
) -> Suggestion:
    """Add or update the actor's vote on the canonical suggestion; returns that suggestion."""
    target = _engaging(session, actor, suggestion_id)
    if frequency and frequency not in FREQUENCIES:
        raise ValidationFailed(
            "Unknown frequency.",
            fields={"frequency": "Choose one of: " + ", ".join(FREQUENCIES) + "."},
        )
    if len(note) > 500:
        raise ValidationFailed("Note too long.", fields={"note": "At most 500 characters."})
    if target.status in (Status.DECLINED,):
        raise Conflict("This idea was declined; votes are closed.")
    assert target.id is not None
    assert actor.id is not None
    existing = session.exec(
        select(Vote).where(
            col(Vote.suggestion_id).in_(group_ids(session, target.id)), Vote.user_id == actor.id
        )
    ).first()
    if existing is None:
        existing = Vote(suggestion_id=target.id, user_id=actor.id)
    existing.frequency = frequency
    existing.note = note.strip()
    session.add(existing)
    _watch(session, target.id, actor.id, "voter")
    session.flush()
    recount(session, target)
    session.flush()
    return target


def unvote(session: Session, *, actor: User, suggestion_id: int) -> Suggestion:
    target = _engaging(session, actor, suggestion_id)
    assert target.id is not None
    for existing in session.exec(
        select(Vote).where(
            col(Vote.suggestion_id).in_(group_ids(session, target.id)), Vote.user_id == actor.id
        )
    ).all():
        session.delete(existing)
    session.flush()
    recount(session, target)
    session.flush()
    return target


def has_voted(session: Session, *, user: User, suggestion: Suggestion) -> bool:
    assert suggestion.id is not None
    return (
        session.exec(
            select(Vote.id).where(
                col(Vote.suggestion_id).in_(group_ids(session, suggestion.id)),
                Vote.user_id == user.id,
            )
        ).first()
        is not None
    )


def add_comment(session: Session, *, actor: User, suggestion_id: int, body: str) -> Comment:
    target = _engaging(session, actor, suggestion_id)
    body = body.strip()
    if not body:
        raise ValidationFailed("Empty comment.", fields={"body": "Write something first."})
    if len(body) > 10_000:
        raise ValidationFailed("Comment too long.", fields={"body": "At most 10,000 characters."})
    assert target.id is not None
    assert actor.id is not None
    comment = Comment(suggestion_id=target.id, author_id=actor.id, body=body)
    session.add(comment)
    _watch(session, target.id, actor.id, "commenter")
    session.flush()
    recount(session, target)
    target.updated_at = utcnow()
    session.flush()
    return comment


def set_watching(session: Session, *, actor: User, suggestion_id: int, watching: bool) -> None:
    target = canonical(session, get_suggestion(session, actor=actor, suggestion_id=suggestion_id))
    assert target.id is not None
    assert actor.id is not None
    if watching:
        _watch(session, target.id, actor.id, "manual")
    else:
        for row in session.exec(
            select(Watch).where(
                col(Watch.suggestion_id).in_(group_ids(session, target.id)),
                Watch.user_id == actor.id,
            )
        ).all():
            session.delete(row)
    session.flush()


def watcher_ids(session: Session, suggestion: Suggestion) -> list[int]:
    """Distinct people following the suggestion or anything merged into it."""
    assert suggestion.id is not None
    rows = session.exec(
        select(Watch.user_id)
        .where(col(Watch.suggestion_id).in_(group_ids(session, suggestion.id)))
        .distinct()
    ).all()
    return sorted(rows)


def comments_for(session: Session, suggestion: Suggestion) -> Sequence[Comment]:
    """Comments on the suggestion and on everything merged into it, oldest first."""
    assert suggestion.id is not None
    return session.exec(
        select(Comment)
        .where(col(Comment.suggestion_id).in_(group_ids(session, suggestion.id)))
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()


def votes_for(session: Session, suggestion: Suggestion) -> Sequence[Vote]:
    assert suggestion.id is not None
    return session.exec(
        select(Vote)
        .where(col(Vote.suggestion_id).in_(group_ids(session, suggestion.id)))
        .order_by(col(Vote.created_at))
    ).all()


_ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "blockquote"}


def render_markdown(text: str) -> Markup:
    """Comment Markdown as sanitised HTML (nh3 keeps only harmless tags and http(s) links)."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 (sanitised by nh3 just above)
