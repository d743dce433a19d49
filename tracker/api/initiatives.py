"""Initiatives and story drafts over the API: the same services and rules as their pages.

Vendor staff hold neither VIEW_INITIATIVES nor VIEW_STORIES, so they are refused here outright;
what else a reader sees inside an initiative or a draft follows suggestion visibility.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from sync.mapping.description import to_adf, to_wiki
from sync.mapping.payload import description_for
from tracker.api import bp, to_json
from tracker.api.backlog import PAGE_QUERY, requested_page
from tracker.api.inputs import actor, parse
from tracker.api.openapi import operation
from tracker.api.schemas.planning import (
    HealthUpdate,
    InitiativeCreate,
    InitiativeDelivery,
    InitiativeDetail,
    InitiativePublic,
    InitiativeSuggestion,
    InitiativeSuggestionAdd,
    InitiativeUpdate,
    PersonRef,
    StoryDraftDetail,
    StoryDraftPage,
    StoryDraftPublic,
    StoryDraftUpdate,
    StoryPreview,
    page_fields,
)
from tracker.api.suggestions import json_list
from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import DraftState, Initiative, StoryDraft, User, utcnow
from tracker.permissions import Permission, allowed, requires
from tracker.services.jira_status import delivery
from tracker.services.stories import drafts as stories
from tracker.services.stories import initiatives
from tracker.services.stories.readiness import LintProblem, lint
from tracker.services.suggestions.submissions import get_suggestion

INITIATIVES = "initiatives"
STORIES = "stories"


# --- initiatives ------------------------------------------------------------------------------


def _deliveries(session: Session, user: User, ids: list[int]) -> dict[int, InitiativeDelivery]:
    """Progress in Jira of each initiative, over the stories the caller may see (one query)."""
    progress = delivery.initiative_progress(
        session, ids, settings=current_settings().sync, now=utcnow(), viewer=user
    )
    show_missing = allowed(user, Permission.MANAGE_STORIES)
    return {
        initiative_id: InitiativeDelivery.of(found, show_missing=show_missing)
        for initiative_id, found in progress.items()
    }


def _detail(session: Session, user: User, initiative: Initiative) -> InitiativeDetail:
    assert initiative.id is not None
    members = initiatives.suggestions_in(session, actor=user, initiative_id=initiative.id)
    drafts = stories.drafts_for_initiative(session, actor=user, initiative_id=initiative.id)
    owner = initiatives.owner_of(session, initiative=initiative)
    people = initiatives.stakeholders_of(session, initiative=initiative)
    return InitiativeDetail.of(
        initiative,
        owner=owner,
        suggestion_count=len(members),
        story_count=len(drafts),
        delivery=_deliveries(session, user, [initiative.id])[initiative.id],
        stakeholders=[PersonRef.of(person) for person in people],
        suggestions=[InitiativeSuggestion.model_validate(s, from_attributes=True) for s in members],
    )


def _saved(session: Session, user: User, initiative_id: int | None, status: int = 200) -> Response:
    """The changed initiative as the answer, built before the request's one commit."""
    assert initiative_id is not None
    initiative = initiatives.get_initiative(session, initiative_id=initiative_id)
    answer = _detail(session, user, initiative)
    session.commit()
    return to_json(answer, status=status)


@bp.get("/initiatives")
@requires(Permission.VIEW_INITIATIVES)
@operation(
    "Every initiative, soonest target date first, with the counts the caller may see",
    response=InitiativePublic,
    many=True,
    tag=INITIATIVES,
)
def initiative_list() -> Response:
    session = get_session()
    user = actor()
    rows = initiatives.list_initiatives(session, actor=user)
    progress = _deliveries(session, user, [row.initiative.id or 0 for row in rows])
    return json_list(
        [
            InitiativePublic.of(
                row.initiative,
                owner=row.owner,
                suggestion_count=row.suggestion_count,
                story_count=row.story_count,
                delivery=progress[row.initiative.id or 0],
            )
            for row in rows
        ]
    )


@bp.get("/initiatives/<int:initiative_id>")
@requires(Permission.VIEW_INITIATIVES)
@operation(
    "One initiative with its stakeholders and the suggestions the caller may see",
    response=InitiativeDetail,
    tag=INITIATIVES,
)
def initiative_detail(initiative_id: int) -> Response:
    session = get_session()
    initiative = initiatives.get_initiative(session, initiative_id=initiative_id)
    return to_json(_detail(session, actor(), initiative))


@bp.post("/initiatives")
@requires(Permission.MANAGE_INITIATIVES)
@operation(
    "Create an initiative",
    body=InitiativeCreate,
    response=InitiativeDetail,
    status=201,
    tag=INITIATIVES,
)
def initiative_create() -> Response:
    session = get_session()
    user = actor()
    wanted = parse(InitiativeCreate)
    # Like the form, which starts with the signer-in as owner; an explicit null is refused.
    owner_id = wanted.owner_id if "owner_id" in wanted.model_fields_set else user.id
    created = initiatives.create_initiative(
        session,
        actor=user,
        data=initiatives.InitiativeInput(
            name=wanted.name,
            goal=wanted.goal,
            owner_id=owner_id,
            target_date=wanted.target_date,
            stakeholder_ids=wanted.stakeholder_ids,
        ),
    )
    response = _saved(session, user, created.id, status=201)
    response.headers["Location"] = url_for("api.initiative_detail", initiative_id=created.id)
    return response


