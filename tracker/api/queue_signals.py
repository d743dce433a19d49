"""Spikes and level shifts of a queue: GET /api/v1/queues/{id}/signals, with the pages'
visibility (a queue not shared with the caller is a 404)."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from tracker.api.common import PAGE_QUERY, bp, page_requested, to_json
from tracker.api.inputs import actor
from tracker.api.openapi import Query, operation
from tracker.api.schemas.planning import page_fields
from tracker.api.schemas.queue_signals import SignalPagePublic, SignalPublic
from tracker.config import current_settings
from tracker.db import get_session
from tracker.permissions import Permission, requires
from tracker.services.kpis import signal_queries
from tracker.services.kpis.signal_queries import SignalView

TAG = "queues"
_QUERY: dict[str, Query | str] = {
    "since": Query(
        "Only signals on or after this day, YYYY-MM-DD",
        {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    ),
    "kind": Query("spike or shift (default: both)", {"type": "string", "enum": ["spike", "shift"]}),
    **PAGE_QUERY,
}


def signal_public(view: SignalView) -> SignalPublic:
    signal = view.signal
    return SignalPublic(
        id=signal.id or 0,
        queue_id=signal.queue_id,
        metric=signal.metric,
        metric_label=view.metric_label,
        kind=signal.kind,
        grain=signal.grain,
        day=signal.day,
        baseline=signal.baseline,
        value=signal.value,
        size=signal.size,
        unit=view.unit,
        agent_hours=signal.agent_hours,
        worse=signal.worse,
        detected_at=signal.detected_at,
    )


@bp.get("/queues/<int:queue_id>/signals")
@requires(Permission.VIEW_QUEUES)
@operation(
    "One queue's spikes and level shifts, latest day first; 404 for a queue not shared with "
    "the caller",
    response=SignalPagePublic,
    query=_QUERY,
    tag=TAG,
)
def queue_signal_list(queue_id: int) -> Response:
    page, per_page = page_requested()
    found = signal_queries.queue_signals(
        get_session(),
        actor=actor(),
        settings=current_settings(),
        queue_id=queue_id,
        since=request.args.get("since"),
        kind=request.args.get("kind"),
        page=page,
        per_page=per_page,
    )
    return to_json(
        SignalPagePublic(**page_fields(found), items=[signal_public(v) for v in found.items])
    )
