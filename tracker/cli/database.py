"""`tracker db`: schema migrations (Alembic)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker import db, migrate


@click.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    for note in migrate.upgrade(db.engine(), revision):
        click.echo(note)
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
