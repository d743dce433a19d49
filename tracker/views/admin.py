"""Administration: people, roles and organisations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import Session
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from tracker.db import get_session
from tracker.errors import DomainError
from tracker.inputs import optional_id
from tracker.permissions import Permission, requires
from tracker.services.accounts import users as accounts
from tracker.views.forms import (
    OrganisationForm,
    UserCreateForm,
    UserEditForm,
    apply_errors,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organisation_choices(session: Session) -> list[SelectChoice]:
    return [SelectChoice("", "None (internal)")] + [
        SelectChoice(str(org.id), org.name + (" (vendor)" if org.is_vendor else ""))
        for org in accounts.list_organisations(session)
    ]


def _users_page(session: Session, form: UserCreateForm, status: int = 200) -> tuple[str, int]:
    organisations = {org.id: org for org in accounts.list_organisations(session)}
    return render_template(
        "admin/users.html",
        users=accounts.list_users(session),
        organisations=organisations,
        form=form,
    ), status


@bp.get("/users")
@requires(Permission.MANAGE_USERS)
def users() -> tuple[str, int]:
    session = get_session()
    form = UserCreateForm()
    form.organisation_id.choices = _organisation_choices(session)
    return _users_page(session, form)


@bp.post("/users")
@requires(Permission.MANAGE_USERS)
def user_create() -> Response | tuple[str, int]:
    session = get_session()
    form = UserCreateForm()
    form.organisation_id.choices = _organisation_choices(session)
    if not form.validate_on_submit():
        return _users_page(session, form, 422)
    try:
        user = accounts.create_user(
            session,
            actor=current_user,
            email=form.email.data or "",
            display_name=form.display_name.data or "",
            password=form.password.data or "",
            role=form.role.data,
            organisation_id=optional_id(form.organisation_id.data, "organisation_id"),
        )
    except DomainError as exc:
        apply_errors(form, exc)
        return _users_page(session, form, 422)
    flash(f"{user.email} can now sign in as {user.role.label}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def user_edit(user_id: int) -> str | Response | tuple[str, int]:
    session = get_session()
    user = accounts.get_user(session, user_id)
    form = UserEditForm(
        data={
            "role": user.role.value,
            "organisation_id": str(user.organisation_id or ""),
            "is_active": user.is_active,
        }
    )
    form.organisation_id.choices = _organisation_choices(session)
    if form.validate_on_submit():
        try:
            accounts.set_role(
                session,
                actor=current_user,
                user=user,
                role=form.role.data,
                organisation_id=optional_id(form.organisation_id.data, "organisation_id"),
            )
            if form.is_active.data != user.is_active:
                accounts.set_active(
                    session, actor=current_user, user=user, active=form.is_active.data
                )
        except DomainError as exc:
            apply_errors(form, exc)
            flash(exc.message, "error")
            return render_template("admin/user_edit.html", user=user, form=form), exc.status_code
        flash(f"Saved {user.email}.", "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_edit.html", user=user, form=form), status


@bp.route("/organisations", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def organisations() -> str | Response | tuple[str, int]:
    session = get_session()
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            organisation = accounts.create_organisation(
                session, name=form.name.data or "", is_vendor=bool(form.is_vendor.data)
            )
        except DomainError as exc:
            apply_errors(form, exc)
            status = 422
        else:
            flash(f"Added {organisation.name}.", "success")
            return redirect(url_for("admin.organisations"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "admin/organisations.html",
        organisations=accounts.list_organisations(session),
        form=form,
    ), status
