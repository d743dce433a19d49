"""Who is calling: the token's owner."""

from __future__ import annotations

from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.api.common import bp, to_json
from tracker.api.openapi import operation
from tracker.api.schemas.common import UserPublic
from tracker.permissions import Permission, requires


@bp.get("/me")
@requires(Permission.USE_API)
@operation("The user the token belongs to", response=UserPublic, tag="accounts")
def me() -> Response:
    return to_json(UserPublic.model_validate(current_user, from_attributes=True))
