"""Sign in and sign out."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker import auth
from tracker.config import current_settings
from tracker.db import get_session, keep_changes
from tracker.permissions import Permission, public, requires
from tracker.services.accounts import sign_in
from tracker.views.forms import LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so the login page cannot be used as an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@auth.limiter.limit(
    auth.login_rate_limit, methods=["POST"], exempt_when=auth.no_login_rate_limit, scope="sign-in"
)
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        settings = current_settings()
        policy = sign_in.LockoutPolicy(
            max_failures=settings.security.login_max_failures,
            lockout=timedelta(minutes=settings.security.login_lockout_minutes),
        )
        try:
            user = sign_in.authenticate(
                session,
                email=form.email.data or "",
                password=form.password.data or "",
                address=auth.client_address(),
                policy=policy,
            )
        except sign_in.SignInLocked as exc:
            keep_changes()
            form.password.errors = [str(exc)]
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        except sign_in.LoginFailed as exc:
            keep_changes()  # the failure counts towards the lockout
            current_app.logger.info("failed sign-in for %s", form.email.data)
            form.password.errors = [str(exc)]
            return render_template("auth/login.html", form=form), 401
        auth.sign_in(user)
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@requires(Permission.VIEW_WORKSPACE)
def logout() -> Response:
    auth.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
