"""CSRF, security headers, cookie flags and the request size limit."""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from tracker.config import Settings

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
