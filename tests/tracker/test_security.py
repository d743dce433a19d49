"""CSRF, headers, cookies, request size and error pages."""

from __future__ import annotations

import re

import pytest

from tracker.models import Role


def test_form_without_csrf_token_is_rejected(client, make_user):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400
    assert "The form expired or was sent from another site" in response.text
    assert client.get("/").status_code == 302  # not signed in


def test_csrf_token_from_another_session_is_rejected(app, client, login_as):
    login_as(Role.SUBMITTER)
    other = app.test_client()
    page = other.get("/login").text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match is not None
    foreign = match.group(1)
    response = client.post("/account/tokens", data={"csrf_token": foreign, "name": "x"})
    assert response.status_code == 400


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, login_as):
    login_as(Role.ADMIN)
    for url in ("/", "/admin/users", "/account/tokens", "/admin/organisations"):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " onclick=" not in html
        assert " style=" not in html


def test_session_cookie_flags_in_production(make_app, database_url):
    app = make_app(database_url, env="production")
    response = app.test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie


def test_oversized_request_gets_a_clear_413(make_app, database_url):
    app = make_app(database_url, security={"max_request_bytes": 1024})
    client = app.test_client()
    response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "larger than the 1 KiB this server accepts" in response.text


def test_not_found_is_friendly_html_and_json(client, login_as):
    login_as(Role.SUBMITTER)
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "There is nothing at this address" in page.text
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404
    assert api.get_json() == {
        "error": "There is nothing at this address. It may have been moved or deleted."
    }


@pytest.mark.fresh_app
def test_unexpected_error_shows_500_without_details(make_app, database_url):
    from tracker.permissions import public

    app = make_app(database_url)

    @app.get("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internals" not in response.text


def test_user_text_is_escaped(client, login_as, make_user):
    login_as(Role.ADMIN)
    make_user(Role.SUBMITTER, display_name="<script>alert(1)</script>")
    html = client.get("/admin/users").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
