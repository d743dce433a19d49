"""Votes, comments and watching over the API.

Engagement lands on the canonical suggestion (the merge target when an idea was merged), so the
answers carry that suggestion's id and its counts across everything merged into it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from tracker.api.common import bp, json_list, to_json
from tracker.api.inputs import actor, parse
from tracker.api.openapi import operation
from tracker.api.schemas.suggestions import (
    CommentCreate,
    CommentPublic,
    EngagementCounts,
    VoteCreate,
    WatchUpdate,
)
from tracker.db import get_session
from tracker.models import Comment, Suggestion, User
from tracker.permissions import Permission, requires
from tracker.services.suggestions import engagement, visibility
from tracker.services.suggestions.submissions import get_suggestion

TAG = "engagement"


def _counts(session: Session, user: User, target: Suggestion) -> EngagementCounts:
    """The counts of the suggestion that took the engagement, which the services choose among
    those `user` may see; checked again here, as an answer about a hidden idea is a leak."""
    assert target.id is not None
    visibility.ensure_visible(user, target, target.id)
    return EngagementCounts(
        suggestion_id=target.id,
        vote_count=target.vote_count,
        comment_count=target.comment_count,
        voted=engagement.has_voted(session, user=user, suggestion=target),
        watching=user.id in engagement.watcher_ids(session, target),
    )


def _comments_public(session: Session, comments: Sequence[Comment]) -> list[CommentPublic]:
    author_ids = {comment.author_id for comment in comments}
    names = dict(
        session.exec(select(User.id, User.display_name).where(col(User.id).in_(author_ids))).all()
    )
    return [
        CommentPublic.model_validate(
            comment.model_dump() | {"author_name": names.get(comment.author_id, "")}
        )
        for comment in comments
    ]


@bp.post("/suggestions/<int:suggestion_id>/votes")
@requires(Permission.ENGAGE)
@operation(
    "Vote (me too); voting again updates the vote",
    body=VoteCreate,
    response=EngagementCounts,
    tag=TAG,
)
def vote_create(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    wanted = parse(VoteCreate)
    target = engagement.vote(
        session,
        actor=user,
        suggestion_id=suggestion_id,
        frequency=wanted.frequency,
        note=wanted.note,
    )
    counts = _counts(session, user, target)
    return to_json(counts)


@bp.delete("/suggestions/<int:suggestion_id>/votes")
@requires(Permission.ENGAGE)
@operation("Withdraw my vote", response=EngagementCounts, tag=TAG)
def vote_delete(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    target = engagement.unvote(session, actor=user, suggestion_id=suggestion_id)
    counts = _counts(session, user, target)
    return to_json(counts)


@bp.get("/suggestions/<int:suggestion_id>/comments")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "Comments, including those on ideas merged into it, oldest first",
    response=CommentPublic,
    many=True,
    tag=TAG,
)
def comment_list(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    suggestion = get_suggestion(session, actor=user, suggestion_id=suggestion_id)
    target = engagement.canonical(session, suggestion)
    # A merge group can mix suggestions this reader may and may not see (a vendor's idea merged
    # into an internal one); comments stay with the suggestion they were written on.
    group = engagement.group_ids(session, target.id) if target.id is not None else []
    readable = set(
        session.exec(
            select(Suggestion.id).where(
                col(Suggestion.id).in_(group), visibility.visible_clause(user)
            )
        ).all()
    )
    comments = [
        comment
        for comment in engagement.comments_for(session, target)
        if comment.suggestion_id in readable
    ]
    return json_list(_comments_public(session, comments))


@bp.post("/suggestions/<int:suggestion_id>/comments")
@requires(Permission.ENGAGE)
@operation("Comment (Markdown)", body=CommentCreate, response=CommentPublic, status=201, tag=TAG)
def comment_create(suggestion_id: int) -> Response:
    session = get_session()
    wanted = parse(CommentCreate)
    comment = engagement.add_comment(
        session, actor=actor(), suggestion_id=suggestion_id, body=wanted.body
    )
    response = to_json(_comments_public(session, [comment])[0], status=201)
    response.headers["Location"] = url_for("api.comment_list", suggestion_id=comment.suggestion_id)
    return response


@bp.post("/suggestions/<int:suggestion_id>/watch")
@requires(Permission.ENGAGE)
@operation(
    "Follow or stop following a suggestion", body=WatchUpdate, response=EngagementCounts, tag=TAG
)
def watch_update(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    wanted = parse(WatchUpdate)
    target = engagement.set_watching(
        session, actor=user, suggestion_id=suggestion_id, watching=wanted.watching
    )
    counts = _counts(session, user, target)
    return to_json(counts)
