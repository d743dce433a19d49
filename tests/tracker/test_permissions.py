"""Role x route: every route has a rule, and each role gets exactly what the table says.

Add a row in tests/tracker/routes/<area>.py for every new route; the first test fails until then.
"""

from __future__ import annotations

import pytest

from tests.tracker.routes import PUBLIC, all_rows
from tracker.models import Role

ROUTES = all_rows()


def test_every_route_has_a_row_and_a_rule(app):
    from tracker.permissions import rule_for

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ROUTES.keys() == set(), "add these routes to ROUTES with their roles"
    assert ROUTES.keys() - endpoints == set(), "these rows name routes that no longer exist"
    assert [e for e in endpoints if rule_for(app, e) is None] == []


def _request(client, method, url, api_token=None):
    headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
    if method == "GET":
        response = client.get(url, headers=headers)
    elif url.startswith("/api/"):
        response = client.open(url, method=method, json={}, headers=headers)
    else:
        response = client.submit(url, {})
    response.get_data()
    response.close()  # static files are streamed from an open file
    return response


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_routes(app, client, login_as, role):
    user = login_as(role)
    token = None
    if any(url.startswith("/api/") for _, url, _ in ROUTES.values()):
        from tracker import db
        from tracker.services.accounts import tokens, users

        with db.session_scope(app) as session:
            owner = users.get_user(session, user.id)
            _, token = tokens.create_token(session, owner=owner, name="table")
    outcomes = {}
    for endpoint, (method, url, allowed) in ROUTES.items():
        if endpoint == "auth.logout":
            continue  # signing out would end the rest of the walk; covered in test_auth
        response = _request(client, method, url.format(user_id=user.id), token)
        denied = response.status_code in (401, 403) or (
            response.status_code == 302 and "/login" in response.headers.get("Location", "")
        )
        expected_allowed = allowed == PUBLIC or role in allowed
        outcomes[endpoint] = (response.status_code, denied == expected_allowed)
    wrong = {endpoint: status for endpoint, (status, bad) in outcomes.items() if bad}
    assert wrong == {}, f"{role.value} got the wrong answer on these routes"


def test_strangers_are_sent_to_sign_in_or_get_401(client):
    for endpoint, (method, url, allowed) in ROUTES.items():
        if allowed == PUBLIC:
            continue
        response = _request(client, method, url.format(user_id=1))
        if url.startswith("/api/"):
            assert response.status_code == 401, endpoint
            assert response.is_json
        elif method == "GET":
            assert response.status_code == 302, endpoint
            assert "/login?next=" in response.headers["Location"]
        else:
            assert response.status_code in (302, 400), endpoint


def test_forbidden_page_is_friendly(client, login_as):
    login_as(Role.STAKEHOLDER)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert "Traceback" not in response.text


@pytest.mark.fresh_app
def test_a_route_without_a_rule_is_refused(make_app, database_url):
    app = make_app(database_url)

    @app.get("/forgotten")
    def forgotten() -> str:
        return "should never be served"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "should never be served" not in response.text
