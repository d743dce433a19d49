"""Queues and their KPI series: GET /api/v1/queues and GET /api/v1/queues/{id}/kpis, with the
pages' visibility (a vendor sees the queues its organisation works; any other queue is a 404)."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from tracker.api.common import bp, json_list, to_json
from tracker.api.inputs import actor
from tracker.api.openapi import Query, operation
from tracker.api.schemas.queues import KpiPoint, KpiSeriesPublic, QueuePublic
from tracker.config import current_settings
from tracker.db import get_session
from tracker.models import utcnow
from tracker.permissions import Permission, requires
from tracker.services.kpis import queue_pages

TAG = "queues"
_DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_KPI_QUERY: dict[str, Query | str] = {
    "metric": "A stored metric of the registry (incoming, manual_incoming, solved, manual_solved, "
    "aht_minutes, backlog, or a configured one) or a derived figure (manual_share, "
    "automation_share, agent_hours); default incoming",
    "from": Query("First day, YYYY-MM-DD (default: 12 weeks before `to`)", _DATE),
    "to": Query("Last day, YYYY-MM-DD (default: the last full week's Sunday, or yesterday)", _DATE),
    "grain": Query(
        "day, or week (Monday to Sunday; the default)", {"type": "string", "enum": ["day", "week"]}
    ),
}


@bp.get("/queues")
@requires(Permission.VIEW_QUEUES)
@operation(
    "The queues the caller may see, by area then name, with the organisations working them",
    response=QueuePublic,
    many=True,
    tag=TAG,
)
def queue_list() -> Response:
    rows = queue_pages.api_queues(get_session(), actor=actor())
    return json_list(
        [
            QueuePublic(
                id=row.queue.id or 0,
                name=row.queue.name,
                area=row.queue.area,
                description=row.queue.description,
                active=row.queue.active,
                organisations=row.organisations,
                idea_count=row.idea_count,
            )
            for row in rows
        ]
    )


@bp.get("/queues/<int:queue_id>/kpis")
@requires(Permission.VIEW_QUEUES)
@operation(
    "One queue's series of one metric by day or week; 404 for a queue not shared with the caller",
    response=KpiSeriesPublic,
    query=_KPI_QUERY,
    tag=TAG,
)
def queue_kpis(queue_id: int) -> Response:
    found = queue_pages.api_series(
        get_session(),
        actor=actor(),
        settings=current_settings(),
        queue_id=queue_id,
        metric=request.args.get("metric"),
        start=request.args.get("from"),
        end=request.args.get("to"),
        grain=request.args.get("grain"),
        today=utcnow().date(),
    )
    return to_json(
        KpiSeriesPublic(
            queue_id=queue_id,
            metric=found.metric.name,
            unit=found.metric.unit,
            grain=found.grain,
            start=found.start,
            end=found.end,
            points=[KpiPoint(day=point.day, value=point.value) for point in found.points],
        )
    )
