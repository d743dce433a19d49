"""Personal API tokens: shown once, stored hashed, revocable, acting with the owner's role."""

from __future__ import annotations

import re

from sqlmodel import select

from tracker import db
from tracker.models import ApiToken, Role
from tracker.services.accounts import users


def _create_token(client, name="script"):
    response = client.submit("/account/tokens", {"name": name})
    assert response.status_code == 200
    match = re.search(r'<code class="secret" id="new-token">(trk_[^<]+)</code>', response.text)
    assert match, "the new token is shown"
    return match.group(1)


def test_token_is_shown_once_and_stored_hashed(app, client, login_as):
    login_as(Role.VENDOR)
    token = _create_token(client)
    assert token not in client.get("/account/tokens").text
    with db.session_scope(app) as session:
        stored = session.exec(select(ApiToken)).one()
        assert stored.token_hash != token
        assert token not in stored.token_hash
        assert stored.prefix == token[:12]


def test_api_accepts_the_token_and_acts_as_its_owner(client, login_as):
    user = login_as(Role.STAKEHOLDER)
    token = _create_token(client)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == user.email
    assert body["role"] == "stakeholder"


def test_api_ignores_the_session_cookie(client, login_as):
    login_as(Role.PM)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"].startswith("Send a valid API token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_and_malformed_tokens_are_refused(client):
    for header in ("Bearer trk_not-a-real-token", "Bearer ", "Basic abc", "trk_x"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_revoked_token_stops_working(app, client, login_as):
    login_as(Role.SUBMITTER)
    token = _create_token(client)
    with db.session_scope(app) as session:
        token_id = session.exec(select(ApiToken.id)).one()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoke = client.submit(f"/account/tokens/{token_id}/revoke")
    assert revoke.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "revoked" in client.get("/account/tokens").text


def test_cannot_revoke_someone_elses_token(app, client, login_as, make_user):
    other = make_user(Role.SUBMITTER)
    from tracker.services.accounts import tokens

    with db.session_scope(app) as session:
        owner = users.get_user(session, other.id)
        token, plaintext = tokens.create_token(session, owner=owner, name="theirs")
        token_id = token.id
    login_as(Role.SUBMITTER)
    assert client.submit(f"/account/tokens/{token_id}/revoke").status_code == 403
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code
        == 200
    )


def test_token_of_deactivated_user_stops_working(app, client, login_as):
    user = login_as(Role.SUBMITTER)
    token = _create_token(client)
    with db.session_scope(app) as session:
        users.set_active(session, actor=None, user=users.get_user(session, user.id), active=False)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_name_is_required(client, login_as):
    login_as(Role.SUBMITTER)
    response = client.submit("/account/tokens", {"name": "  "})
    assert response.status_code == 422
    assert "trk_" not in response.text


def test_openapi_documents_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi_document":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is missing from openapi.json"
    me = document["paths"]["/me"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/UserPublic"
    )
    assert "UserPublic" in document["components"]["schemas"]
