"""Triage over the API: history, status changes, scores, merges and who sees a suggestion."""

from __future__ import annotations

from werkzeug.wrappers import Response

from tracker.api.common import bp, json_list, suggestion_public, to_json
from tracker.api.inputs import actor, json_object, parse
from tracker.api.openapi import operation
from tracker.api.schemas.common import SuggestionPublic
from tracker.api.schemas.suggestions import (
    MergeRequest,
    ScorePublic,
    ScoreRequest,
    SharingUpdate,
    StatusChangePublic,
    StatusUpdate,
    UnmergeRequest,
)
from tracker.config import current_settings
from tracker.db import get_session
from tracker.permissions import Permission, requires
from tracker.services.suggestions import decisions
from tracker.services.suggestions import submissions as suggestion_service
from tracker.services.suggestions.submissions import get_suggestion

TAG = "decisions"


@bp.get("/suggestions/<int:suggestion_id>/history")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "Status changes, oldest first, with the score at each decision",
    response=StatusChangePublic,
    many=True,
    tag=TAG,
)
def history_list(suggestion_id: int) -> Response:
    session = get_session()
    suggestion = get_suggestion(session, actor=actor(), suggestion_id=suggestion_id)
    return json_list(
        [
            StatusChangePublic.model_validate(change, from_attributes=True)
            for change in decisions.history(session, suggestion=suggestion)
        ]
    )


@bp.post("/suggestions/<int:suggestion_id>/status")
@requires(Permission.TRIAGE)
@operation(
    "Move a suggestion along the workflow", body=StatusUpdate, response=SuggestionPublic, tag=TAG
)
def status_update(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    wanted = parse(StatusUpdate)
    decisions.change_status(
        session, actor=user, suggestion_id=suggestion_id, to=wanted.status, reason=wanted.reason
    )
    return to_json(
        suggestion_public(get_suggestion(session, actor=user, suggestion_id=suggestion_id))
    )


@bp.post("/suggestions/<int:suggestion_id>/score")
@requires(Permission.TRIAGE)
@operation("Score a suggestion", body=ScoreRequest, response=ScorePublic, tag=TAG)
def score_update(suggestion_id: int) -> Response:
    session = get_session()
    wanted = parse(ScoreRequest)
    result = decisions.score(
        session,
        actor=actor(),
        suggestion_id=suggestion_id,
        framework=wanted.framework or current_settings().scoring.framework,
        inputs=wanted.inputs,
    )
    return to_json(
        ScorePublic(
            framework=result.framework.value,
            value=result.value,
            formula=result.formula,
            inputs=result.inputs,
            quadrant=result.quadrant.value if result.quadrant else None,
        )
    )


@bp.post("/suggestions/<int:suggestion_id>/merge")
@requires(Permission.TRIAGE)
@operation(
    "Merge a duplicate into another suggestion; answers with the suggestion it now counts on",
    body=MergeRequest,
    response=SuggestionPublic,
    tag=TAG,
)
def merge_create(suggestion_id: int) -> Response:
    session = get_session()
    wanted = parse(MergeRequest)
    target = decisions.merge(
        session,
        actor=actor(),
        duplicate_id=suggestion_id,
        target_id=wanted.target_id,
        reason=wanted.reason.strip(),
    )
    return to_json(suggestion_public(target))


@bp.post("/suggestions/<int:suggestion_id>/unmerge")
@requires(Permission.TRIAGE)
@operation(
    "Undo a merge; the suggestion gets back its status, votes and comments",
    body=UnmergeRequest,
    response=SuggestionPublic,
    tag=TAG,
)
def merge_undo(suggestion_id: int) -> Response:
    session = get_session()
    wanted = parse(UnmergeRequest, json_object(optional=True))
    restored = decisions.unmerge(
        session, actor=actor(), duplicate_id=suggestion_id, reason=wanted.reason.strip()
    )
    return to_json(suggestion_public(restored))


@bp.post("/suggestions/<int:suggestion_id>/sharing")
@requires(Permission.TRIAGE)
@operation(
    "Mark confidential or share with vendors",
    body=SharingUpdate,
    response=SuggestionPublic,
    tag=TAG,
)
def sharing_update(suggestion_id: int) -> Response:
    session = get_session()
    wanted = parse(SharingUpdate)
    updated = suggestion_service.set_sharing(
        session,
        actor=actor(),
        suggestion_id=suggestion_id,
        confidential=wanted.confidential,
        shared_with_vendors=wanted.shared_with_vendors,
    )
    return to_json(suggestion_public(updated))
