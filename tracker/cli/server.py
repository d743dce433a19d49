"""`tracker check-config`, `tracker serve` and `tracker scheduler`: the configuration, the
development server and the process that runs the scheduled jobs."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from sync.jobs import scheduler as schedule
from tracker.cli.common import current_flask_app, require_migrated
from tracker.config import current_settings, masked


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
    app = current_flask_app()
    require_migrated()
    scheduler = None
    if with_scheduler and app.config["SETTINGS"].scheduler.enabled:
        scheduler = schedule.build_scheduler(app, blocking=False)
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
    app = current_flask_app()
    require_migrated()
    click.echo("Scheduler running (Ctrl+C stops).")
    try:
        schedule.build_scheduler(app, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        sys.exit(0)
