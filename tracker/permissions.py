"""The one permission policy: what each role may do, and the check that guards every route.

Every view declares its rule with `@requires(Permission.X)` or `@public`. A route without a rule
is refused (deny by default) and the role x route table in the tests fails until it gets one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.errors import json_error, wants_json
from tracker.models import Role, User

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "_tracker_permission"
PUBLIC = "public"


class Permission(StrEnum):
    VIEW_WORKSPACE = "workspace:view"
    MANAGE_OWN_ACCOUNT = "account:manage"
    USE_API = "api:use"
    MANAGE_USERS = "users:manage"
    # Suggestions: which ones a person sees is narrowed further by services/visibility.py.
    VIEW_SUGGESTIONS = "suggestions:view"
    SUBMIT_SUGGESTIONS = "suggestions:submit"
    ENGAGE = "suggestions:engage"  # vote, comment, watch
    TRIAGE = "suggestions:triage"  # status, score, merge, sharing
    VIEW_INITIATIVES = "initiatives:view"
    MANAGE_INITIATIVES = "initiatives:manage"
    VIEW_STORIES = "stories:view"
    MANAGE_STORIES = "stories:manage"
    # Which digests a person sees is narrowed further by services/digest_pages.py.
    VIEW_DIGESTS = "digests:view"
    SEND_DIGESTS = "digests:send"


_EVERYONE = frozenset(
    {
        Permission.VIEW_WORKSPACE,
        Permission.MANAGE_OWN_ACCOUNT,
        Permission.USE_API,
        Permission.VIEW_SUGGESTIONS,
        Permission.VIEW_DIGESTS,
    }
)
_CONTRIBUTOR = _EVERYONE | {Permission.SUBMIT_SUGGESTIONS, Permission.ENGAGE}
_PRODUCT = _CONTRIBUTOR | {
    Permission.TRIAGE,
    Permission.VIEW_INITIATIVES,
    Permission.MANAGE_INITIATIVES,
    Permission.VIEW_STORIES,
    Permission.MANAGE_STORIES,
    Permission.SEND_DIGESTS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SUBMITTER: _CONTRIBUTOR | {Permission.VIEW_INITIATIVES},
    Role.VENDOR: _CONTRIBUTOR,
    Role.STAKEHOLDER: _EVERYONE | {Permission.VIEW_INITIATIVES, Permission.VIEW_STORIES},
    Role.PM: _PRODUCT,
    Role.ADMIN: _PRODUCT | {Permission.MANAGE_USERS},
}


def allowed(user: Any, permission: Permission) -> bool:
    """Whether this (possibly anonymous) user holds the permission."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS[user.role]


def requires(permission: Permission) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, _ATTR, permission)
        return view

    return mark


def public(view: F) -> F:
    setattr(view, _ATTR, PUBLIC)
    return view


def rule_for(app: Flask, endpoint: str) -> Permission | str | None:
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    rule: Permission | str | None = getattr(view, _ATTR, None)
    return rule


def init_app(app: Flask) -> None:
    @app.before_request
    def _enforce() -> Response | None:
        if request.endpoint is None:  # 404 and 405 are answered by the error handlers
            return None
        rule = rule_for(app, request.endpoint)
        if rule == PUBLIC:
            return None
        if rule is None:
            log.error("route %s has no permission rule; refusing", request.endpoint)
            abort(403)
        user = current_user._get_current_object()
        if not isinstance(user, User):
            if wants_json():
                response = json_error(401, "Send a valid API token: Authorization: Bearer <token>.")
                response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
                return response
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        assert isinstance(rule, Permission)
        if not allowed(user, rule):
            abort(403)
        return None
