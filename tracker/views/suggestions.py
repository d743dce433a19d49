"""Submitting, reading and deciding on suggestions (HTML pages)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import Session
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import NotFound, PermissionDenied, ValidationFailed
from tracker.inputs import id_value, optional_id
from tracker.models import Status, Suggestion
from tracker.permissions import Permission, requires
from tracker.services.kpis import evidence
from tracker.services.kpis import queues as kpi_queues
from tracker.services.suggestions import decisions, engagement, pages, score_inputs, search
from tracker.services.suggestions import submissions as suggestions
from tracker.views.suggestion_forms import (
    CommentForm,
    MergeForm,
    Outcome,
    Page,
    ScoreForm,
    SharingForm,
    StatusForm,
    SuggestionForm,
    VoteForm,
    area_choices,
    configured_framework,
    detail_action,
    render_detail,
    score_form_class,
    show_errors,
    suggestion_data,
)

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")


def _areas() -> list[str]:
    return list(current_settings().suggestions.areas)


def _url(suggestion_id: int | None, anchor: str | None = None) -> str:
    return url_for("suggestions.detail", suggestion_id=suggestion_id, _anchor=anchor)


# --- submitting -----------------------------------------------------------------------------


def _similar(title: str | None, problem: str | None) -> list[search.Similar]:
    # Bounded: the panel is fetched on every pause in typing.
    return list(
        search.similar(
            get_session(),
            actor=current_user,
            title=(title or "")[:200],
            problem=(problem or "")[:2000],
        )
    )


def _form_page(template: str, form: SuggestionForm, status: int = 200, **context: Any) -> Page:
    """The submit or edit page, offering the active queues the person may see."""
    visible = kpi_queues.list_visible(get_session(), actor=current_user, include_inactive=False)
    names = [queue.name for queue in visible]
    return render_template(template, form=form, queue_names=names, **context), status


def _submit_page(form: SuggestionForm, status: int = 200, matches: Any = None) -> Page:
    return _form_page("suggestions/new.html", form, status, matches=matches)


def _given_id(name: str) -> int | None:
    """An id from the query string; a bad one is ignored (the link was only a convenience)."""
    try:
        return optional_id(request.args.get(name), name)
    except ValidationFailed:
        return None


@bp.get("/new")
@requires(Permission.SUBMIT_SUGGESTIONS)
def new() -> Page:
    """The submit form; `?queue_id=` fills the queue, `?signal=` the queue and the evidence."""
    form = SuggestionForm(formdata=None)
    form.area.choices = area_choices(_areas(), form.area.data or "")
    given = evidence.prefill(
        get_session(),
        viewer=current_user,
        settings=current_settings(),
        queue_id=_given_id("queue_id"),
        signal_id=_given_id("signal"),
    )
    if given is not None:
        form.queue.data = given.queue
        form.problem.data = given.problem
    return _submit_page(form)


@bp.post("/new")
@requires(Permission.SUBMIT_SUGGESTIONS)
def create() -> Response | Page:
    form = SuggestionForm()
    form.area.choices = area_choices(_areas(), form.area.data or "")
    if "check" in request.form:
        # "Check for similar ideas" without JavaScript: show matches, keep the draft, save nothing.
        return _submit_page(form, matches=_similar(form.title.data, form.problem.data))
    session = get_session()
    try:
        suggestion = suggestions.create_suggestion(
            session, actor=current_user, raw=form.raw(), areas=_areas()
        )
    except ValidationFailed as exc:
        show_errors(form, exc)
        return _submit_page(form, 422)
    flash(f"Thank you. Your idea is #{suggestion.id}; you will hear when it moves.", "success")
    return redirect(_url(suggestion.id))


@bp.get("/similar")
@requires(Permission.SUBMIT_SUGGESTIONS)
def similar() -> str:
    """The similar-ideas panel alone, for similar.js to place on the submit page."""
    matches = _similar(request.args.get("title"), request.args.get("problem"))
    return render_template("suggestions/_similar.html", matches=matches)


@bp.get("/mine")
@requires(Permission.VIEW_SUGGESTIONS)
def mine() -> str:
    return render_template(
        "suggestions/mine.html",
        suggestions=suggestions.list_mine(get_session(), actor=current_user),
        decision_reason=pages.decision_reason,
    )


def _editable(suggestion_id: int) -> Suggestion:
    suggestion = suggestions.get_suggestion(
        get_session(), actor=current_user, suggestion_id=suggestion_id
    )
    if not suggestions.can_edit(current_user, suggestion):
        raise PermissionDenied("Only PMs can edit a suggestion once it has been decided.")
    return suggestion


@bp.get("/<int:suggestion_id>/edit")
@requires(Permission.SUBMIT_SUGGESTIONS)
def edit(suggestion_id: int) -> Page:
    suggestion = _editable(suggestion_id)
    form = SuggestionForm(formdata=None, data=suggestion_data(suggestion))
    form.area.choices = area_choices(_areas(), suggestion.area)
    return _form_page("suggestions/edit.html", form, suggestion=suggestion)


@bp.post("/<int:suggestion_id>/edit")
@requires(Permission.SUBMIT_SUGGESTIONS)
def update(suggestion_id: int) -> Response | Page:
    suggestion = _editable(suggestion_id)
    form = SuggestionForm()
    form.area.choices = area_choices(_areas(), suggestion.area)
    try:
        suggestions.update_suggestion(
            get_session(),
            actor=current_user,
            suggestion_id=suggestion_id,
            raw=form.raw(),
            areas=_areas(),
            settings=current_settings(),
        )
    except ValidationFailed as exc:
        show_errors(form, exc)
        return _form_page("suggestions/edit.html", form, 422, suggestion=suggestion)
    flash("Your changes are saved.", "success")
    return redirect(_url(suggestion_id))


# --- the detail page ------------------------------------------------------------------------


@bp.get("/<int:suggestion_id>")
@requires(Permission.VIEW_SUGGESTIONS)
def detail(suggestion_id: int) -> Page:
    return render_detail(suggestion_id)


# --- votes, comments, following -------------------------------------------------------------


@bp.post("/<int:suggestion_id>/vote")
@requires(Permission.ENGAGE)
def vote(suggestion_id: int) -> Response | Page:
    form = VoteForm()

    def cast(session: Session) -> Outcome:
        target = engagement.vote(
            session,
            actor=current_user,
            suggestion_id=suggestion_id,
            frequency=form.frequency.data or "",
            note=form.note.data or "",
        )
        return f"Your vote counts on #{target.id}. Thank you.", _url(target.id)

    return detail_action(suggestion_id, cast, vote_form=form)


@bp.post("/<int:suggestion_id>/unvote")
@requires(Permission.ENGAGE)
def unvote(suggestion_id: int) -> Response | Page:
    def withdraw(session: Session) -> Outcome:
        engagement.unvote(session, actor=current_user, suggestion_id=suggestion_id)
        return "Your vote is withdrawn.", _url(suggestion_id)

    return detail_action(suggestion_id, withdraw)


@bp.post("/<int:suggestion_id>/comments")
@requires(Permission.ENGAGE)
def comment(suggestion_id: int) -> Response | Page:
    form = CommentForm()

    def post(session: Session) -> Outcome:
        added = engagement.add_comment(
            session, actor=current_user, suggestion_id=suggestion_id, body=form.body.data or ""
        )
        message = "Your comment is posted; you now follow this idea."
        return message, _url(added.suggestion_id, anchor="comments")

    return detail_action(suggestion_id, post, comment_form=form)


@bp.post("/<int:suggestion_id>/watch")
@requires(Permission.ENGAGE)
def watch(suggestion_id: int) -> Response | Page:
    watching = request.form.get("watching") == "1"

    def follow(session: Session) -> Outcome:
        engagement.set_watching(
            session, actor=current_user, suggestion_id=suggestion_id, watching=watching
        )
        if watching:
            return "You follow this idea and will hear when it changes.", _url(suggestion_id)
        return "You no longer follow this idea.", _url(suggestion_id)

    return detail_action(suggestion_id, follow)


# --- the PM panel ---------------------------------------------------------------------------


@bp.post("/<int:suggestion_id>/status")
@requires(Permission.TRIAGE)
def change_status(suggestion_id: int) -> Response | Page:
    form = StatusForm()

    def move(session: Session) -> Outcome:
        change = decisions.change_status(
            session,
            actor=current_user,
            suggestion_id=suggestion_id,
            to=form.to.data or "",
            reason=form.reason.data or "",
        )
        label = Status(change.to_status).label.lower()
        return f"#{suggestion_id} is now {label}.", _url(suggestion_id)

    return detail_action(suggestion_id, move, status_form=form)


def _score_inputs(session: Session, form: ScoreForm, suggestion_id: int) -> dict[str, Any]:
    """The typed inputs, with reach replaced by the hours-saved estimate when asked for."""
    inputs: dict[str, Any] = dict(form.inputs())
    if "use_estimate" not in request.form or form.framework is not score_inputs.Framework.RICE:
        return inputs
    suggestion = suggestions.get_suggestion(
        session, actor=current_user, suggestion_id=suggestion_id
    )
    estimate = pages.score_estimate(
        session, viewer=current_user, suggestion=suggestion, settings=current_settings()
    )
    if estimate is None:
        raise ValidationFailed(
            "No estimate to use.",
            fields={"reach": "This idea has no hours-saved estimate; type the reach."},
        )
    form["reach"].data = estimate.shown
    inputs["reach"] = estimate.shown
    return inputs


@bp.post("/<int:suggestion_id>/score")
@requires(Permission.TRIAGE)
def score(suggestion_id: int) -> Response | Page:
    framework = configured_framework()
    form = score_form_class(framework)()

    def rate(session: Session) -> Outcome:
        result = decisions.score(
            session,
            actor=current_user,
            suggestion_id=suggestion_id,
            framework=framework,
            inputs=_score_inputs(session, form, suggestion_id),
        )
        return f"Scored: {result.formula}.", _url(suggestion_id)

    return detail_action(suggestion_id, rate, score_form=form)


@bp.post("/<int:suggestion_id>/merge")
@requires(Permission.TRIAGE)
def merge(suggestion_id: int) -> Response | Page:
    form = MergeForm()
    # The page's own idea must exist (404 otherwise); any NotFound after this is the target's.
    suggestions.get_suggestion(get_session(), actor=current_user, suggestion_id=suggestion_id)

    def combine(session: Session) -> Outcome:
        typed = (form.target_id.data or "").strip().removeprefix("#")
        try:
            target_id = id_value(typed, "target_id")
        except ValidationFailed:
            message = "Enter the number of the idea this one duplicates, e.g. 42."
            raise ValidationFailed(message, fields={"target_id": message}) from None
        try:
            target = decisions.merge(
                session, actor=current_user, duplicate_id=suggestion_id, target_id=target_id
            )
        except NotFound:
            message = f"There is no suggestion #{typed}."
            raise ValidationFailed(message, fields={"target_id": message}) from None
        message = f"#{suggestion_id} is merged into #{target.id}; its people now count here."
        return message, _url(target.id)

    return detail_action(suggestion_id, combine, merge_form=form)


@bp.post("/<int:suggestion_id>/unmerge")
@requires(Permission.TRIAGE)
def unmerge(suggestion_id: int) -> Response | Page:
    def split(session: Session) -> Outcome:
        decisions.unmerge(session, actor=current_user, duplicate_id=suggestion_id)
        message = f"The merge is undone; #{suggestion_id} has its own votes again."
        return message, _url(suggestion_id)

    return detail_action(suggestion_id, split)


@bp.post("/<int:suggestion_id>/sharing")
@requires(Permission.TRIAGE)
def sharing(suggestion_id: int) -> Response | Page:
    form = SharingForm()

    def share(session: Session) -> Outcome:
        suggestion = suggestions.set_sharing(
            session,
            actor=current_user,
            suggestion_id=suggestion_id,
            confidential=bool(form.confidential.data),
            shared_with_vendors=bool(form.shared_with_vendors.data),
        )
        if suggestion.confidential:
            who = "only PMs and the submitter"
        elif suggestion.shared_with_vendors:
            who = "everyone, vendor staff included"
        else:
            who = "internal staff and the submitter's own organisation"
        return f"#{suggestion_id} is now visible to {who}.", _url(suggestion_id)

    return detail_action(suggestion_id, share, sharing_form=form)
