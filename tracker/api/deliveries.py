"""Delivery outside Jira over the API: POST /api/v1/suggestions/{id}/delivered."""

from __future__ import annotations

from werkzeug.wrappers import Response

from tracker.api.common import bp, to_json
from tracker.api.inputs import actor, parse
from tracker.api.openapi import operation
from tracker.api.schemas.deliveries import DeliveryPublic, DeliveryRequest
from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import utcnow
from tracker.permissions import Permission, requires
from tracker.services.benefits import delivery

TAG = "decisions"


@bp.post("/suggestions/<int:suggestion_id>/delivered")
@requires(Permission.TRIAGE)
@operation(
    "Mark an accepted idea delivered outside Jira on a day, with a note (or correct the day of "
    "one delivered this way); 409 for ideas Jira delivers",
    body=DeliveryRequest,
    response=DeliveryPublic,
    tag=TAG,
)
def delivered_create(suggestion_id: int) -> Response:
    wanted = parse(DeliveryRequest)
    done = delivery.mark_delivered(
        get_session(),
        actor=actor(),
        suggestion_id=suggestion_id,
        on=delivery.delivery_day(wanted.on),
        note=wanted.note,
        now=utcnow(),
        settings=current_settings(),
    )
    return to_json(
        DeliveryPublic(
            id=suggestion_id,
            status=done.suggestion.status.value,
            delivered_on=done.delivered_on,
            delivered_at=done.delivered_at,
            corrected=done.corrected,
        )
    )
