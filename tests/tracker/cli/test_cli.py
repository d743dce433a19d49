"""The `tracker` command: users, organisations, the first admin, check-config and db current."""

from __future__ import annotations

import json
import re

from tests.helpers.accounts import PASSWORD
from tests.helpers.settings import TEST_SECRET
from tracker import db, migrate
from tracker.models import Organisation, Role, User
from tracker.services.accounts import users


def create_user(tracker, email: str, role: str = "submitter", *extra: str, expect: int = 0):
    return tracker(
        "users", "create", "--email", email, "--name", "Pat Example", "--role", role,
        "--password", PASSWORD, *extra, expect=expect,
    )  # fmt: skip


def listed(tracker) -> dict[str, list[str]]:
    """`users list` as email -> [role, state] (the role as `--role` takes it)."""
    lines = tracker("users", "list").output.splitlines()
    if lines[0].startswith("No users yet"):
        return {}
    roles = {role.label: role.value for role in Role}
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[1:] if line.strip()]
    return {
        email: [roles[label], "active" if active == "yes" else "deactivated"]
        for _name, email, label, _organisation, active in rows
    }


def stored_user(app, email: str) -> User:
    with db.session_scope(app) as session:
        return users.find_user_by_email(session, email)


# --- users and organisations --------------------------------------------------------------------


def test_users_create_with_password_option_then_list(tracker, client):
    result = create_user(tracker, "Pat@Example.com", "pm")
    assert "Created pat@example.com (pm)." in result.output
    assert listed(tracker) == {"pat@example.com": ["pm", "active"]}
    assert client.login("pat@example.com").status_code == 302


