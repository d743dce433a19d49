"""The `tracker` command: Flask's CLI plus database, user, config, server and scheduler commands."""

from __future__ import annotations

import json
import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from tracker import db, migrate
from tracker.cli.common import current_flask_app, fail, require_migrated
from tracker.config import ConfigError, current_settings, masked
from tracker.errors import DomainError
from tracker.models import Role
from tracker.services.accounts import users


def _create_app() -> Flask:
    from tracker import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Initiative Tracker: ideas in, decisions, Jira stories out, status back."""


def register(app: Flask) -> None:
    # Imported when an app is built, not with this module: they pull in sync/ and the services.
    from tracker.cli.digests import digest_group
    from tracker.cli.jira import jira_group
    from tracker.cli.status_sync import sync_group

    for command in (db_group, users_group, orgs_group, demo_group, check_config, serve, scheduler):
        app.cli.add_command(command)
    app.cli.add_command(jira_group)
    app.cli.add_command(digest_group)
    app.cli.add_command(sync_group)


# --- database -----------------------------------------------------------------------------------


@click.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(db.engine(), revision)
    click.echo(f"Database is at revision {migrate.current_revision(db.engine())}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ("base" empties the database)."""
    migrate.downgrade(db.engine(), revision)
    click.echo(f"Database is at revision {migrate.current_revision(db.engine()) or 'base'}.")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the applied and the newest revision."""
    engine = db.engine()
    current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    state = "up to date" if current == head else "upgrade needed: run `tracker db upgrade`"
    click.echo(f"current: {current or 'none'}  head: {head}  ({state})")


# --- users and organisations --------------------------------------------------------------------


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


@click.group("demo")
def demo_group() -> None:
    """Demo data for a first look at the product."""


@demo_group.command("load")
@with_appcontext
def demo_load() -> None:
    """Load about 60 ideas from agents and two vendors, with votes, comments and decisions."""
    from tracker import demo

    with db.session_scope() as session:
        summary = demo.load(session, settings=current_settings())
    if not summary.created:
        click.echo("Demo data is already loaded.")
        return
    click.echo(
        f"Loaded {summary.suggestions} ideas, {summary.votes} votes, {summary.comments} "
        f"comments, two initiatives and story drafts from {summary.users} people; "
        f"{summary.pushed} stories in a placeholder Jira ({summary.delivered} ideas delivered) "
        f"and {summary.digests} digests of last week. "
        "Sign in as priya.pm@example.com (PM), "
        f"agent1@example.com (agent), ana@northwind.example (vendor) or dana.lead@example.com "
        f"(stakeholder) with the password '{demo.DEMO_PASSWORD}'."
    )


# --- config, server, scheduler ------------------------------------------------------------------


@click.command("check-config")
@with_appcontext
def check_config() -> None:
    """Validate the configuration and print it with secrets masked."""
    click.echo(json.dumps(masked(current_settings()), indent=2, default=str))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True)
@with_appcontext
def serve(host: str, port: int, with_scheduler: bool) -> None:
    """Development server with the scheduler in the same process. Production uses gunicorn."""
    from sync.jobs.scheduler import build_scheduler

    app = current_flask_app()
    require_migrated()
    scheduler = None
    if with_scheduler and app.config["SETTINGS"].scheduler.enabled:
        scheduler = build_scheduler(app, blocking=False)
        scheduler.start()
    click.echo(f"Serving Initiative Tracker on http://{host}:{port}/ (Ctrl+C stops)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the scheduled jobs in the foreground (one such process per deployment)."""
    from sync.jobs.scheduler import build_scheduler

    app = current_flask_app()
    require_migrated()
    click.echo("Scheduler running (Ctrl+C stops).")
    try:
        build_scheduler(app, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        sys.exit(0)
