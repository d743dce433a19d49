"""`tracker users set-password`, `users create` without a terminal and what `users list` shows."""

from __future__ import annotations

import pytest

from tests.helpers.accounts import PASSWORD
from tracker import db
from tracker.models import Role
from tracker.services.accounts import users

NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands act as if a person typed at a terminal (the runner's stdin is no tty)."""
    monkeypatch.setattr("tracker.cli.users._interactive", lambda: True)


# --- set-password -------------------------------------------------------------------------------


def test_set_password_with_the_option_ends_the_persons_sessions(tracker, client, login_as):
    pat = login_as(Role.PM)
    assert client.get("/").status_code == 200
    result = tracker("users", "set-password", pat.email.upper(), "--password", NEW_PASSWORD)
    assert f"New password set for {pat.email}" in result.output
    assert NEW_PASSWORD not in result.output
    # The browser signed in before is signed out, as after a password change.
    assert client.get("/").status_code == 302
    assert client.login(pat.email, PASSWORD).status_code != 302
    assert client.login(pat.email, NEW_PASSWORD).status_code == 302


def test_set_password_reads_the_environment(tracker, client, make_user, monkeypatch):
    sam = make_user(Role.SUBMITTER)
    monkeypatch.setenv("TRACKER_NEW_USER_PASSWORD", NEW_PASSWORD)
    tracker("users", "set-password", sam.email)
    assert client.login(sam.email, NEW_PASSWORD).status_code == 302


def test_set_password_asks_twice_on_a_terminal(tracker, client, make_user, terminal):
    sam = make_user(Role.STAKEHOLDER)
    result = tracker("users", "set-password", sam.email, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.output.count("Password") == 1
    assert "Repeat for confirmation" in result.output
    assert NEW_PASSWORD not in result.output  # not echoed
    assert client.login(sam.email, NEW_PASSWORD).status_code == 302


def test_set_password_without_a_terminal_says_what_to_pass(tracker, make_user):
    sam = make_user(Role.SUBMITTER)
    result = tracker("users", "set-password", sam.email, expect=1)
    assert result.output.strip() == (
        "Error: No terminal to ask for the password on; "
        "pass --password or set TRACKER_NEW_USER_PASSWORD."
    )


def test_set_password_follows_the_password_rules(tracker, client, make_user):
    sam = make_user(Role.SUBMITTER)
    result = tracker("users", "set-password", sam.email, "--password", "short", expect=1)
    assert "12 characters" in result.output
    assert client.login(sam.email, PASSWORD).status_code == 302  # unchanged


def test_set_password_for_an_unknown_email(tracker):
    result = tracker(
        "users", "set-password", "ghost@example.com", "--password", NEW_PASSWORD, expect=1
    )
    assert "No user with email ghost@example.com." in result.output


def test_set_password_lifts_the_sign_in_lock(app, tracker, client, make_user):
    sam = make_user(Role.SUBMITTER)
    for _ in range(12):
        client.login(sam.email, "not the password at all")
    assert client.login(sam.email, PASSWORD).status_code != 302  # locked
    tracker("users", "set-password", sam.email, "--password", NEW_PASSWORD)
    assert client.login(sam.email, NEW_PASSWORD).status_code == 302


# --- create without a terminal ------------------------------------------------------------------


def test_create_without_a_terminal_or_password_says_what_to_pass(app, tracker):
    result = tracker(
        "users", "create", "--email", "ci@example.com", "--name", "CI", "--role", "pm", expect=1
    )
    assert result.output.strip() == (
        "Error: No terminal to ask for the password on; "
        "pass --password or set TRACKER_NEW_USER_PASSWORD."
    )
    assert "Aborted" not in result.output
    assert "GetPassWarning" not in result.output
    with db.session_scope(app) as session:
        assert list(users.list_users(session)) == []


def test_create_reads_the_password_from_the_environment(tracker, client, monkeypatch):
    monkeypatch.setenv("TRACKER_NEW_USER_PASSWORD", NEW_PASSWORD)
    tracker("users", "create", "--email", "ci@example.com", "--name", "CI", "--role", "pm")
    assert client.login("ci@example.com", NEW_PASSWORD).status_code == 302


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_name_email_role_organisation_and_active(app, tracker, make_user):
    make_user(Role.PM, display_name="Dana Okafor", email="dana@example.com")
    vendor = make_user(Role.VENDOR, display_name="Vic Vendor", email="vic@example.com")
    with db.session_scope(app) as session:
        users.set_active(session, actor=None, user=users.get_user(session, vendor.id), active=False)
    lines = tracker("users", "list").output.splitlines()
    assert lines[0].split() == ["Name", "Email", "Role", "Organisation", "Active"]
    rows = {line.split("  ")[0]: " ".join(line.split()) for line in lines[1:]}
    assert rows["Dana Okafor"] == "Dana Okafor dana@example.com Product manager - yes"
    assert rows["Vic Vendor"].startswith("Vic Vendor vic@example.com Vendor staff Vendor ")
    assert rows["Vic Vendor"].endswith(" no")
    # The columns line up: each header starts where its values do.
    role_at = lines[0].index("Role")
    assert all(line[role_at:].startswith(("Product", "Vendor")) for line in lines[1:])


def test_list_with_no_users(tracker):
    assert "No users yet" in tracker("users", "list").output
