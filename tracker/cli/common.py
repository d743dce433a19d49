"""Helpers every `tracker` command group shares: the running app and its settings, the database
check before long-running commands, and domain errors as click errors."""

from __future__ import annotations

import click
from flask import Flask, current_app

from tracker import db, migrate
from tracker.errors import DomainError


def current_flask_app() -> Flask:
    """The app behind the command's app context (for jobs that open their own sessions)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def fail(exc: DomainError) -> click.ClickException:
    """The error's sentence and its field messages, as one line for the terminal."""
    details = "; ".join(f"{name}: {text}" for name, text in exc.fields.items())
    return click.ClickException(f"{exc.message} {details}".strip())


def require_migrated() -> None:
    """Stop the command unless the database schema is at the newest migration."""
    if not migrate.is_up_to_date(db.engine()):
        raise click.ClickException(
            "The database schema is not up to date; run `tracker db upgrade`."
        )
