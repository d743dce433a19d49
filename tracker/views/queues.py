"""Queue pages (the list with sparklines, a queue with its weekly charts, its CSV) and queue
management for PMs (new, edit, merge). Rules live in services/kpis/queues.py and the page
contents in services/kpis/queue_pages.py; this module only translates HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.inputs import id_value, optional_id
from tracker.models import Organisation, Queue, User, utcnow
from tracker.pagination import requested_page
from tracker.permissions import Permission, allowed, requires
from tracker.services.kpis import queue_pages, queues
from tracker.views.forms import apply_errors

bp = Blueprint("queues", __name__, url_prefix="/queues")

PER_PAGE = 50


class QueueForm(FlaskForm):  # type: ignore[misc]
    # Lengths are the service's to check (its sentence names the limit); these bound the input.
    name = StringField("Name", validators=[Length(max=1000)])
    area = SelectField("Area", validate_choice=False)
    description = TextAreaField("Description", validators=[Length(max=10_000)])
    active = BooleanField("Active (agents work it now)", default=True)
    organisation_ids = SelectMultipleField(
        "Vendor organisations that work it", validate_choice=False
    )


class MergeForm(FlaskForm):  # type: ignore[misc]
    source_ids = SelectMultipleField("Queues to merge", validate_choice=False)
    target_id = SelectField("Into", validate_choice=False)


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _viewer() -> dict[str, Any]:
    """Who asks, with what settings, on which day: the arguments every queue page takes."""
    return {"actor": _actor(), "settings": current_settings(), "today": utcnow().date()}


@bp.get("")
@requires(Permission.VIEW_QUEUES)
def index() -> str:
    page, per_page = requested_page(PER_PAGE)
    found = queue_pages.list_page(get_session(), page=page, per_page=per_page, **_viewer())
    return render_template(
        "queues/index.html",
        found=found,
        can_manage=allowed(_actor(), Permission.MANAGE_QUEUES),
    )


@bp.get("/<int:queue_id>")
@requires(Permission.VIEW_QUEUES)
def detail(queue_id: int) -> str:
    years = queue_pages.years_value(request.args.get("years"))
    shown = queue_pages.queue_page(get_session(), queue_id=queue_id, years=years, **_viewer())
    return render_template(
        "queues/detail.html",
        shown=shown,
        can_manage=allowed(_actor(), Permission.MANAGE_QUEUES),
        can_submit=allowed(_actor(), Permission.SUBMIT_SUGGESTIONS),
    )


@bp.get("/<int:queue_id>/kpis.csv")
@requires(Permission.VIEW_QUEUES)
def kpis_csv(queue_id: int) -> Response:
    years = queue_pages.years_value(request.args.get("years"))
    rows = queue_pages.csv_rows(get_session(), queue_id=queue_id, years=years, **_viewer())
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="queue-{queue_id}-weekly.csv"',
            "Cache-Control": "no-store",  # what it holds depends on who asked
        },
    )


def _areas() -> list[str]:
    return list(current_settings().suggestions.areas)


def _vendors(session: Session) -> Sequence[Organisation]:
    query = select(Organisation).where(col(Organisation.is_vendor).is_(True))
    return session.exec(query.order_by(col(Organisation.name))).all()


def _with_choices(session: Session, form: QueueForm, queue: Queue | None) -> QueueForm:
    areas = _areas()
    choices = [SelectChoice("", "No area")] + [SelectChoice(area, area) for area in areas]
    if queue is not None and queue.area and queue.area not in areas:
        choices.append(SelectChoice(queue.area, f"{queue.area} (no longer configured)"))
    form.area.choices = choices
    form.organisation_ids.choices = [
        SelectChoice(str(org.id), org.name) for org in _vendors(session)
    ]
    return form


def _input(form: QueueForm) -> queues.QueueInput:
    """The form's values; ValidationFailed naming `organisation_ids` for a value that is no id."""
    return queues.QueueInput(
        name=form.name.data or "",
        area=form.area.data or "",
        description=form.description.data or "",
        active=bool(form.active.data),
        organisation_ids=tuple(
            id_value(value, "organisation_ids") for value in form.organisation_ids.data or []
        ),
    )


def _form_page(form: QueueForm, queue: Queue | None, status: int) -> tuple[str, int]:
    return render_template("queues/form.html", form=form, queue=queue), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_QUEUES)
def create() -> Response | tuple[str, int]:
    session = get_session()
    form = _with_choices(session, QueueForm(), None)
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.is_submitted() else 200)
    try:
        queue = queues.create_queue(session, actor=_actor(), data=_input(form), areas=_areas())
    except DomainError as exc:
        apply_errors(form, exc)
        return _form_page(form, None, exc.status_code)
    flash(f"Queue '{queue.name}' created.", "success")
    return redirect(url_for("queues.detail", queue_id=queue.id))


@bp.route("/<int:queue_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_QUEUES)
def edit(queue_id: int) -> Response | tuple[str, int]:
    session = get_session()
    queue = queues.get_queue(session, queue_id)
    working = queues.organisations_of(session, [queue_id])[queue_id]
    form = _with_choices(
        session,
        QueueForm(
            data={
                "name": queue.name,
                "area": queue.area,
                "description": queue.description,
                "active": queue.active,
                "organisation_ids": [str(org.id) for org in working],
            }
        ),
        queue,
    )
    if not form.validate_on_submit():
        return _form_page(form, queue, 422 if form.is_submitted() else 200)
    try:
        queues.update_queue(
            session, actor=_actor(), queue_id=queue_id, data=_input(form), areas=_areas()
        )
    except DomainError as exc:
        apply_errors(form, exc)
        return _form_page(form, queue, exc.status_code)
    flash("Queue saved.", "success")
    return redirect(url_for("queues.detail", queue_id=queue_id))


def _merge_page(
    form: MergeForm, status: int, result: queues.MergeResult | None = None
) -> tuple[str, int]:
    return render_template("queues/merge.html", form=form, result=result), status


@bp.route("/merge", methods=["GET", "POST"])
@requires(Permission.MANAGE_QUEUES)
def merge() -> tuple[str, int]:
    session = get_session()
    form = MergeForm()
    every = session.exec(select(Queue).order_by(col(Queue.area), col(Queue.key))).all()
    choices = [
        SelectChoice(str(queue.id), f"{queue.name} ({queue.area or 'no area'})") for queue in every
    ]
    form.source_ids.choices = choices
    form.target_id.choices = [SelectChoice("", "Choose the queue to keep"), *choices]
    if not form.validate_on_submit():
        return _merge_page(form, 422 if form.is_submitted() else 200)
    try:
        target_id = optional_id(form.target_id.data, "target_id")
        if target_id is None:
            form.target_id.errors = ["Choose the queue to keep."]
            return _merge_page(form, 422)
        result = queues.merge_queues(
            session,
            actor=_actor(),
            source_ids=[id_value(value, "source_ids") for value in form.source_ids.data or []],
            target_id=target_id,
        )
    except DomainError as exc:
        apply_errors(form, exc)
        if exc.status_code == 404:
            form.source_ids.errors = [*form.source_ids.errors, exc.message]
            return _merge_page(form, 422)
        return _merge_page(form, exc.status_code)
    flash(f"Merged into '{result.target.name}'.", "success")
    return _merge_page(MergeForm(formdata=None), 200, result)
