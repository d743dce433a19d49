"""`tracker check-config`, `tracker serve` and `tracker scheduler`: the configuration, the
development server and the process that runs the scheduled jobs."""

from __future__ import annotations

import errno
import json
import socket
import sys

import click
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from sync.jobs import scheduler as schedule
from tracker.cli.common import current_flask_app, require_migrated
from tracker.cli.users import DEFAULT_ADMIN_EMAIL, FirstAdmin, ensure_first_admin
from tracker.config import current_settings, masked


@click.command("check-config")
@with_appcontext
def check_config() -> None:
    """Validate the configuration and print it with secrets masked."""
    click.echo(json.dumps(masked(current_settings()), indent=2, default=str))


def _port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, as one sentence; None when it can.

    Werkzeug would print "Address already in use" and exit after our "Serving on" line and
    the scheduler's start; a trial bind first stops before either. SO_REUSEADDR as werkzeug
    sets it, so a port left in TIME_WAIT by the last run is not reported busy."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except (OSError, UnicodeError):
        return f"Cannot find the address {host!r} to listen on; try --host 127.0.0.1."
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                other = port + 1 if port < 65535 else 5001
                return (
                    f"Port {port} on {host} is in use; run `make run PORT={other}` "
                    f"(or `tracker serve --port {other}`)."
                )
            return f"Cannot listen on port {port} on {host}: {exc.strerror or exc}."
    return None


def _summary(url: str, admin: FirstAdmin | None) -> str:
    """The box `tracker serve` ends its start-up with: where to go and how to sign in."""
    lines = [f"Initiative Tracker: {url}"]
    if admin is not None:
        lines.append(f"Admin: {admin.email}")
        if admin.generated:
            lines.append(f"Password: {admin.generated}")
            lines.append("(shown only this once; change it under Account > Password)")
        else:
            lines.append(f"Password: as set; `tracker users set-password {admin.email}` resets it")
    lines.append("Ctrl+C stops the server.")
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True)
@click.option(
    "--ensure-admin",
    is_flag=True,
    help="Create the first admin if none exists (as `tracker users ensure-admin`) and show it.",
)
@with_appcontext
def serve(host: str, port: int, with_scheduler: bool, ensure_admin: bool) -> None:
    """Development server with the scheduler in the same process. Production uses gunicorn."""
    app = current_flask_app()
    require_migrated()
    if problem := _port_problem(host, port):
        raise click.ClickException(problem)
    # After the port check: a password generated for a server that never starts is lost.
    admin = ensure_first_admin(DEFAULT_ADMIN_EMAIL) if ensure_admin else None
    scheduler = None
    if with_scheduler and app.config["SETTINGS"].scheduler.enabled:
        scheduler = schedule.build_scheduler(app, blocking=False)
        scheduler.start()
    # Last, so the scheduler's start-up lines do not bury it.
    shown_host = f"[{host}]" if ":" in host else host
    click.secho(_summary(f"http://{shown_host}:{port}/", admin), fg="green", bold=True)
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
