"""Lockout per email and address, the same answers for real and unknown accounts, and the
per-address limits on sign-in attempts and API token use (429 with Retry-After)."""

from __future__ import annotations

import re

import pytest

from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.client import TrackerClient
from tests.helpers.settings import settings_for
from tracker import create_app, db
from tracker.auth import THROTTLED
from tracker.config import ConfigError, load_settings
from tracker.services.accounts import passwords, sign_in, tokens, users

WRONG = "wrong password guess"


def refusal(text: str) -> str:
    """The error shown under the password field."""
    match = re.search(r'<p class="error"[^>]*>(.*?)</p>', text, re.S) or re.search(
        r"(Too many[^<]*|Email or password[^<]*)", text
    )
    assert match, text
    return match.group(1).strip()


def test_the_lockout_answer_is_the_same_for_real_and_unknown_accounts(browser, make_user):
    user = make_user()
    real, unknown = browser("192.0.2.1"), browser("192.0.2.2")
    for _ in range(5):
        wrong_real = real.login(user.email, WRONG)
        wrong_unknown = unknown.login("nobody@example.com", WRONG)
        assert wrong_real.status_code == wrong_unknown.status_code == 401
        assert refusal(wrong_real.text) == refusal(wrong_unknown.text)
    locked_real = real.login(user.email, WRONG)
    locked_unknown = unknown.login("nobody@example.com", WRONG)
    assert locked_real.status_code == locked_unknown.status_code == 429
    assert "Too many failed sign-ins" in locked_real.text
    assert refusal(locked_real.text) == refusal(locked_unknown.text)
    assert locked_real.headers["Retry-After"] == locked_unknown.headers["Retry-After"]
    # Even the right password is refused while locked, and says no more.
    assert real.login(user.email).status_code == 429


def test_a_locked_account_still_signs_in_from_another_address(browser, make_user):
    user = make_user()
    attacker, owner = browser("203.0.113.66"), browser("198.51.100.20")
    for _ in range(5):
        attacker.login(user.email, WRONG)
    assert attacker.login(user.email).status_code == 429
    assert owner.login(user.email).status_code == 302
    assert owner.get("/").status_code == 200


def test_reactivating_lifts_the_locks(app, browser, make_user):
    user = make_user()
    client = browser("203.0.113.66")
    for _ in range(5):
        client.login(user.email, WRONG)
    with db.session_scope(app) as session:
        stored = users.get_user(session, user.id)
        users.set_active(session, actor=None, user=stored, active=False)
        users.set_active(session, actor=None, user=stored, active=True)
    assert client.login(user.email).status_code == 302


def test_sign_in_attempts_are_limited_per_address(make_app, database_url):
    app = make_app(database_url, security={"login_rate_limit": "3 per minute"})
    app.test_client_class = TrackerClient
    noisy, quiet = app.test_client(), app.test_client()
    noisy.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    quiet.environ_base["REMOTE_ADDR"] = "203.0.113.6"
    for number in range(3):
        assert noisy.login(f"guess{number}@example.com", WRONG).status_code == 401
    throttled = noisy.login("someone@example.com", WRONG)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 61
    assert THROTTLED in throttled.text
    assert "someone@example.com" not in throttled.text
    assert noisy.get("/login").status_code == 200  # only attempts count, not the page
    assert quiet.login("someone@example.com", WRONG).status_code == 401


def test_an_empty_limit_switches_it_off(make_app, database_url):
    app = make_app(database_url, security={"login_rate_limit": ""})
    app.test_client_class = TrackerClient
    client = app.test_client()
    for number in range(25):
        assert client.login(f"guess{number}@example.com", WRONG).status_code == 401


def test_api_token_use_is_limited_per_address(make_app, database_url):
    app = make_app(database_url, security={"api_rate_limit": "2 per minute"})
    owner = user_factory(app, organisation_factory(app))("pm")
    with db.session_scope(app) as session:
        _, plaintext = tokens.create_token(session, owner=owner, name="script")
    good = {"Authorization": f"Bearer {plaintext}"}
    client, elsewhere = app.test_client(), app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert client.get("/api/v1/suggestions", headers=good).status_code == 200
    bad = {"Authorization": "Bearer trk_not-a-real-token"}
    assert client.get("/api/v1/suggestions", headers=bad).status_code == 401  # counted too
    throttled = client.get("/api/v1/suggestions", headers=good)
    assert throttled.status_code == 429
    assert throttled.is_json
    assert throttled.json == {"error": THROTTLED}
    assert 0 < int(throttled.headers["Retry-After"]) <= 61
    assert client.get("/api/v1/suggestions").status_code == 401  # no token: not counted
    assert elsewhere.get("/api/v1/suggestions", headers=good).status_code == 200


def test_a_trusted_proxy_supplies_the_address(make_app, database_url):
    app = make_app(database_url, security={"trusted_proxies": 1})
    app.test_client_class = TrackerClient
    client = app.test_client()
    user = user_factory(app, organisation_factory(app))()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "1.2.3.4, 203.0.113.9"
    for _ in range(5):
        client.login(user.email, WRONG)
    assert client.login(user.email).status_code == 429
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "1.2.3.4, 203.0.113.10"
    assert client.login(user.email).status_code == 302


def test_limits_and_their_storage_are_checked_at_start_up(sqlite_url, tmp_path):
    with pytest.raises(ConfigError, match=r"security\.login_rate_limit"):
        load_settings(tmp_path, settings_for(sqlite_url, security={"login_rate_limit": "often"}))
    with pytest.raises(ConfigError, match=r"'security\.rate_limit_storage_uri'"):
        create_app(
            settings_for(sqlite_url, security={"rate_limit_storage_uri": "carrier-pigeon://x"}),
            instance_path=tmp_path / "instance",
        )


def test_unknown_emails_and_locked_pairs_still_cost_a_password_check(app, make_user, monkeypatch):
    user = make_user()
    checked: list[str | None] = []
    real_verify = passwords.verify_password

    def spy(password_hash: str | None, password: str) -> bool:
        checked.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    policy = sign_in.LockoutPolicy(max_failures=1)
    with db.session_scope(app) as session:
        for email in ("nobody@example.com", user.email):
            for _ in range(2):  # a failure, then refused while locked
                with pytest.raises(sign_in.LoginFailed):
                    sign_in.authenticate(
                        session, email=email, password=WRONG, address="192.0.2.1", policy=policy
                    )
    assert checked == [None, None, user.password_hash, user.password_hash]
