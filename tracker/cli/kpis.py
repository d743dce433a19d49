"""`tracker kpis`: KPI data in (import a CSV file; pull a warehouse source now)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker import db
from tracker.cli.common import current_flask_app, fail, require_migrated
from tracker.cli.kpi_pull import kpis_pull
from tracker.cli.kpi_scan import kpis_scan
from tracker.config import current_settings
from tracker.errors import DomainError
from tracker.services.kpis import csv_format, ingest

# Rejected rows printed; the count is always exact and the load's record keeps the first 100.
PRINTED_REJECTIONS = 200


@click.group("kpis")
def kpis_group() -> None:
    """Queue KPIs: import a CSV file, pull a warehouse source, scan for spikes and shifts."""


kpis_group.add_command(kpis_pull)
kpis_group.add_command(kpis_scan)


@kpis_group.command("import")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Check and count only; store nothing.")
@click.option(
    "--valid-only", is_flag=True, help="Store the valid rows even if others are rejected."
)
@with_appcontext
def kpis_import(path: Path, dry_run: bool, valid_only: bool) -> None:
    """Load KPI values from a CSV FILE (queue,date,metric,value, or queue,date and a column a
    metric). Exits with status 1 if rows were rejected and nothing was stored."""
    require_migrated()
    settings = current_settings()
    try:
        # A command acts as the system, like the scheduled pull; the load is recorded as CSV.
        with db.session_scope(current_flask_app()) as session:
            report = csv_format.load_csv(
                session,
                data=path.read_bytes(),
                settings=settings,
                actor=None,
                mode="valid" if valid_only else "all",
                dry_run=dry_run,
                source=path.name,
            )
    except DomainError as exc:
        raise fail(exc) from None
    _print_report(report)
    if not report.applied and not report.dry_run:
        raise SystemExit(1)


def _print_report(report: ingest.LoadReport) -> None:
    if report.dry_run:
        click.echo("Dry run: nothing was stored.")
    elif not report.applied:
        click.echo("Nothing was stored: rows were rejected (use --valid-only to store the rest).")
    click.echo(
        f"inserted {report.inserted:,}, updated {report.updated:,}, "
        f"unchanged {report.unchanged:,}, rejected {report.rejected:,}"
    )
    for rejection in report.rejections[:PRINTED_REJECTIONS]:
        click.echo(f"  row {rejection.number}, {rejection.field}: {rejection.reason}")
    if len(report.rejections) > PRINTED_REJECTIONS:
        click.echo(f"  ... the first {PRINTED_REJECTIONS} problems are shown.")