def test_users_create_prompts_for_the_password_twice(tracker, client, monkeypatch):
    monkeypatch.setattr("tracker.cli.users._interactive", lambda: True)
    result = tracker(
        "users", "create", "--email", "sam@example.com", "--name", "Sam", "--role", "submitter",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert "Created sam@example.com (submitter)." in result.output
    assert PASSWORD not in result.output  # the prompt does not echo it
    assert client.login("sam@example.com").status_code == 302


def test_users_create_refuses_a_weak_password(tracker):
    result = tracker(
        "users", "create", "--email", "weak@example.com", "--name", "Weak", "--role", "pm",
        "--password", "short", expect=1,
    )  # fmt: skip
    assert "password" in result.output
    assert "12 characters" in result.output
    assert "weak@example.com" not in listed(tracker)


def test_users_create_refuses_a_taken_email(tracker):
    create_user(tracker, "pat@example.com")
    result = create_user(tracker, "PAT@example.com", "pm", expect=1)
    assert "already in use" in result.output
    assert listed(tracker) == {"pat@example.com": ["submitter", "active"]}


def test_users_set_role(app, tracker):
    create_user(tracker, "pat@example.com")
    result = tracker("users", "set-role", "pat@example.com", "stakeholder")
    assert "pat@example.com is now stakeholder." in result.output
    assert listed(tracker)["pat@example.com"] == ["stakeholder", "active"]
    assert stored_user(app, "pat@example.com").role is Role.STAKEHOLDER


def test_users_set_role_of_unknown_user_fails(tracker):
    result = tracker("users", "set-role", "ghost@example.com", "pm", expect=1)
    assert "No user with email ghost@example.com" in result.output


def test_vendor_without_organisation_is_refused(tracker):
    result = create_user(tracker, "vera@example.com", "vendor", expect=1)
    assert "vendor organisation" in result.output
    assert "organisation_id" in result.output
    assert "vera@example.com" not in listed(tracker)


def test_vendor_in_an_organisation(app, tracker):
    assert (
        "Created organisation Acme Moderation."
        in tracker("orgs", "create", "Acme Moderation").output
    )
    result = create_user(tracker, "vera@example.com", "vendor", "--organisation", "Acme Moderation")
    assert "Created vera@example.com (vendor)." in result.output
    with db.session_scope(app) as session:
        user = users.find_user_by_email(session, "vera@example.com")
        organisation = session.get(Organisation, user.organisation_id)
        assert organisation is not None
        assert organisation.name == "Acme Moderation"


def test_vendor_in_an_unknown_or_internal_organisation_is_refused(tracker):
    missing = create_user(
        tracker, "vera@example.com", "vendor", "--organisation", "Nobody", expect=1
    )
    assert "No organisation named 'Nobody'." in missing.output
    tracker("orgs", "create", "--internal", "Head Office")
    internal = create_user(
        tracker, "vera@example.com", "vendor", "--organisation", "Head Office", expect=1
    )
    assert "Head Office is not a vendor organisation." in internal.output
    assert "vera@example.com" not in listed(tracker)


def test_set_role_to_vendor_needs_the_organisation(app, tracker):
    create_user(tracker, "pat@example.com")
    refused = tracker("users", "set-role", "pat@example.com", "vendor", expect=1)
    assert "vendor organisation" in refused.output
    tracker("orgs", "create", "Acme Moderation")
    tracker("users", "set-role", "pat@example.com", "vendor", "--organisation", "Acme Moderation")
    assert listed(tracker)["pat@example.com"] == ["vendor", "active"]


def test_orgs_create_refuses_a_duplicate(tracker):
    tracker("orgs", "create", "Acme Moderation")
    result = tracker("orgs", "create", "Acme Moderation", expect=1)
    assert "'Acme Moderation' already exists." in result.output


def test_deactivated_user_cannot_sign_in(tracker, client):
    create_user(tracker, "pat@example.com")
    assert client.login("pat@example.com").status_code == 302
    assert (
        "pat@example.com is deactivated."
        in tracker("users", "deactivate", "pat@example.com").output
    )
    assert listed(tracker)["pat@example.com"] == ["submitter", "deactivated"]
    assert client.get("/").status_code == 302  # the open session ends too
    refused = client.login("pat@example.com")
    assert refused.status_code == 401
    assert "Email or password is wrong." in refused.text


def test_the_last_admin_cannot_be_deactivated(tracker):
    create_user(tracker, "root@example.com", "admin")
    result = tracker("users", "deactivate", "root@example.com", expect=1)
    assert "last active administrator" in result.output
    assert listed(tracker)["root@example.com"] == ["admin", "active"]


# --- the first admin ----------------------------------------------------------------------------


def test_ensure_admin_generates_a_password_once(tracker, client):
    first = tracker("users", "ensure-admin")
    found = re.search(r"Created admin admin@example\.com with password: (\S+)", first.output)
    assert found, first.output
    password = found.group(1)
    assert len(password) >= 12
    second = tracker("users", "ensure-admin")
    assert "Admin account: admin@example.com" in second.output
    assert password not in second.output
    assert "password" not in second.output
    assert listed(tracker) == {"admin@example.com": ["admin", "active"]}
    assert client.login("admin@example.com", password).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_ensure_admin_leaves_an_existing_admin_alone(tracker):
    create_user(tracker, "root@example.com", "admin")
    result = tracker("users", "ensure-admin", "--email", "other@example.com")
    assert "Admin account: root@example.com" in result.output
    assert "other@example.com" not in listed(tracker)


def test_ensure_admin_uses_tracker_admin_password(tracker, client, monkeypatch):
    chosen = "the admin chose this passphrase"
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", chosen)
    result = tracker("users", "ensure-admin", "--email", "boss@example.com")
    assert chosen not in result.output
    assert "with password" not in result.output
    assert listed(tracker) == {"boss@example.com": ["admin", "active"]}
    assert client.login("boss@example.com", chosen).status_code == 302


def test_ensure_admin_refuses_a_weak_tracker_admin_password(tracker, monkeypatch):
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "short")
    result = tracker("users", "ensure-admin", expect=1)
    assert "12 characters" in result.output
    assert listed(tracker) == {}


# --- config and database ------------------------------------------------------------------------


def test_check_config_masks_every_secret(make_app, database_url):
    jira_token, pat, smtp_password = (
        "jira-token-5a4b3c2d1e",
        "jira-pat-0f1e2d3c4b",
        "smtp-pw-6e5d4c",
    )
    app = make_app(
        database_url,
        jira={
            "base_url": "https://example.atlassian.net",
            "project_key": "OPS",
            "api_token": jira_token,
            "personal_access_token": pat,
        },
        smtp={"host": "smtp.example.com", "password": smtp_password},
    )
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    for secret in (TEST_SECRET, jira_token, pat, smtp_password):
        assert secret not in result.output
    shown = json.loads(result.output)
    assert shown["secret_key"] == "********"
    assert shown["jira"]["api_token"] == "********"
    assert shown["smtp"]["password"] == "********"
    assert shown["jira"]["project_key"] == "OPS"
    assert shown["env"] == "testing"


def test_db_current_says_up_to_date(app, tracker):
    head = migrate.head_revision(db.engine(app))
    result = tracker("db", "current")
    assert f"current: {head}  head: {head}" in result.output
    assert "(up to date)" in result.output
