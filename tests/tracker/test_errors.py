"""The one error handler: Werkzeug's headers survive its pages and JSON answers."""

from __future__ import annotations

import pytest


def _allowed(response) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("method", "url", "allowed", "mimetype"),
    [
        ("GET", "/logout", {"POST", "OPTIONS"}, "text/html"),
        ("PUT", "/login", {"GET", "HEAD", "POST", "OPTIONS"}, "text/html"),
        ("POST", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}, "application/json"),
        ("PUT", "/api/v1/suggestions/1", {"GET", "HEAD", "PATCH", "OPTIONS"}, "application/json"),
    ],
)
def test_method_not_allowed_names_the_allowed_methods(client, method, url, allowed, mimetype):
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert response.mimetype == mimetype
    assert _allowed(response) == allowed
    assert response.headers.getlist("Content-Type") == [response.content_type]


def test_method_not_allowed_keeps_the_friendly_message(client):
    page = client.get("/logout")
    assert "does not accept that kind of request" in page.text
    answer = client.delete("/api/v1/me")
    assert answer.get_json() == {"error": "This address does not accept that kind of request."}