@bp.patch("/initiatives/<int:initiative_id>")
@requires(Permission.MANAGE_INITIATIVES)
@operation(
    "Edit an initiative; fields left out keep their values",
    body=InitiativeUpdate,
    response=InitiativeDetail,
    tag=INITIATIVES,
)
def initiative_update(initiative_id: int) -> Response:
    session = get_session()
    user = actor()
    changes = parse(InitiativeUpdate).model_dump(exclude_unset=True)
    current = initiatives.get_initiative(session, initiative_id=initiative_id)
    stakeholder_ids = [
        person.id
        for person in initiatives.stakeholders_of(session, initiative=current)
        if person.id is not None
    ]
    initiatives.update_initiative(
        session,
        actor=user,
        initiative_id=initiative_id,
        data=initiatives.InitiativeInput(
            name=changes.get("name", current.name) or "",
            goal=changes.get("goal", current.goal) or "",
            owner_id=changes.get("owner_id", current.owner_id),
            target_date=changes.get("target_date", current.target_date),
            stakeholder_ids=changes.get("stakeholder_ids", stakeholder_ids) or [],
        ),
    )
    return _saved(session, user, initiative_id)


@bp.post("/initiatives/<int:initiative_id>/health")
@requires(Permission.MANAGE_INITIATIVES)
@operation(
    "Record how the initiative is doing; at risk and off track need a note",
    body=HealthUpdate,
    response=InitiativeDetail,
    tag=INITIATIVES,
)
def initiative_health(initiative_id: int) -> Response:
    session = get_session()
    user = actor()
    wanted = parse(HealthUpdate)
    initiatives.set_health(
        session, actor=user, initiative_id=initiative_id, health=wanted.health, note=wanted.note
    )
    return _saved(session, user, initiative_id)


@bp.post("/initiatives/<int:initiative_id>/suggestions")
@requires(Permission.MANAGE_INITIATIVES)
@operation(
    "Add an accepted suggestion, and the story drafts made from it, to the initiative",
    body=InitiativeSuggestionAdd,
    response=InitiativeDetail,
    tag=INITIATIVES,
)
def initiative_suggestion_add(initiative_id: int) -> Response:
    session = get_session()
    user = actor()
    wanted = parse(InitiativeSuggestionAdd)
    initiatives.add_suggestion(
        session, actor=user, initiative_id=initiative_id, suggestion_id=wanted.suggestion_id
    )
    return _saved(session, user, initiative_id)


@bp.delete("/initiatives/<int:initiative_id>/suggestions/<int:suggestion_id>")
@requires(Permission.MANAGE_INITIATIVES)
@operation(
    "Take a suggestion, and its story drafts, out of the initiative",
    response=InitiativeDetail,
    tag=INITIATIVES,
)
def initiative_suggestion_remove(initiative_id: int, suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    initiatives.remove_suggestion(
        session, actor=user, initiative_id=initiative_id, suggestion_id=suggestion_id
    )
    return _saved(session, user, initiative_id)


# --- story drafts -----------------------------------------------------------------------------


def _problems(draft: StoryDraft) -> list[LintProblem]:
    return lint(draft, points_scale=current_settings().stories.points_scale)


def _draft_detail(session: Session, draft: StoryDraft) -> StoryDraftDetail:
    """The draft with its lint problems; the caller has already checked it is visible."""
    titles = stories.suggestions_by_id(session, [draft.suggestion_id])
    title = titles[draft.suggestion_id].title if draft.suggestion_id in titles else ""
    return StoryDraftDetail.of(draft, title=title, problems=_problems(draft))


def _draft_saved(session: Session, draft: StoryDraft, status: int = 200) -> Response:
    answer = _draft_detail(session, draft)
    session.commit()
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
        "initiative": "Only drafts in this initiative (id)",
        "state": "draft or ready",
        **PAGE_QUERY,
    },
    tag=STORIES,
)
def story_list() -> Response:
    session = get_session()
    state = request.args.get("state", "")
    page, per_page = requested_page()
    found = stories.list_drafts(
        session,
        actor=actor(),
        initiative_id=request.args.get("initiative", None, type=int),
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
@operation("One story draft with its lint problems", response=StoryDraftDetail, tag=STORIES)
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
    tag=STORIES,
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
    tag=STORIES,
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
    tag=STORIES,
)
def story_ready(draft_id: int) -> Response:
    session = get_session()
    draft = stories.mark_ready(
        session, actor=actor(), draft_id=draft_id, settings=current_settings().stories
    )
    return _draft_saved(session, draft)


@bp.delete("/stories/<int:draft_id>")
@requires(Permission.MANAGE_STORIES)
@operation("Delete a story draft", status=204, tag=STORIES)
def story_delete(draft_id: int) -> Response:
    session = get_session()
    stories.delete_draft(session, actor=actor(), draft_id=draft_id)
    session.commit()
    return Response(status=204)


@bp.get("/stories/<int:draft_id>/preview")
@requires(Permission.VIEW_STORIES)
@operation(
    "The description as Jira will store it: wiki markup (Data Center) and ADF (Cloud)",
    response=StoryPreview,
    tag=STORIES,
)
def story_preview(draft_id: int) -> Response:
    session = get_session()
    user = actor()
    draft = stories.get_draft(session, actor=user, draft_id=draft_id)
    suggestion = get_suggestion(session, actor=user, suggestion_id=draft.suggestion_id)
    description = description_for(draft, suggestion, current_settings().base_url)
    return to_json(
        StoryPreview(summary=draft.summary, wiki=to_wiki(description), adf=to_adf(description))
    )
