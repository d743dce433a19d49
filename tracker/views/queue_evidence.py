"""Evidence from data for the submit form: a queue's weekly volume and handle time as JSON, which
static/js/evidence.js fetches when a queue is chosen (the form works without it)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import ValidationFailed, json_error
from tracker.inputs import clean_text
from tracker.permissions import Permission, requires
from tracker.services.kpis import evidence, queues, visibility

bp = Blueprint("queue_evidence", __name__, url_prefix="/queues/evidence")

_NONE = "No data for this queue."


@bp.get("")
@requires(Permission.VIEW_QUEUES)
def lookup() -> Response:
    """{queue_id, name, weekly_volume, handle_time_minutes, weeks, to, basis, note} of the named
    queue; 404 when there is no such queue, it has no data, or its data is not shared with you."""
    try:
        name = clean_text(request.args.get("queue", ""), "queue")
    except ValidationFailed as exc:
        return json_error(422, exc.message, exc.fields)
    if len(name) > queues.NAME_MAX:
        return json_error(422, "Queue is too long.", {"queue": "Queue names are 120 at most."})
    session = get_session()
    queue = queues.find_by_name(session, name)
    if queue is None or queue.id is None or not visibility.can_view(session, current_user, queue):
        return json_error(404, _NONE)
    found = evidence.for_queue(session, queue_id=queue.id, settings=current_settings())
    if found is None:
        return json_error(404, _NONE)
    return jsonify(found.as_json())
