"""Vendor check-in packs: the list of vendor organisations with their last check-in, one
organisation's pack (page and Markdown) and recording a check-in. The contents and rules live in
services/checkins; this module only translates HTTP."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.models import User, utcnow
from tracker.permissions import Permission, allowed, requires
from tracker.services.checkins import markdown, pack, records
from tracker.views.downloads import private_download
from tracker.views.forms import apply_errors

bp = Blueprint("checkins", __name__, url_prefix="/organisations")


class CheckInForm(FlaskForm):  # type: ignore[misc]
    # The service checks the day and the lengths and names the field in its sentence.
    held_on = StringField("Held on", render_kw={"type": "date"})
    notes = TextAreaField("Notes", render_kw={"rows": 6})
    open_questions = TextAreaField("Open questions to them (one per line)", render_kw={"rows": 4})


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _today() -> date:
    return utcnow().date()


def _pack(organisation_id: int) -> pack.Pack:
    return pack.pack(
        get_session(),
        actor=_actor(),
        organisation_id=organisation_id,
        settings=current_settings(),
        today=_today(),
    )


def _pack_page(organisation_id: int, form: CheckInForm, status: int) -> tuple[str, int]:
    found = _pack(organisation_id)
    can_record = allowed(_actor(), Permission.RECORD_CHECKINS)
    return render_template(
        "checkins/pack.html", pack=found, form=form, can_record=can_record
    ), status


@bp.get("/checkins")
@requires(Permission.VIEW_CHECKINS)
def index() -> str:
    rows = pack.organisations(get_session(), actor=_actor())
    return render_template("checkins/index.html", rows=rows)


@bp.get("/<int:organisation_id>/checkin")
@requires(Permission.VIEW_CHECKINS)
def show(organisation_id: int) -> tuple[str, int]:
    form = CheckInForm(data={"held_on": _today().isoformat()})
    return _pack_page(organisation_id, form, 200)


@bp.post("/<int:organisation_id>/checkin")
@requires(Permission.RECORD_CHECKINS)
def record(organisation_id: int) -> Response | tuple[str, int]:
    form = CheckInForm()
    if not form.validate_on_submit():
        return _pack_page(organisation_id, form, 422)
    data = records.CheckInInput(
        held_on=form.held_on.data or "",
        notes=form.notes.data or "",
        open_questions=form.open_questions.data or "",
    )
    try:
        checkin = records.record_checkin(
            get_session(),
            actor=_actor(),
            organisation_id=organisation_id,
            data=data,
            today=_today(),
        )
    except DomainError as exc:
        if not exc.fields:
            raise
        apply_errors(form, exc)
        return _pack_page(organisation_id, form, exc.status_code)
    flash(
        f"Check-in of {checkin.held_on.isoformat()} recorded; the pack now starts there.",
        "success",
    )
    return redirect(url_for("checkins.show", organisation_id=organisation_id))


@bp.get("/<int:organisation_id>/checkin.md")
@requires(Permission.VIEW_CHECKINS)
def export(organisation_id: int) -> Response:
    found = _pack(organisation_id)
    text = markdown.render(found, base_url=current_settings().base_url or request.url_root)
    name = markdown.slug(found.organisation.name, f"organisation-{organisation_id}")
    filename = f"checkin-{name}-{found.today.isoformat()}.md"
    return private_download(text, mimetype="text/markdown", filename=filename)
