"""Initiatives: cross-functional goals grouping accepted suggestions."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import Session
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.inputs import id_value, optional_id
from tracker.models import Health, Initiative, User, utcnow
from tracker.permissions import Permission, allowed, requires
from tracker.services import ports
from tracker.services.benefits import initiative_sums
from tracker.services.digests import pages
from tracker.services.email import preferences
from tracker.services.jira_status import delivery
from tracker.services.stories import drafts as stories
from tracker.services.stories import initiatives
from tracker.views.forms import apply_errors
from tracker.views.planning_forms import (
    HealthForm,
    InitiativeForm,
    SuggestionPickForm,
    person_choices,
    suggestion_choices,
)

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")


def _progress(session: Session, ids: list[int]) -> dict[int, delivery.Progress]:
    """Delivery progress counted over the stories the viewer may see."""
    viewer = current_user._get_current_object()
    assert isinstance(viewer, User)  # the route's permission check let only users in
    return delivery.initiative_progress(
        session, ids, settings=current_settings().sync, now=utcnow(), viewer=viewer
    )


def _benefits(session: Session, ids: list[int]) -> dict[int, initiative_sums.InitiativeBenefit]:
    """What each initiative's delivered ideas saved, over those the viewer may see."""
    viewer = current_user._get_current_object()
    assert isinstance(viewer, User)
    return initiative_sums.sums(
        session,
        actor=viewer,
        initiative_ids=ids,
        confidence=current_settings().benefits.confidence,
    )


@bp.get("")
@requires(Permission.VIEW_INITIATIVES)
def index() -> str:
    session = get_session()
    rows = initiatives.list_initiatives(session, actor=current_user)
    ids = [row.initiative.id for row in rows if row.initiative.id]
    return render_template(
        "initiatives/index.html",
        rows=rows,
        progress=_progress(session, ids),
        benefits=_benefits(session, ids),
    )


def _with_choices(session: Session, form: InitiativeForm) -> InitiativeForm:
    form.owner_id.choices = person_choices(
        initiatives.owner_candidates(session), blank="Choose the owner"
    )
    form.stakeholder_ids.choices = person_choices(initiatives.stakeholder_candidates(session))
    return form


def _input(form: InitiativeForm) -> initiatives.InitiativeInput:
    """The form's values; ValidationFailed naming `owner_id` or `stakeholder_ids` for a value
    that is no id (a forged or mangled select option)."""
    return initiatives.InitiativeInput(
        name=form.name.data or "",
        goal=form.goal.data or "",
        owner_id=optional_id(form.owner_id.data, "owner_id"),
        target_date=form.target_date.data,
        stakeholder_ids=[id_value(v, "stakeholder_ids") for v in form.stakeholder_ids.data or []],
    )


def _form_page(form: InitiativeForm, initiative: Initiative | None, status: int) -> tuple[str, int]:
    return render_template("initiatives/form.html", form=form, initiative=initiative), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_INITIATIVES)
