"""User-story drafts: generate, edit, lint, mark ready, preview."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.inputs import id_value, optional_id
from tracker.models import DraftState, StoryDraft, Suggestion
from tracker.pagination import requested_page
from tracker.permissions import Permission, allowed, requires
from tracker.services import ports
from tracker.services.stories import drafts, initiatives
from tracker.services.stories.readiness import lint
from tracker.services.suggestions.submissions import get_suggestion
from tracker.views.forms import apply_errors
from tracker.views.planning_forms import (
    StoryDraftForm,
    SuggestionPickForm,
    draft_form_data,
    points_value,
    set_draft_choices,
    suggestion_choices,
)

bp = Blueprint("stories", __name__, url_prefix="/stories")


def _index_page(
    pick_form: SuggestionPickForm | None = None, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    session = get_session()
    # A filter that is no id is a 422 naming `initiative`, not the whole list under its name.
    initiative_id = optional_id(request.args.get("initiative"), "initiative")
    state_arg = request.args.get("state", "")
    state = DraftState(state_arg) if state_arg in {s.value for s in DraftState} else None
    number, size = requested_page()
    page = drafts.list_drafts(
        session,
        actor=current_user,
        initiative_id=initiative_id,
        state=state,
        page=number,
        per_page=size,
    )
    scale = current_settings().stories.points_scale
    if pick_form is None:
        pick_form = SuggestionPickForm(formdata=None)
    pick_form.suggestion_id.choices = (
        suggestion_choices(drafts.suggestions_without_drafts(session, actor=current_user))
        if allowed(current_user, Permission.MANAGE_STORIES)
        else []
    )
    return render_template(
        "stories/index.html",
        page=page,
        problem_counts={d.id: len(lint(d, points_scale=scale)) for d in page.items},
        suggestions=drafts.suggestions_by_id(session, [d.suggestion_id for d in page.items]),
        initiatives={i.id: i for i in initiatives.all_initiatives(session)},
        initiative_id=initiative_id,
        state=state.value if state else "",
        states=list(DraftState),
        pick_form=pick_form,
        error=error,
    ), status


@bp.get("")
@requires(Permission.VIEW_STORIES)
def index() -> tuple[str, int]:
    return _index_page()


def _generate(
    suggestion_id: int, pick_form: SuggestionPickForm | None
) -> Response | tuple[str, int]:
    session = get_session()
    try:
        draft = drafts.generate_draft(
            session,
            actor=current_user,
            suggestion_id=suggestion_id,
            settings=current_settings().stories,
        )
    except DomainError as exc:
        return _index_page(pick_form, error=exc.message, status=exc.status_code)
    flash(
        f"Draft generated from suggestion #{suggestion_id}; every field can be edited.", "success"
    )
    return redirect(url_for("stories.edit", draft_id=draft.id))


@bp.post("/generate/<int:suggestion_id>")
@requires(Permission.MANAGE_STORIES)
def generate(suggestion_id: int) -> Response | tuple[str, int]:
    return _generate(suggestion_id, None)


@bp.post("/generate")
@requires(Permission.MANAGE_STORIES)
def generate_selected() -> Response | tuple[str, int]:
    form = SuggestionPickForm()
    if not form.validate_on_submit():
        return _index_page(form, status=422)
    try:
        suggestion_id = id_value(form.suggestion_id.data, "suggestion_id")
    except DomainError as exc:
        apply_errors(form, exc)
        return _index_page(form, status=exc.status_code)
    return _generate(suggestion_id, form)


def _draft_and_suggestion(draft_id: int) -> tuple[StoryDraft, Suggestion]:
    session = get_session()
    draft = drafts.get_draft(session, actor=current_user, draft_id=draft_id)
    return draft, _suggestion_of(draft)


def _suggestion_of(draft: StoryDraft) -> Suggestion:
    return get_suggestion(get_session(), actor=current_user, suggestion_id=draft.suggestion_id)


@bp.get("/<int:draft_id>")
@requires(Permission.VIEW_STORIES)
def detail(draft_id: int) -> str:
    draft, suggestion = _draft_and_suggestion(draft_id)
    initiative = (
        initiatives.get_initiative(get_session(), initiative_id=draft.initiative_id)
        if draft.initiative_id
        else None
    )
    return render_template(
        "stories/detail.html",
        draft=draft,
        suggestion=suggestion,
        initiative=initiative,
        problems=lint(draft, points_scale=current_settings().stories.points_scale),
        manage=allowed(current_user, Permission.MANAGE_STORIES),
    )


def _edit_page(
    draft: StoryDraft,
    form: StoryDraftForm,
    status: int,
    criteria_error: str | None = None,
    message: str | None = None,
) -> tuple[str, int]:
    return render_template(
        "stories/edit.html",
        draft=draft,
        suggestion=_suggestion_of(draft),
        form=form,
        criteria_error=criteria_error,
        message=message,
        problems=lint(draft, points_scale=current_settings().stories.points_scale),
    ), status


def _draft_form(draft: StoryDraft, from_request: bool) -> StoryDraftForm:
    settings = current_settings().stories
    data = draft_form_data(draft)
    form = StoryDraftForm(data=data) if from_request else StoryDraftForm(formdata=None, data=data)
    set_draft_choices(form, draft, settings.points_scale, settings.priorities)
    return form


@bp.route("/<int:draft_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_STORIES)
def edit(draft_id: int) -> Response | tuple[str, int]:
    session = get_session()
    draft = drafts.get_draft(session, actor=current_user, draft_id=draft_id)
    form = _draft_form(draft, from_request=True)
    if not form.validate_on_submit():
        return _edit_page(draft, form, 422 if form.is_submitted() else 200)
    was_ready = draft.state == DraftState.READY.value
    try:
        edit_input = drafts.DraftEdit(
            summary=form.summary.data or "",
            role=form.role.data or "",
            want=form.want.data or "",
            benefit=form.benefit.data or "",
            context=form.context.data or "",
            acceptance_criteria=[dict(row) for row in form.criteria.data],
            story_points=points_value(form.story_points.data),
            labels=drafts.split_names(form.labels.data),
            components=drafts.split_names(form.components.data),
            priority=form.priority.data or "",
        )
        draft = drafts.update_draft(
            session,
            actor=current_user,
            draft_id=draft_id,
            edit=edit_input,
            settings=current_settings().stories,
        )
    except DomainError as exc:
        apply_errors(form, exc)
        draft = drafts.get_draft(session, actor=current_user, draft_id=draft_id)
        return _edit_page(draft, form, exc.status_code, message=exc.message)
    if was_ready and draft.state == DraftState.DRAFT.value:
        flash(
            "Saved. The draft went back to draft because it no longer passes the checks.", "error"
        )
    else:
        flash("Draft saved.", "success")
    return redirect(url_for("stories.detail", draft_id=draft_id))


@bp.post("/<int:draft_id>/ready")
@requires(Permission.MANAGE_STORIES)
def ready(draft_id: int) -> Response | tuple[str, int]:
    session = get_session()
    try:
        drafts.mark_ready(
            session, actor=current_user, draft_id=draft_id, settings=current_settings().stories
        )
    except DomainError as exc:
        draft = drafts.get_draft(session, actor=current_user, draft_id=draft_id)
        form = _draft_form(draft, from_request=False)
        apply_errors(form, exc)
        return _edit_page(
            draft,
            form,
            exc.status_code,
            criteria_error=exc.fields.get("acceptance_criteria"),
            message=exc.message,
        )
    flash("Marked ready for Jira.", "success")
    return redirect(url_for("stories.detail", draft_id=draft_id))


@bp.get("/<int:draft_id>/preview")
@requires(Permission.VIEW_STORIES)
def preview(draft_id: int) -> str:
    draft, suggestion = _draft_and_suggestion(draft_id)
    description = ports.jira(current_app).description_preview(draft, suggestion)
    return render_template(
        "stories/preview.html",
        draft=draft,
        suggestion=suggestion,
        cloud_html=description.html,
        wiki=description.wiki,
    )


@bp.post("/<int:draft_id>/delete")
@requires(Permission.MANAGE_STORIES)
def delete(draft_id: int) -> Response:
    session = get_session()
    draft = drafts.delete_draft(session, actor=current_user, draft_id=draft_id)
    flash(f"Draft '{draft.summary}' deleted.", "success")
    return redirect(url_for("stories.index"))
