"""`tracker kpis scan`: look for spikes and level shifts in every queue now.

It takes the scheduler's `kpi_signals` lease, so it never runs beside the nightly scan.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from sync.jobs.kpi_signals import SIGNAL_JOB, scan_all
from sync.jobs.owners import process_owner
from tracker import db
from tracker.cli.common import current_flask_app
from tracker.config import current_settings
from tracker.services import leases


@click.command("scan")
@with_appcontext
def kpis_scan() -> None:
    """Scan every active queue for spikes and level shifts now (the nightly job's work)."""
    app = current_flask_app()
    owner = process_owner("cli")
    lease = timedelta(seconds=current_settings().scheduler.lease_seconds)
    with db.session_scope(app) as session:
        if not leases.acquire(session, name=SIGNAL_JOB, owner=owner, lease=lease):
            raise click.ClickException(
                "A signal scan is running elsewhere (the scheduler's); try again when it ends."
            )
    try:
        report = scan_all(app)
    finally:
        with db.session_scope(app) as session:
            leases.release(session, name=SIGNAL_JOB, owner=owner)
    click.echo(
        f"Scanned {report.queues} queues ({report.series} series) in {report.seconds:.1f} s: "
        f"{report.signals_new} new signals, {report.signals_dropped} no longer hold."
    )
