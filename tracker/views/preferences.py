"""Email preferences (signed in) and the one-click unsubscribe link from every email (no login:
the signed token is the authorisation)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.permissions import Permission, public, requires
from tracker.security import csrf
from tracker.services.email import preferences
from tracker.views.forms import apply_errors

bp = Blueprint("preferences", __name__)


class EmailPreferencesForm(FlaskForm):  # type: ignore[misc]
    notifications = BooleanField(
        "Notification emails: when an idea I submitted or voted for is "
        "accepted, declined, merged, pushed to Jira or delivered"
    )
    digests = BooleanField("Status digest emails")
    areas = SelectMultipleField(
        "Areas I follow in my digest",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _render(form: EmailPreferencesForm, status: int = 200) -> tuple[str, int]:
    prefs = preferences.get_preferences(get_session(), user=current_user)
    return render_template(
        "account/email.html",
        form=form,
        prefs=prefs,
        follows_areas=preferences.follows_areas(current_user),
    ), status


@bp.route("/account/email", methods=["GET", "POST"])
@requires(Permission.MANAGE_OWN_ACCOUNT)
def email() -> Response | tuple[str, int]:
    session = get_session()
    settings = current_settings()
    form = EmailPreferencesForm()
    form.areas.choices = [(area, area) for area in settings.suggestions.areas]
    if not form.is_submitted():
        prefs = preferences.get_preferences(session, user=current_user)
        form.notifications.data = prefs.notifications
        form.digests.data = prefs.digests
        form.areas.data = prefs.areas
        return _render(form)
    if not form.validate():
        return _render(form, 422)
    try:
        preferences.set_preferences(
            session,
            user=current_user,
            settings=settings,
            notifications=bool(form.notifications.data),
            digests=bool(form.digests.data),
            areas=list(form.areas.data or []),
        )
    except DomainError as exc:
        apply_errors(form, exc)
        return _render(form, 422)
    flash("Your email preferences are saved.", "success")
    return redirect(url_for("preferences.email"))


@bp.post("/account/email/initiatives/<int:initiative_id>/unfollow")
@requires(Permission.MANAGE_OWN_ACCOUNT)
def unfollow(initiative_id: int) -> Response:
    session = get_session()
    name = preferences.unfollow_initiative(session, user=current_user, initiative_id=initiative_id)
    flash(f"You no longer follow '{name}'.", "success")
    return redirect(url_for("preferences.email"))


def _unsubscribe_page(state: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template("account/unsubscribe.html", state=state, **context), status


@bp.get("/unsubscribe/<token>")
@public
def unsubscribe(token: str) -> tuple[str, int]:
    """A confirmation page, not the change itself: mail scanners open links in emails."""
    try:
        user, kind = preferences.user_for_token(
            get_session(), settings=current_settings(), token=token
        )
    except preferences.BadUnsubscribeToken as exc:
        return _unsubscribe_page("invalid", 400, message=exc.message)
    return _unsubscribe_page(
        "confirm", email=user.email, kind_label=preferences.KIND_LABELS[kind], token=token
    )


# RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` with no CSRF token (they
# cannot have one). The signed token is the authorisation, and it can only switch email off.
@bp.post("/unsubscribe/<token>")
@public
def unsubscribe_confirm(token: str) -> tuple[str, int]:
    session = get_session()
    try:
        user, kind = preferences.unsubscribe_by_token(
            session, settings=current_settings(), token=token
        )
    except preferences.BadUnsubscribeToken as exc:
        return _unsubscribe_page("invalid", 400, message=exc.message)
    return _unsubscribe_page("done", email=user.email, kind_label=preferences.KIND_LABELS[kind])


csrf.exempt(unsubscribe_confirm)
