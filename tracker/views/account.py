"""A person's own account: password, signed-in browsers and personal API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker import auth
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.permissions import Permission, requires
from tracker.services.accounts import sessions, tokens, users
from tracker.views.forms import PasswordForm, TokenForm, apply_errors

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/tokens")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def token_list() -> str:
    session = get_session()
    return render_template(
        "account/tokens.html",
        form=TokenForm(),
        tokens=tokens.list_tokens(session, owner=current_user),
        new_token=None,
    )


@bp.post("/tokens")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def token_create() -> str | tuple[str, int]:
    session = get_session()
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, new_token = tokens.create_token(
                session, owner=current_user, name=form.name.data or ""
            )
        except DomainError as exc:
            apply_errors(form, exc)
            status = 422
    else:
        status = 422
    return render_template(
        "account/tokens.html",
        form=TokenForm(formdata=None),
        tokens=tokens.list_tokens(session, owner=current_user),
        new_token=new_token,
    ), status


@bp.post("/tokens/<int:token_id>/revoke")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def token_revoke(token_id: int) -> Response:
    session = get_session()
    token = tokens.revoke_token(session, actor=current_user, token_id=token_id)
    flash(f"Token '{token.name}' is revoked; programs using it can no longer sign in.", "success")
    return redirect(url_for("account.token_list"))


@bp.route("/password", methods=["GET", "POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            users.change_password(
                session,
                user=current_user,
                current=form.current_password.data or "",
                new=form.new_password.data or "",
                keep_token=auth.session_token(),
            )
        except DomainError as exc:
            apply_errors(form, exc)
            return render_template("account/password.html", form=form), 422
        flash("Your password is changed; other sessions are signed out.", "success")
        return redirect(url_for("home.index"))
    return render_template("account/password.html", form=form), 422 if form.is_submitted() else 200


@bp.get("/sessions")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def session_list() -> str:
    token = auth.session_token()
    browsers = sessions.list_sessions(
        get_session(), user=current_user, lifetime=auth.session_lifetime()
    )
    return render_template(
        "account/sessions.html",
        browsers=browsers,
        current_id=sessions.session_id(token) if token else None,
    )


@bp.post("/sessions/<string(length=64):session_id>/revoke")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def session_revoke(session_id: str) -> Response:
    sessions.revoke_session(get_session(), user=current_user, revoked_id=session_id)
    flash("That browser is signed out.", "success")
    return redirect(url_for("account.session_list"))


@bp.post("/sessions/revoke-others")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def session_revoke_others() -> Response:
    ended = sessions.end_sessions(get_session(), user=current_user, keep_token=auth.session_token())
    flash(f"Signed out everywhere else ({ended} session(s) ended).", "success")
    return redirect(url_for("account.session_list"))
