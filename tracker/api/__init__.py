"""The JSON API under /api/v1: bearer tokens only, JSON errors, the same services as the views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.api.openapi import build_document, operation
from tracker.api.schemas.common import UserPublic
from tracker.permissions import Permission, public, requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def to_json(model: Any, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


@bp.get("/openapi.json")
@public
def openapi_document() -> Response:
    return jsonify(build_document(current_app))


@bp.get("/me")
@requires(Permission.USE_API)
@operation("The user the token belongs to", response=UserPublic, tag="accounts")
def me() -> Response:
    return to_json(UserPublic.model_validate(current_user, from_attributes=True))


# Route modules register on `bp`; imported last because they import `bp` and `to_json` from here.
from tracker.api import backlog as _backlog  # noqa: E402,F401
from tracker.api import decisions as _decisions  # noqa: E402,F401
from tracker.api import engagement as _engagement  # noqa: E402,F401
from tracker.api import imports as _imports  # noqa: E402,F401
from tracker.api import planning as _planning  # noqa: E402,F401
from tracker.api import suggestions as _suggestions  # noqa: E402,F401
