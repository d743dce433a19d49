"""Suggestions over the API: submit, read, edit, find similar ideas, list one's own.

The ranked and filtered list (GET /suggestions) belongs to the backlog API.
"""

from __future__ import annotations

from flask import request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from tracker.api.common import ID_SCHEMA, bp, json_list, query_id, suggestion_public, to_json
from tracker.api.inputs import actor, json_object, suggestion_fields
from tracker.api.openapi import Query, operation
from tracker.api.schemas.common import (
    StoryDeliveryPublic,
    SuggestionDelivery,
    SuggestionPublic,
)
from tracker.api.schemas.suggestions import SimilarSuggestion, SuggestionUpdate
from tracker.config import current_settings
from tracker.db import get_session
from tracker.inputs import int_value
from tracker.models import Suggestion, User
from tracker.permissions import Permission, allowed, requires
from tracker.services.jira_status import delivery
from tracker.services.suggestions import search, submissions
from tracker.services.suggestions.inputs import SuggestionCreate

TAG = "suggestions"
_EDITABLE = tuple(SuggestionCreate.model_fields)
_SIMILAR_LIMIT = 20
_SIMILAR_FIELDS = {"id", "title", "status", "vote_count"}


@bp.post("/suggestions")
@requires(Permission.SUBMIT_SUGGESTIONS)
@operation(
    "Submit a suggestion", body=SuggestionCreate, response=SuggestionPublic, status=201, tag=TAG
)
def suggestion_create() -> Response:
    session = get_session()
    created = submissions.create_suggestion(
        session,
        actor=actor(),
        raw=suggestion_fields(json_object()),
        areas=current_settings().suggestions.areas,
    )
    response = to_json(suggestion_public(created), status=201)
    response.headers["Location"] = url_for("api.suggestion_detail", suggestion_id=created.id)
    return response


def delivery_of(session: Session, user: User, suggestion: Suggestion) -> SuggestionDelivery:
    """Its stories in Jira; only PMs learn that an issue went missing (as on the page)."""
    assert suggestion.id is not None
    rows = delivery.suggestion_delivery(session, suggestion.id)
    pm = allowed(user, Permission.MANAGE_STORIES)
    return SuggestionDelivery(
        in_jira_at=suggestion.in_jira_at,
        delivered_at=suggestion.delivered_at,
        stories_done=sum(row.done for row in rows),
        stories_total=len(rows),
        stories=[
            StoryDeliveryPublic(
                story_id=row.story.id or 0,
                summary=row.story.summary,
                jira_key=row.jira_key,
                browse_url=row.browse_url,
                status=row.status_name,
                delivery_state=row.state.value if row.state else None,
                assignee=row.assignee,
                fix_versions=list(row.fix_versions),
                sprint=row.sprint,
                updated=row.updated,
                missing_since=row.missing_since if pm else None,
            )
            for row in rows
        ],
    )


@bp.get("/suggestions/<int:suggestion_id>")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "One suggestion with its vote and comment counts and its stories' status in Jira",
    response=SuggestionPublic,
    tag=TAG,
)
def suggestion_detail(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    found = submissions.get_suggestion(session, actor=user, suggestion_id=suggestion_id)
    answer = suggestion_public(found)
    answer.delivery = delivery_of(session, user, found)
    return to_json(answer)


@bp.patch("/suggestions/<int:suggestion_id>")
@requires(Permission.SUBMIT_SUGGESTIONS)
@operation(
    "Edit a suggestion; fields left out keep their values (benefit_metric and expected_benefit: "
    "PMs only)",
    body=SuggestionUpdate,
    response=SuggestionPublic,
    tag=TAG,
)
def suggestion_update(suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    body = json_object()
    # What it is measured by (PMs only) goes to the service as sent; the rest as a whole.
    measure = {name: body.pop(name) for name in submissions.MEASURE_FIELDS if name in body}
    changes = suggestion_fields(body)
    current = submissions.get_suggestion(session, actor=user, suggestion_id=suggestion_id)
    # Merged first so a partial edit is checked as the whole suggestion it will become.
    merged = {name: getattr(current, name) for name in _EDITABLE} | changes
    settings = current_settings()
    updated = submissions.update_suggestion(
        session,
        actor=user,
        suggestion_id=suggestion_id,
        raw=merged | measure,
        areas=settings.suggestions.areas,
        settings=settings,
    )
    return to_json(suggestion_public(updated))


@bp.get("/suggestions/similar")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "Suggestions similar to a draft, best first",
    response=SimilarSuggestion,
    many=True,
    query={
        "title": "The draft's title",
        "problem": "The draft's problem text",
        "exclude_id": Query("A suggestion to leave out (the one being edited)", ID_SCHEMA),
        "limit": Query(
            f"At most this many (1-{_SIMILAR_LIMIT}, default 5)",
            {"type": "integer", "minimum": 1, "maximum": _SIMILAR_LIMIT},
        ),
    },
    tag=TAG,
)
def suggestion_similar() -> Response:
    limit = request.args.get("limit", "5")
    exclude_id = query_id("exclude_id")
    found = search.similar(
        get_session(),
        actor=actor(),
        title=request.args.get("title", ""),
        problem=request.args.get("problem", ""),
        limit=int_value(limit, "limit", low=1, high=_SIMILAR_LIMIT),
        exclude_id=exclude_id,
    )
    return json_list(
        [
            SimilarSuggestion.model_validate(
                item.suggestion.model_dump(include=_SIMILAR_FIELDS)
                | {"similarity": item.similarity}
            )
            for item in found
        ]
    )


@bp.get("/suggestions/mine")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "The suggestions I submitted, newest first", response=SuggestionPublic, many=True, tag=TAG
)
def suggestion_mine() -> Response:
    return json_list(
        [suggestion_public(item) for item in submissions.list_mine(get_session(), actor=actor())]
    )
