"""Story drafts over the API: the same services and rules as their pages.

Vendor staff lack VIEW_STORIES, so they are refused here outright; which drafts a reader sees
follows suggestion visibility. The preview is rendered by sync/ through the Jira port.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from tracker.api.common import ID_SCHEMA, PAGE_QUERY, bp, page_requested, query_id, to_json
from tracker.api.inputs import actor, parse
from tracker.api.openapi import Query, operation
from tracker.api.schemas.planning import (
    StoryDraftDetail,
    StoryDraftPage,
    StoryDraftPublic,
    StoryDraftUpdate,
    StoryPreview,
    page_fields,
)
from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import DraftState, StoryDraft
from tracker.permissions import Permission, requires
from tracker.services import ports
from tracker.services.stories import drafts as stories
from tracker.services.stories.readiness import LintProblem, lint
from tracker.services.suggestions.submissions import get_suggestion

TAG = "stories"


def _problems(draft: StoryDraft) -> list[LintProblem]:
    return lint(draft, points_scale=current_settings().stories.points_scale)


def _draft_detail(session: Session, draft: StoryDraft) -> StoryDraftDetail:
    """The draft with its lint problems; the caller has already checked it is visible."""
    titles = stories.suggestions_by_id(session, [draft.suggestion_id])
    title = titles[draft.suggestion_id].title if draft.suggestion_id in titles else ""
    return StoryDraftDetail.of(draft, title=title, problems=_problems(draft))


def _draft_saved(session: Session, draft: StoryDraft, status: int = 200) -> Response:
    answer = _draft_detail(session, draft)
    return to_json(answer, status=status)


def _names(values: Sequence[str]) -> list[str]:
    """Labels or components as sent, trimmed, with blanks and repeats dropped (as the form does)."""
    names: list[str] = []
    for value in values:
        name = value.strip()
        if name and name not in names:
            names.append(name)
    return names


@bp.get("/stories")
@requires(Permission.VIEW_STORIES)
@operation(
    "Story drafts the caller may see, newest first",
    response=StoryDraftPage,
    query={
        "initiative": Query("Only drafts in this initiative (id)", ID_SCHEMA),
        "state": Query(
            "draft or ready; anything else lists both",
            {"type": "string", "enum": [s.value for s in DraftState]},
        ),
        **PAGE_QUERY,
    },
    tag=TAG,
)
def story_list() -> Response:
    session = get_session()
    state = request.args.get("state", "")
    initiative_id = query_id("initiative")
    page, per_page = page_requested()
    found = stories.list_drafts(
        session,
        actor=actor(),
        initiative_id=initiative_id,
        state=DraftState(state) if state in {s.value for s in DraftState} else None,
        page=page,
        per_page=per_page,
    )
    titles = stories.suggestions_by_id(session, [draft.suggestion_id for draft in found.items])
    items = [
        StoryDraftPublic.of(
            draft,
            title=titles[draft.suggestion_id].title if draft.suggestion_id in titles else "",
            problems=_problems(draft),
        )
        for draft in found.items
    ]
    return to_json(StoryDraftPage(**page_fields(found), items=items))


@bp.get("/stories/<int:draft_id>")
@requires(Permission.VIEW_STORIES)
@operation("One story draft with its lint problems", response=StoryDraftDetail, tag=TAG)
def story_detail(draft_id: int) -> Response:
    session = get_session()
    draft = stories.get_draft(session, actor=actor(), draft_id=draft_id)
    return to_json(_draft_detail(session, draft))


@bp.post("/suggestions/<int:suggestion_id>/stories")
@requires(Permission.MANAGE_STORIES)
@operation(
    "Generate a story draft from an accepted suggestion with the configured templates",
    response=StoryDraftDetail,
    status=201,
    tag=TAG,
)
def story_generate(suggestion_id: int) -> Response:
    session = get_session()
    draft = stories.generate_draft(
        session, actor=actor(), suggestion_id=suggestion_id, settings=current_settings().stories
    )
    response = _draft_saved(session, draft, status=201)
    response.headers["Location"] = url_for("api.story_detail", draft_id=draft.id)
    return response


@bp.patch("/stories/<int:draft_id>")
@requires(Permission.MANAGE_STORIES)
@operation(
    "Edit a story draft; fields left out keep their values. A ready draft that no longer passes "
    "lint goes back to draft",
    body=StoryDraftUpdate,
    response=StoryDraftDetail,
    tag=TAG,
)
def story_update(draft_id: int) -> Response:
    session = get_session()
    user = actor()
    changes = parse(StoryDraftUpdate).model_dump(exclude_unset=True)
    draft = stories.get_draft(session, actor=user, draft_id=draft_id)

    def text(name: str) -> str:
        return str(changes.get(name, getattr(draft, name)) or "")

    edit = stories.DraftEdit(
        summary=text("summary"),
        role=text("role"),
        want=text("want"),
        benefit=text("benefit"),
        context=text("context"),
        acceptance_criteria=list(
            changes.get("acceptance_criteria", draft.acceptance_criteria) or []
        ),
        story_points=changes.get("story_points", draft.story_points),
        labels=_names(changes.get("labels", draft.labels) or []),
        components=_names(changes.get("components", draft.components) or []),
        priority=text("priority"),
    )
    updated = stories.update_draft(
        session, actor=user, draft_id=draft_id, edit=edit, settings=current_settings().stories
    )
    return _draft_saved(session, updated)


@bp.post("/stories/<int:draft_id>/ready")
@requires(Permission.MANAGE_STORIES)
@operation(
    "Mark a draft ready for Jira; a 422 names each field lint still objects to",
    response=StoryDraftDetail,
    tag=TAG,
)
def story_ready(draft_id: int) -> Response:
    session = get_session()
    draft = stories.mark_ready(
        session, actor=actor(), draft_id=draft_id, settings=current_settings().stories
    )
    return _draft_saved(session, draft)


@bp.delete("/stories/<int:draft_id>")
@requires(Permission.MANAGE_STORIES)
@operation("Delete a story draft", status=204, tag=TAG)
def story_delete(draft_id: int) -> Response:
    session = get_session()
    stories.delete_draft(session, actor=actor(), draft_id=draft_id)
    return Response(status=204)


@bp.get("/stories/<int:draft_id>/preview")
@requires(Permission.VIEW_STORIES)
@operation(
    "The description as Jira will store it: wiki markup (Data Center) and ADF (Cloud)",
    response=StoryPreview,
    tag=TAG,
)
def story_preview(draft_id: int) -> Response:
    session = get_session()
    user = actor()
    draft = stories.get_draft(session, actor=user, draft_id=draft_id)
    suggestion = get_suggestion(session, actor=user, suggestion_id=draft.suggestion_id)
    description = ports.jira(current_app).description_preview(draft, suggestion)
    return to_json(StoryPreview(summary=draft.summary, wiki=description.wiki, adf=description.adf))
