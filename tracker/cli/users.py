"""`tracker users` and `tracker orgs`: accounts and the organisations (vendors) they belong to."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from tracker import db
from tracker.cli.common import fail
from tracker.errors import DomainError
from tracker.models import Role
from tracker.services.accounts import users


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--organisation", "organisation_name", default=None, help="Vendor organisation name.")
@click.password_option(envvar="TRACKER_NEW_USER_PASSWORD")
@with_appcontext
def users_create(
    email: str, display_name: str, role: str, organisation_name: str | None, password: str
) -> None:
    """Create a user."""
    with db.session_scope() as session:
        organisation_id = None
        if organisation_name:
            matches = [o for o in users.list_organisations(session) if o.name == organisation_name]
            if not matches:
                raise click.ClickException(f"No organisation named '{organisation_name}'.")
            organisation_id = matches[0].id
        try:
            user = users.create_user(
                session,
                actor=None,
                email=email,
                display_name=display_name,
                password=password,
                role=role,
                organisation_id=organisation_id,
            )
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"Created {user.email} ({user.role.value}).")


@users_group.command("list")
@with_appcontext
def users_list() -> None:
    """List every user."""
    with db.session_scope() as session:
        for user in users.list_users(session):
            state = "active" if user.is_active else "deactivated"
            click.echo(f"{user.email:40} {user.role.value:12} {state}")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
@click.option("--organisation", "organisation_name", default=None)
@with_appcontext
def users_set_role(email: str, role: str, organisation_name: str | None) -> None:
    """Give EMAIL the ROLE."""
    with db.session_scope() as session:
        try:
            user = users.find_user_by_email(session, email)
            organisation_id = None
            if organisation_name:
                orgs = {o.name: o.id for o in users.list_organisations(session)}
                if organisation_name not in orgs:
                    raise click.ClickException(f"No organisation named '{organisation_name}'.")
                organisation_id = orgs[organisation_name]
            users.set_role(
                session, actor=None, user=user, role=role, organisation_id=organisation_id
            )
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"{user.email} is now {user.role.value}.")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """Stop EMAIL from signing in; their data and history stay."""
    with db.session_scope() as session:
        try:
            user = users.find_user_by_email(session, email)
            users.set_active(session, actor=None, user=user, active=False)
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"{user.email} is deactivated.")


@users_group.command("ensure-admin")
@click.option("--email", default="admin@example.com", show_default=True)
@with_appcontext
def users_ensure_admin(email: str) -> None:
    """Create the first admin if none exists (password: TRACKER_ADMIN_PASSWORD, else generated)."""
    with db.session_scope() as session:
        try:
            user, generated = users.ensure_admin(
                session, email=email, password=os.environ.get("TRACKER_ADMIN_PASSWORD") or None
            )
        except DomainError as exc:
            raise fail(exc) from None
    if generated:
        click.secho(
            f"Created admin {user.email} with password: {generated}\n"
            "It is shown only this once; change it under Account > Password.",
            fg="yellow",
        )
    else:
        click.echo(f"Admin account: {user.email}")


@click.group("orgs")
def orgs_group() -> None:
    """Manage organisations (vendors)."""


@orgs_group.command("create")
@click.argument("name")
@click.option("--internal", is_flag=True, help="Not a vendor.")
@with_appcontext
def orgs_create(name: str, internal: bool) -> None:
    """Create an organisation."""
    with db.session_scope() as session:
        try:
            users.create_organisation(session, name=name, is_vendor=not internal)
        except DomainError as exc:
            raise fail(exc) from None
    click.echo(f"Created organisation {name}.")
