"""`tracker benefits measure`: measure delivered ideas now (the scheduler's `benefits` job).

It takes the job's lease, so it never runs beside the scheduler's pass.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from sync.jobs.benefits import BENEFIT_JOB, refresh_due
from sync.jobs.owners import process_owner
from tracker import db
from tracker.cli.common import current_flask_app, require_migrated
from tracker.config import current_settings
from tracker.services import leases


@click.group("benefits")
def benefits_group() -> None:
    """What delivered ideas really saved, measured from their queues' KPIs."""


@benefits_group.command("measure")
@click.option("--all", "everything", is_flag=True, help="Every delivered idea, not only those due.")
@with_appcontext
def benefits_measure(everything: bool) -> None:
    """Measure the delivered ideas that are due now (new, stale, or waiting since yesterday);
    with --all, every delivered idea."""
    require_migrated()
    app = current_flask_app()
    owner = process_owner("cli")
    lease = timedelta(seconds=current_settings().scheduler.lease_seconds)
    with db.session_scope(app) as session:
        if not leases.acquire(session, name=BENEFIT_JOB, owner=owner, lease=lease):
            raise click.ClickException(
                "Measurements are being refreshed elsewhere (the scheduler); try again soon."
            )
    try:
        report = refresh_due(app, everything=everything)
    finally:
        with db.session_scope(app) as session:
            leases.release(session, name=BENEFIT_JOB, owner=owner)
    click.echo(
        f"Measured {report.written} idea(s) of {report.due} due in {report.seconds:.1f} s"
        + (
            f"; {report.failed_batches} batch(es) failed: see the log."
            if report.failed_batches
            else "."
        )
    )
    if report.failed_batches:
        raise SystemExit(1)
