"""The `tracker` command's groups, a module each; `create_app` registers them on `app.cli`.

The console entry point itself is tracker/cli/main.py, the one module that builds an app.
"""

from __future__ import annotations

import click
from flask import Flask

from tracker.cli.benefits import benefits_group
from tracker.cli.database import db_group
from tracker.cli.demo import demo_group
from tracker.cli.digests import digest_group
from tracker.cli.jira import jira_group
from tracker.cli.kpis import kpis_group
from tracker.cli.queues import queues_group
from tracker.cli.server import check_config, scheduler, serve
from tracker.cli.status_sync import sync_group
from tracker.cli.users import orgs_group, users_group

__all__ = ["COMMANDS", "register"]

COMMANDS: tuple[click.Command, ...] = (
    db_group,
    users_group,
    orgs_group,
    demo_group,
    check_config,
    serve,
    scheduler,
    jira_group,
    digest_group,
    sync_group,
    queues_group,
    kpis_group,
    benefits_group,
)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
