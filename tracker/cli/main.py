"""The `tracker` console command: Flask's CLI on an app built by `create_app`, which registers
every command group (tracker/cli/__init__.py)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from tracker import create_app
from tracker.cli.common import configure_logging
from tracker.config import ConfigError


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Initiative Tracker: ideas in, decisions, Jira stories out, status back."""
    configure_logging(ctx.invoked_subcommand)
