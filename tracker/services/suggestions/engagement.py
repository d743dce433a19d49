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

from tracker.errors import Conflict, ValidationFailed
from tracker.models import Comment, Status, Suggestion, User, Vote, Watch, utcnow
from tracker.permissions import Permission, require
from tracker.services.suggestions.submissions import get_suggestion
from tracker.services.suggestions.visibility import can_view

NOTE_MAX = 500  # the vote note column
COMMENT_MAX = 10_000
FREQUENCIES = {
    "daily": "Every day",
    "weekly": "Every week",
    "monthly": "Every month",
    "rarely": "Now and then",
}


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
    return _merge_chain(session, suggestion)[-1]


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


def _merge_chain(session: Session, suggestion: Suggestion) -> list[Suggestion]:
    """The suggestion and each one it is merged into, up to the canonical one (last)."""
    chain = [suggestion]
    seen = {suggestion.id}
    while chain[-1].duplicate_of_id is not None and chain[-1].duplicate_of_id not in seen:
        target = session.get(Suggestion, chain[-1].duplicate_of_id)
        if target is None:
            break
        seen.add(target.id)
        chain.append(target)
    return chain


def _carrier_chain(session: Session, actor: User, suggestion: Suggestion) -> list[Suggestion]:
    """From the suggestion that takes the actor's vote, comment or follow up to the canonical one.

    That is the canonical suggestion when the actor may see it. When a PM merged a visible idea
    into one the actor may not see (a vendor's idea into a confidential one), it is the highest
    one they can see: stored there it still counts on the canonical suggestion, whose group holds
    it, and nothing about the hidden suggestion is returned to the actor.
    """
    chain = _merge_chain(session, suggestion)
    visible = [index for index, item in enumerate(chain) if can_view(actor, item)]
    return chain[visible[-1] :] if visible else chain


def _engaging(session: Session, actor: User, suggestion_id: int) -> list[Suggestion]:
    require(actor, Permission.ENGAGE, "Stakeholders have read-only access.")
    return _carrier_chain(
        session, actor, get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    )


def _recount_chain(session: Session, chain: Sequence[Suggestion]) -> None:
    for item in chain:
        recount(session, item)


def _watch(session: Session, suggestion_id: int, user_id: int, reason: str) -> None:
    exists = session.exec(
        select(Watch.id).where(Watch.suggestion_id == suggestion_id, Watch.user_id == user_id)
    ).first()
    if exists is None:
        session.add(Watch(suggestion_id=suggestion_id, user_id=user_id, reason=reason))


def vote(
    session: Session, *, actor: User, suggestion_id: int, frequency: str = "", note: str = ""
) -> Suggestion:
    """Add or update the actor's vote on the canonical suggestion; returns that suggestion.

    One vote per person across the canonical suggestion and everything merged into it. If the
    actor may not see the canonical suggestion, the vote is kept on (and the return value is) the
    highest merged suggestion they can see; it still counts on the canonical one.
    """
    chain = _engaging(session, actor, suggestion_id)
    target, top = chain[0], chain[-1]
    if frequency and frequency not in FREQUENCIES:
        raise ValidationFailed(
            "Unknown frequency.",
            fields={"frequency": "Choose one of: " + ", ".join(FREQUENCIES) + "."},
        )
    if len(note) > NOTE_MAX:
        raise ValidationFailed("Note too long.", fields={"note": f"At most {NOTE_MAX} characters."})
    if top.status in (Status.DECLINED,):
        raise Conflict("This idea was declined; votes are closed.")
    assert target.id is not None
    assert top.id is not None
    assert actor.id is not None
    existing = session.exec(
        select(Vote).where(
            col(Vote.suggestion_id).in_(group_ids(session, top.id)), Vote.user_id == actor.id
        )
    ).first()
    if existing is None:
        existing = Vote(suggestion_id=target.id, user_id=actor.id)
    existing.frequency = frequency
    existing.note = note.strip()
    session.add(existing)
    _watch(session, target.id, actor.id, "voter")
    session.flush()
    _recount_chain(session, chain)
    session.flush()
    return target


def unvote(session: Session, *, actor: User, suggestion_id: int) -> Suggestion:
    """Withdraw the actor's vote wherever in the merged group it is; returns what vote() would."""
    chain = _engaging(session, actor, suggestion_id)
    assert chain[-1].id is not None
    for existing in session.exec(
        select(Vote).where(
            col(Vote.suggestion_id).in_(group_ids(session, chain[-1].id)),
            Vote.user_id == actor.id,
        )
    ).all():
        session.delete(existing)
    session.flush()
    _recount_chain(session, chain)
    session.flush()
    return chain[0]


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
    """Comment on the suggestion that carries the discussion (as for vote()); the actor follows."""
    chain = _engaging(session, actor, suggestion_id)
    target = chain[0]
    body = body.strip()
    if not body:
        raise ValidationFailed("Empty comment.", fields={"body": "Write something first."})
    if len(body) > COMMENT_MAX:
        raise ValidationFailed(
            "Comment too long.", fields={"body": f"At most {COMMENT_MAX:,} characters."}
        )
    assert target.id is not None
    assert actor.id is not None
    comment = Comment(suggestion_id=target.id, author_id=actor.id, body=body)
    session.add(comment)
    _watch(session, target.id, actor.id, "commenter")
    session.flush()
    _recount_chain(session, chain)
    for item in chain:
        item.updated_at = utcnow()
    session.flush()
    return comment


def set_watching(
    session: Session, *, actor: User, suggestion_id: int, watching: bool
) -> Suggestion:
    """Follow (or stop following) the suggestion that carries the discussion; returns what
    vote() would: a suggestion the actor may see, never a hidden merge target."""
    chain = _carrier_chain(
        session, actor, get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    )
    target = chain[0]
    assert target.id is not None
    assert chain[-1].id is not None
    assert actor.id is not None
    if watching:
        _watch(session, target.id, actor.id, "manual")
    else:
        for row in session.exec(
            select(Watch).where(
                col(Watch.suggestion_id).in_(group_ids(session, chain[-1].id)),
                Watch.user_id == actor.id,
            )
        ).all():
            session.delete(row)
    session.flush()
    return target


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
