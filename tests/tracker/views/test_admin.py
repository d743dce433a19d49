"""Administrators manage people, roles and organisations from the web."""

from __future__ import annotations

from tracker import db
from tracker.models import Role
from tracker.services.accounts import users


def test_admin_adds_a_vendor_user_who_can_then_sign_in(app, client, login_as, make_organisation):
    login_as(Role.ADMIN)
    org = make_organisation(name="Northwind BPO")
    response = client.submit(
        "/admin/users",
        {
            "email": "Vera@Northwind.example",
            "display_name": "Vera",
            "role": "vendor",
            "organisation_id": str(org.id),
            "password": "a long vendor passphrase",
        },
    )
    assert response.status_code == 302
    listing = client.get("/admin/users").text
    assert "vera@northwind.example" in listing
    assert "Northwind BPO" in listing
    client.submit("/logout")
    assert client.login("vera@northwind.example", "a long vendor passphrase").status_code == 302


def test_vendor_without_organisation_is_refused_with_field_message(app, client, login_as):
    login_as(Role.ADMIN)
    response = client.submit(
        "/admin/users",
        {
            "email": "v@example.com",
            "display_name": "V",
            "role": "vendor",
            "organisation_id": "",
            "password": "a long vendor passphrase",
        },
    )
    assert response.status_code == 422
    assert "Choose the vendor organisation this person works for." in response.text
    with db.session_scope(app) as session:
        assert all(u.email != "v@example.com" for u in users.list_users(session))


def test_duplicate_email_and_weak_password_are_named(client, login_as, make_user):
    login_as(Role.ADMIN)
    existing = make_user(Role.SUBMITTER)
    response = client.submit(
        "/admin/users",
        {"email": existing.email, "display_name": "Dup", "role": "submitter", "password": "short"},
    )
    assert response.status_code == 422
    assert "Use at least 12 characters." in response.text


def test_admin_changes_role_and_deactivates(app, client, login_as, make_user):
    login_as(Role.ADMIN)
    user = make_user(Role.SUBMITTER)
    response = client.submit(
        f"/admin/users/{user.id}", {"role": "pm", "organisation_id": "", "is_active": "y"}
    )
    assert response.status_code == 302
    response = client.submit(f"/admin/users/{user.id}", {"role": "pm", "organisation_id": ""})
    assert response.status_code == 302
    with db.session_scope(app) as session:
        stored = users.get_user(session, user.id)
        assert stored.role is Role.PM
        assert stored.is_active is False


def test_admin_cannot_lock_themselves_out(app, client, login_as):
    admin = login_as(Role.ADMIN)
    response = client.submit(
        f"/admin/users/{admin.id}", {"role": "submitter", "organisation_id": "", "is_active": "y"}
    )
    assert response.status_code == 403
    assert "You cannot remove your own administrator role." in response.text
    assert client.get("/admin/users").status_code == 200


def test_unknown_user_is_404(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/admin/users/99999").status_code == 404


def test_organisations_page_adds_and_rejects_duplicates(client, login_as):
    login_as(Role.ADMIN)
    assert (
        client.submit(
            "/admin/organisations", {"name": "Contoso Trust", "is_vendor": "y"}
        ).status_code
        == 302
    )
    again = client.submit("/admin/organisations", {"name": "Contoso Trust", "is_vendor": "y"})
    assert again.status_code == 422
    assert "already exists" in again.text
