"""`tracker users` and `tracker orgs`: accounts and the organisations (vendors) they belong to."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click
from flask.cli import with_appcontext

from tracker import db
from tracker.cli.common import fail
from tracker.errors import DomainError
from tracker.models import Role
from tracker.services.accounts import users

# Without a terminal (a script, CI) click would still prompt: getpass warns it cannot hide the
# input, reads end-of-file and ends with a bare "Aborted!". Such callers pass the password.
_PASSWORD = click.option(
    "--password",
    envvar="TRACKER_NEW_USER_PASSWORD",
    default=None,
    help="The password (else env TRACKER_NEW_USER_PASSWORD, else asked twice on a terminal).",
)
_NO_TERMINAL = (
    "No terminal to ask for the password on; pass --password or set TRACKER_NEW_USER_PASSWORD."
)


def _interactive() -> bool:
    """Whether a person can answer a prompt (stdin is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


def _ask_password() -> str:
    """The password typed twice, hidden; a ClickException when no terminal can ask."""
    if not _interactive():
        raise click.ClickException(_NO_TERMINAL)
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--organisation", "organisation_name", default=None, help="Vendor organisation name.")
@_PASSWORD
@with_appcontext
def users_create(
    email: str, display_name: str, role: str, organisation_name: str | None, password: str | None
) -> None:
    """Create a user (asks for the password on a terminal)."""
    password = password or _ask_password()
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
    """List every user: name, email, role, organisation and whether they may sign in."""
    with db.session_scope() as session:
        organisations = {o.id: o.name for o in users.list_organisations(session)}
        rows = [
            (
                user.display_name,
                user.email,
                user.role.label,
                organisations.get(user.organisation_id, "-"),
                "yes" if user.is_active else "no",
            )
            for user in users.list_users(session)
        ]
    if not rows:
        click.echo("No users yet; `tracker users create` adds one.")
        return
    header = ("Name", "Email", "Role", "Organisation", "Active")
    # Columns two spaces apart at least, so a name with one space inside stays one column.
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))


@users_group.command("set-password")
@click.argument("email")
@_PASSWORD
@with_appcontext
def users_set_password(email: str, password: str | None) -> None:
    """Set EMAIL's password (asked twice on a terminal); their sessions end."""
    with db.session_scope() as session:
        try:
            user = users.find_user_by_email(session, email)
            users.set_password(session, user=user, new=password or _ask_password())
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"New password set for {user.email}; they sign in again everywhere.")


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


DEFAULT_ADMIN_EMAIL = "admin@example.com"


@dataclass(frozen=True)
class FirstAdmin:
    """The admin `ensure_first_admin` found or made, and the password when one was generated."""

    email: str
    generated: str | None


def ensure_first_admin(email: str) -> FirstAdmin:
    """Create the first admin unless an active one exists (password: TRACKER_ADMIN_PASSWORD,
    else generated); a ClickException when the chosen password breaks the rules."""
    chosen = os.environ.get("TRACKER_ADMIN_PASSWORD") or None
    with db.session_scope() as session:
        try:
            user, generated = users.ensure_admin(session, email=email, password=chosen)
        except DomainError as exc:
            raise fail(exc) from None
        return FirstAdmin(email=user.email, generated=generated)


@users_group.command("ensure-admin")
@click.option("--email", default=DEFAULT_ADMIN_EMAIL, show_default=True)
@with_appcontext
def users_ensure_admin(email: str) -> None:
    """Create the first admin if none exists (password: TRACKER_ADMIN_PASSWORD, else generated)."""
    admin = ensure_first_admin(email)
    if admin.generated:
        click.secho(
            f"Created admin {admin.email} with password: {admin.generated}\n"
            "It is shown only this once; change it under Account > Password.",
            fg="yellow",
        )
    else:
        click.echo(f"Admin account: {admin.email}")


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
