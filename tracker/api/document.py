"""The API's own description: its OpenAPI document, public so that clients can read it first."""

from __future__ import annotations

from flask import current_app, jsonify
from werkzeug.wrappers import Response

from tracker.api.common import bp
from tracker.api.openapi import build_document
from tracker.permissions import public


@bp.get("/openapi.json")
@public
def openapi_document() -> Response:
    return jsonify(build_document(current_app))
