"""Domain errors raised by services, and the one place that turns errors into pages or JSON."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class PermissionDenied(DomainError):
    status_code = 403


class ValidationFailed(DomainError):
    """Input that breaks a rule; `fields` maps each field name to a sentence about it."""

    status_code = 422


def wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def json_error(status: int, message: str, fields: dict[str, str] | None = None) -> Response:
    payload: dict[str, Any] = {"error": message}
    if fields:
        payload["fields"] = fields
    response = jsonify(payload)
    response.status_code = status
    return response


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message), status


_FRIENDLY = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in required", "Sign in to continue."),
    403: ("Not allowed", "Your role does not allow this. Ask an administrator if you need it."),
    404: ("Not found", "There is nothing at this address. It may have been moved or deleted."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than this server accepts."),
    429: ("Slow down", "Too many requests; wait a moment and try again."),
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        if wants_json():
            return json_error(exc.status_code, exc.message, exc.fields)
        return _page(exc.status_code, _FRIENDLY.get(exc.status_code, ("Error", ""))[0], exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        message = "The form expired or was sent from another site; reload the page and try again."
        if wants_json():
            return json_error(400, message)
        return _page(400, "Form expired", message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        title, message = _FRIENDLY.get(status, (exc.name, exc.description or ""))
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            message = f"The request is larger than the {limit // 1024} KiB this server accepts."
        # Werkzeug's own headers carry meaning (405's Allow, 401's WWW-Authenticate); only its
        # Content-Type is replaced, by the JSON or HTML answer below.
        headers = [(name, value) for name, value in exc.get_headers() if name != "Content-Type"]
        if wants_json():
            response = json_error(status, message)
            response.headers.extend(headers)
            return response
        return (*_page(status, title, message), headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = "Something went wrong on our side. Nothing was saved; please try again."
        if wants_json():
            return json_error(500, message)
        return _page(500, "Server error", message)
