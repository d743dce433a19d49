"""Helpers every `tracker` command group shares: the running app and its settings, the database
check before long-running commands, domain errors as click errors, and how commands log."""

from __future__ import annotations

import logging
import sys

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


# Commands that run a service in the foreground and log like one, at the configured level.
SERVICE_COMMANDS = frozenset({"serve", "scheduler", "run"})


def configure_logging(command: str | None) -> None:
    """A one-shot command (`tracker jira push`, `tracker sync now`, ...) prints its results on
    stdout; its logging says only warnings and errors, on stderr, so INFO lines never break
    into what it prints. The services (`serve`, `scheduler`) log at the configured level.

    Works whether or not the app was built already: without a handler yet, the stderr one
    added here makes create_app's logging.basicConfig a no-op."""
    if command in SERVICE_COMMANDS:
        return
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
