"""CSRF, security headers, cookie flags, the request size limit, and the guard that refuses
control characters in query strings, form fields and the path before any view runs."""

from __future__ import annotations

import re

from flask import Flask, request
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from tracker.config import Settings
from tracker.errors import DomainError
from tracker.inputs import has_control

csrf = CSRFProtect()

# No inline script or style anywhere: every asset is served from the app itself (works offline).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        MAX_CONTENT_LENGTH=settings.security.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        REMEMBER_COOKIE_SECURE=settings.cookies_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    # Before CSRF and every view: no handler, not even the CSRF check, reads a refused value.
    app.before_request(refuse_control_characters)
    csrf.init_app(app)
    Talisman(
        app,
        force_https=settings.security.force_https,
        strict_transport_security=settings.security.force_https,
        session_cookie_secure=settings.cookies_secure,
        session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )


# --- the input guard ----------------------------------------------------------------------------
# PostgreSQL refuses NUL in text (a 500 on every text field and filter), and the other control
# characters only hide text from readers. Form values may hold tab, newline and carriage return
# (a textarea's lines); a query string or a path part has no business with any of them.
# Uploaded files and JSON bodies are left to their readers (the CSV importer drops control
# characters, the API checks its JSON), and so are headers (the Jira webhook checks its delivery
# id itself).

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Query parameters carrying text typed into a textarea (similar.js sends the draft's problem
# while the person types), where new lines are meant: they get the form values' rule.
_TYPED_QUERY_TEXT = {"suggestions.similar": frozenset({"title", "problem"})}


class ControlCharacters(DomainError):
    """A query-string, form or path value holding a control character; `fields` names it."""

    status_code = 400


def refuse_control_characters() -> None:
    """Raise ControlCharacters (400) naming the first query parameter, form field or path part
    that holds a control character. (Path ids are bounded by tracker.converters.IdConverter.)"""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and _ANY_CONTROL.search(value):
            raise _refused("address part", name)
    typed = _TYPED_QUERY_TEXT.get(request.endpoint or "", frozenset())
    for name, value in request.args.items(multi=True):
        if _ANY_CONTROL.search(name) or (
            has_control(value) if name in typed else _ANY_CONTROL.search(value)
        ):
            raise _refused("query parameter", name)
    if request.mimetype in _FORM_TYPES:
        for name, value in request.form.items(multi=True):
            if _ANY_CONTROL.search(name) or has_control(value):
                raise _refused("form field", name)


def _refused(where: str, name: str) -> ControlCharacters:
    shown = _ANY_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", name)
    sentence = (
        f"The {where} '{shown}' contains a control character (such as NUL); remove it and "
        "send again."
    )
    return ControlCharacters(sentence, fields={shown: sentence})
