"""Initiatives over the API: the same services and rules as their pages.

Vendor staff lack VIEW_INITIATIVES, so they are refused here outright; which suggestions and
stories a reader sees inside an initiative follows suggestion visibility.
"""

from __future__ import annotations

from flask import current_app, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from tracker.api.common import bp, json_list, to_json
from tracker.api.inputs import actor, parse
from tracker.api.openapi import operation
from tracker.api.schemas.planning import (
    HealthUpdate,
    InitiativeBenefitPublic,
    InitiativeCreate,
    InitiativeDelivery,
    InitiativeDetail,
    InitiativePublic,
    InitiativeSuggestion,
    InitiativeSuggestionAdd,
    InitiativeUpdate,
    PersonRef,
)
from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import Initiative, User, utcnow
from tracker.permissions import Permission, allowed, requires
from tracker.services import ports
from tracker.services.benefits import initiative_sums
from tracker.services.jira_status import delivery
from tracker.services.stories import drafts as stories
from tracker.services.stories import initiatives

TAG = "initiatives"


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


def _benefits(session: Session, user: User, ids: list[int]) -> dict[int, InitiativeBenefitPublic]:
    """What each initiative's delivered ideas saved, over those the caller may see (one query)."""
    found = initiative_sums.sums(
        session,
        actor=user,
        initiative_ids=ids,
        confidence=current_settings().benefits.confidence,
    )
    return {
        initiative_id: InitiativeBenefitPublic.of(sum_) for initiative_id, sum_ in found.items()
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
        benefit=_benefits(session, user, [initiative.id])[initiative.id],
        stakeholders=[PersonRef.of(person) for person in people],
        suggestions=[InitiativeSuggestion.model_validate(s, from_attributes=True) for s in members],
    )


def _saved(session: Session, user: User, initiative_id: int | None, status: int = 200) -> Response:
    """The changed initiative as the answer, built before the request's one commit."""
    assert initiative_id is not None
    initiative = initiatives.get_initiative(session, initiative_id=initiative_id)
    answer = _detail(session, user, initiative)
    return to_json(answer, status=status)


@bp.get("/initiatives")
@requires(Permission.VIEW_INITIATIVES)
@operation(
    "Every initiative, soonest target date first, with the counts the caller may see",
    response=InitiativePublic,
    many=True,
    tag=TAG,
)
def initiative_list() -> Response:
    session = get_session()
    user = actor()
    rows = initiatives.list_initiatives(session, actor=user)
    ids = [row.initiative.id or 0 for row in rows]
    progress = _deliveries(session, user, ids)
    benefits = _benefits(session, user, ids)
    return json_list(
        [
            InitiativePublic.of(
                row.initiative,
                owner=row.owner,
                suggestion_count=row.suggestion_count,
                story_count=row.story_count,
                delivery=progress[row.initiative.id or 0],
                benefit=benefits[row.initiative.id or 0],
            )
            for row in rows
        ]
    )


@bp.get("/initiatives/<int:initiative_id>")
@requires(Permission.VIEW_INITIATIVES)
@operation(
    "One initiative with its stakeholders and the suggestions the caller may see",
    response=InitiativeDetail,
    tag=TAG,
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
    tag=TAG,
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
    tag=TAG,
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
    tag=TAG,
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
    tag=TAG,
)
def initiative_suggestion_add(initiative_id: int) -> Response:
    session = get_session()
    user = actor()
    wanted = parse(InitiativeSuggestionAdd)
    initiatives.add_suggestion(
        session, actor=user, initiative_id=initiative_id, suggestion_id=wanted.suggestion_id
    )
    ports.wake_push_worker(current_app)  # its pushed stories move under this epic in Jira
    return _saved(session, user, initiative_id)


@bp.delete("/initiatives/<int:initiative_id>/suggestions/<int:suggestion_id>")
@requires(Permission.MANAGE_INITIATIVES)
@operation(
    "Take a suggestion, and its story drafts, out of the initiative",
    response=InitiativeDetail,
    tag=TAG,
)
def initiative_suggestion_remove(initiative_id: int, suggestion_id: int) -> Response:
    session = get_session()
    user = actor()
    initiatives.remove_suggestion(
        session, actor=user, initiative_id=initiative_id, suggestion_id=suggestion_id
    )
    ports.wake_push_worker(current_app)  # its pushed stories leave the epic in Jira
    return _saved(session, user, initiative_id)
