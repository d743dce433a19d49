"""Webhooks other systems call: `POST /hooks/jira` for Jira's near-real-time issue updates.

Public and exempt from CSRF because Jira signs each delivery instead (the service checks it).
Every answer is JSON, for Jira's delivery log; the rules live in
tracker/services/jira_status/webhooks.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError, json_error
from tracker.permissions import public
from tracker.security import csrf
from tracker.services import ports
from tracker.services.jira_status import webhooks
from tracker.services.jira_status.snapshots import IssueSnapshot

bp = Blueprint("hooks", __name__, url_prefix="/hooks")


@bp.post("/jira")
@public
def jira() -> Response:
    settings = current_settings()
    signatures = {
        name: value
        for name in webhooks.SIGNATURE_HEADERS
        if (value := request.headers.get(name)) is not None
    }
    session = get_session()
    handled = webhooks.receive(
        session,
        # The signature covers the raw bytes; the app's request size limit applies (413).
        body=request.get_data(cache=False),
        signatures=signatures,
        identifier=request.headers.get(webhooks.IDENTIFIER_HEADER),
        settings=settings.sync,
        parse_issue=_parse_issue,
    )
    return jsonify(outcome=handled.outcome.value)


csrf.exempt(jira)


def _parse_issue(issue: Mapping[str, Any]) -> IssueSnapshot:
    """The delivery's issue as a snapshot; sprints are left to the sync."""
    try:
        return ports.jira(current_app).parse_webhook_issue(issue)
    except ports.JiraUnreadable as exc:
        raise webhooks.DeliveryRefused(
            f"The issue in the delivery could not be read: {exc}"
        ) from None


@bp.errorhandler(DomainError)
def _refused(exc: DomainError) -> Response:
    return json_error(exc.status_code, exc.message, exc.fields)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return json_error(status, f"The body is larger than the {limit // 1024} KiB accepted.")
    return json_error(status, exc.description or exc.name)
