"""The one permission policy: what each role may do, and the check that guards every route.

Every view declares its rule with `@requires(Permission.X)` or `@public`. A route without a rule
is refused (deny by default) and the role x route table in the tests fails until it gets one.
Services ask the same table: `require` before acting, `allowed` to choose what to show, and
`role_allows` / `roles_with` for row-level rules and queries that work from a role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.errors import PermissionDenied, json_error, wants_json
from tracker.models import Role, User

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "_tracker_permission"
PUBLIC = "public"


class Permission(StrEnum):
    VIEW_WORKSPACE = "workspace:view"
    MANAGE_OWN_ACCOUNT = "account:manage"
    USE_API = "api:use"
    MANAGE_USERS = "users:manage"  # also revoking anyone's API tokens
    # Suggestions: which ones a person sees is narrowed further by services/suggestions/
    # visibility.py, which takes the role parts of its rule from the next two.
    VIEW_SUGGESTIONS = "suggestions:view"
    VIEW_CONFIDENTIAL = "suggestions:view-confidential"  # and so every suggestion there is
    # Not confined to one's own vendor organisation: every non-confidential idea, every
    # submitter's name and every vendor in the backlog filters. Vendor staff lack it.
    VIEW_ALL_ORGANISATIONS = "organisations:view-all"
    SUBMIT_SUGGESTIONS = "suggestions:submit"
    EDIT_ANY_SUGGESTION = "suggestions:edit-any"  # anyone's, in any status
    ENGAGE = "suggestions:engage"  # vote, comment, watch
    TRIAGE = "suggestions:triage"  # status, score, merge, sharing
    VIEW_INITIATIVES = "initiatives:view"
    MANAGE_INITIATIVES = "initiatives:manage"  # and so may own one
    VIEW_STORIES = "stories:view"
    MANAGE_STORIES = "stories:manage"  # edit drafts, push them to Jira, link and unlink issues
    # Which digests a person sees is narrowed further by services/digests/pages.py.
    VIEW_DIGESTS = "digests:view"
    VIEW_ALL_DIGESTS = "digests:view-all"  # every audience's, and how each delivery went
    SEND_DIGESTS = "digests:send"
    # Queues and their KPIs and signals. Vendor staff see only queues their organisation works
    # (services/kpis/visibility.py takes that part of its rule from VIEW_ALL_ORGANISATIONS).
    VIEW_QUEUES = "queues:view"
    MANAGE_QUEUES = "queues:manage"  # create, edit, merge queues and say who works them
    INGEST_KPIS = "kpis:ingest"  # send KPI rows (CSV, API), see and start loads and pulls
    # What delivered ideas really saved. Vendor staff see only their own organisation's
    # (services/benefits/visibility.py), never another's benefit, pack or calibration.
    VIEW_BENEFITS = "benefits:view"
    # Vendor check-in packs: vendor staff see their own organisation's; PMs record check-ins.
    VIEW_CHECKINS = "checkins:view"
    RECORD_CHECKINS = "checkins:record"


_EVERYONE = frozenset(
    {
        Permission.VIEW_WORKSPACE,
        Permission.MANAGE_OWN_ACCOUNT,
        Permission.USE_API,
        Permission.VIEW_SUGGESTIONS,
        Permission.VIEW_DIGESTS,
        Permission.VIEW_QUEUES,
        Permission.VIEW_BENEFITS,
    }
)
_CONTRIBUTOR = _EVERYONE | {Permission.SUBMIT_SUGGESTIONS, Permission.ENGAGE}
_PRODUCT = _CONTRIBUTOR | {
    Permission.VIEW_CONFIDENTIAL,
    Permission.VIEW_ALL_ORGANISATIONS,
    Permission.EDIT_ANY_SUGGESTION,
    Permission.TRIAGE,
    Permission.VIEW_INITIATIVES,
    Permission.MANAGE_INITIATIVES,
    Permission.VIEW_STORIES,
    Permission.MANAGE_STORIES,
    Permission.VIEW_ALL_DIGESTS,
    Permission.SEND_DIGESTS,
    Permission.MANAGE_QUEUES,
    Permission.INGEST_KPIS,
    Permission.VIEW_CHECKINS,
    Permission.RECORD_CHECKINS,
}
_INTERNAL = {Permission.VIEW_ALL_ORGANISATIONS, Permission.VIEW_INITIATIVES}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SUBMITTER: _CONTRIBUTOR | _INTERNAL,
    Role.VENDOR: _CONTRIBUTOR | {Permission.VIEW_CHECKINS},
    Role.STAKEHOLDER: _EVERYONE | _INTERNAL | {Permission.VIEW_STORIES, Permission.VIEW_CHECKINS},
    Role.PM: _PRODUCT,
    Role.ADMIN: _PRODUCT | {Permission.MANAGE_USERS},
    # A machine account: its person signs in only to manage its tokens.
    Role.INTEGRATION: frozenset(
        {
            Permission.VIEW_WORKSPACE,
            Permission.MANAGE_OWN_ACCOUNT,
            Permission.USE_API,
            Permission.INGEST_KPIS,
        }
    ),
}


def allowed(user: Any, permission: Permission) -> bool:
    """Whether this (possibly anonymous) user holds the permission."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return role_allows(user.role, permission)


def require(user: Any, permission: Permission, message: str) -> None:
    """Raise PermissionDenied with `message` (shown to the person) unless `allowed`."""
    if not allowed(user, permission):
        raise PermissionDenied(message)


def role_allows(role: Role | str, permission: Permission) -> bool:
    """Whether the role grants the permission, whatever the state of anyone's account.

    For row-level rules that describe a reader by role: digests apply them to stand-ins built in
    memory (whose role may be a plain string, which finds its Role here as StrEnum hashes alike).
    An unknown role is granted nothing.
    """
    try:
        grants = ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
    return permission in grants


def roles_with(permission: Permission) -> tuple[Role, ...]:
    """The roles granting the permission, in declaration order, for queries over people."""
    return tuple(role for role in Role if permission in ROLE_PERMISSIONS[role])


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