def create() -> Response | tuple[str, int]:
    session = get_session()
    form = _with_choices(session, InitiativeForm(data={"owner_id": str(current_user.id)}))
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.is_submitted() else 200)
    try:
        initiative = initiatives.create_initiative(session, actor=current_user, data=_input(form))
    except DomainError as exc:
        apply_errors(form, exc)
        return _form_page(form, None, exc.status_code)
    flash(f"Initiative '{initiative.name}' created.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative.id))


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_INITIATIVES)
def edit(initiative_id: int) -> Response | tuple[str, int]:
    session = get_session()
    initiative = initiatives.get_initiative(session, initiative_id=initiative_id)
    stakeholders = initiatives.stakeholders_of(session, initiative=initiative)
    form = _with_choices(
        session,
        InitiativeForm(
            data={
                "name": initiative.name,
                "goal": initiative.goal,
                "owner_id": str(initiative.owner_id or ""),
                "target_date": initiative.target_date,
                "stakeholder_ids": [str(person.id) for person in stakeholders],
            }
        ),
    )
    if not form.validate_on_submit():
        return _form_page(form, initiative, 422 if form.is_submitted() else 200)
    try:
        initiatives.update_initiative(
            session, actor=current_user, initiative_id=initiative_id, data=_input(form)
        )
    except DomainError as exc:
        apply_errors(form, exc)
        return _form_page(form, initiative, exc.status_code)
    flash("Initiative saved.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id))


def _detail_page(
    initiative_id: int,
    *,
    health_form: HealthForm | None = None,
    pick_form: SuggestionPickForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = get_session()
    initiative = initiatives.get_initiative(session, initiative_id=initiative_id)
    manage = allowed(current_user, Permission.MANAGE_INITIATIVES)
    drafts = (
        stories.drafts_for_initiative(session, actor=current_user, initiative_id=initiative_id)
        if allowed(current_user, Permission.VIEW_STORIES)
        else None
    )
    if health_form is None:
        health_form = HealthForm(
            formdata=None, data={"health": initiative.health, "note": initiative.health_note}
        )
    if pick_form is None:
        # "Add to initiative" on an accepted idea's page comes here with the idea pre-selected.
        pick_form = SuggestionPickForm(
            formdata=None, data={"suggestion_id": request.args.get("suggestion_id", "")}
        )
    pick_form.suggestion_id.choices = (
        suggestion_choices(initiatives.joinable_suggestions(session, actor=current_user))
        if manage
        else []
    )
    owner = initiatives.owner_of(session, initiative=initiative)
    stakeholders = initiatives.stakeholders_of(session, initiative=initiative)
    digest = (
        pages.latest_showing_initiative(session, viewer=current_user, initiative_id=initiative_id)
        if allowed(current_user, Permission.VIEW_DIGESTS)
        else None
    )
    return render_template(
        "initiatives/detail.html",
        initiative=initiative,
        health=Health(initiative.health),
        owner=owner,
        stakeholders=stakeholders,
        following=any(person.id == current_user.id for person in stakeholders),
        suggestions=initiatives.suggestions_in(
            session, actor=current_user, initiative_id=initiative_id
        ),
        drafts=drafts,
        progress=_progress(session, [initiative_id])[initiative_id],
        benefit=_benefits(session, [initiative_id])[initiative_id],
        stuck_after_days=f"{current_app.config['SETTINGS'].sync.stuck_after_days:g}",
        health_form=health_form,
        pick_form=pick_form,
        manage=manage,
        digest=digest,
        error=error,
    ), status


@bp.get("/<int:initiative_id>")
@requires(Permission.VIEW_INITIATIVES)
def detail(initiative_id: int) -> tuple[str, int]:
    return _detail_page(initiative_id)


@bp.post("/<int:initiative_id>/health")
@requires(Permission.MANAGE_INITIATIVES)
def health(initiative_id: int) -> Response | tuple[str, int]:
    session = get_session()
    form = HealthForm()
    if not form.validate_on_submit():
        return _detail_page(initiative_id, health_form=form, status=422)
    try:
        initiative = initiatives.set_health(
            session,
            actor=current_user,
            initiative_id=initiative_id,
            health=form.health.data or "",
            note=form.note.data or "",
        )
    except DomainError as exc:
        apply_errors(form, exc)
        return _detail_page(initiative_id, health_form=form, status=exc.status_code)
    flash(f"Health is now {Health(initiative.health).label.lower()}.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id))


@bp.post("/<int:initiative_id>/suggestions")
@requires(Permission.MANAGE_INITIATIVES)
def add_suggestion(initiative_id: int) -> Response | tuple[str, int]:
    session = get_session()
    form = SuggestionPickForm()
    if not form.validate_on_submit():
        return _detail_page(initiative_id, pick_form=form, status=422)
    try:
        suggestion_id = id_value(form.suggestion_id.data, "suggestion_id")
    except DomainError as exc:
        apply_errors(form, exc)
        return _detail_page(initiative_id, pick_form=form, status=exc.status_code)
    try:
        suggestion = initiatives.add_suggestion(
            session, actor=current_user, initiative_id=initiative_id, suggestion_id=suggestion_id
        )
    except DomainError as exc:
        return _detail_page(
            initiative_id, pick_form=form, error=exc.message, status=exc.status_code
        )
    ports.wake_push_worker(current_app)  # its pushed stories move under this epic in Jira
    flash(f"#{suggestion.id} {suggestion.title} joined the initiative.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id))


@bp.post("/<int:initiative_id>/suggestions/<int:suggestion_id>/remove")
@requires(Permission.MANAGE_INITIATIVES)
def remove_suggestion(initiative_id: int, suggestion_id: int) -> Response | tuple[str, int]:
    session = get_session()
    try:
        suggestion = initiatives.remove_suggestion(
            session, actor=current_user, initiative_id=initiative_id, suggestion_id=suggestion_id
        )
    except DomainError as exc:
        return _detail_page(initiative_id, error=exc.message, status=exc.status_code)
    ports.wake_push_worker(current_app)  # its pushed stories leave the epic in Jira
    flash(f"#{suggestion.id} {suggestion.title} left the initiative.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id))


@bp.post("/<int:initiative_id>/follow")
@requires(Permission.VIEW_INITIATIVES)
def follow(initiative_id: int) -> Response:
    """Anyone who sees initiatives follows one themselves: it joins their digest."""
    return _set_following(initiative_id, follow=True)


@bp.post("/<int:initiative_id>/unfollow")
@requires(Permission.VIEW_INITIATIVES)
def unfollow(initiative_id: int) -> Response:
    return _set_following(initiative_id, follow=False)


def _set_following(initiative_id: int, *, follow: bool) -> Response:
    change = preferences.follow_initiative if follow else preferences.unfollow_initiative
    name = change(get_session(), user=current_user, initiative_id=initiative_id)
    if follow:
        flash(f"You follow '{name}'; its progress is in your digest.", "success")
    else:
        flash(f"You no longer follow '{name}'.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id))
