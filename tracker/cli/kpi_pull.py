"""`tracker kpis pull [NAME]`: pull one warehouse source now, or every enabled one.

Each pull takes the same database lease as the scheduler's job for the source, so it never runs
beside a scheduled pull of it; a source whose pull is running elsewhere is skipped with a note.
Exits 1 when a pull failed, for scripts and cron.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from sync.jobs.kpi_pull_now import PullNotStarted, enabled_source_names, run_now, source_names
from sync.jobs.owners import process_owner
from tracker import db
from tracker.cli.common import current_flask_app
from tracker.models import KpiLoad, LoadState
from tracker.services.kpis import loads

# Rejected rows printed per pull; the admin page lists every one kept.
SHOWN_REJECTIONS = 20


@click.command("pull")
@click.argument("name", required=False)
@with_appcontext
def kpis_pull(name: str | None) -> None:
    """Pull KPI rows from the [kpis.sources] NAME now (every enabled source without NAME)."""
    app = current_flask_app()
    configured = source_names(app)
    if not configured:
        raise click.ClickException(
            "No warehouse source is configured; add a [kpis.sources.NAME] section."
        )
    if name is not None and name not in configured:
        raise click.UsageError(
            f"No source is named '{name}'; the sources are: {', '.join(configured)}."
        )
    names = [name] if name is not None else enabled_source_names(app)
    if not names:
        raise click.ClickException("Every warehouse source is switched off (enabled = false).")
    owner = process_owner("cli")
    failed = False
    for source in names:
        try:
            load_id = run_now(app, name=source, owner=owner)
        except PullNotStarted as exc:
            click.echo(f"{source}: skipped. {exc.message}")
            continue
        with db.session_scope() as session:
            load = loads.get_load(session, load_id)
        failed |= load.state == LoadState.FAILED.value
        _report(source, load)
    if failed:
        raise SystemExit(1)


def _report(source: str, load: KpiLoad) -> None:
    if load.state == LoadState.FAILED.value:
        click.secho(
            f"{source}: pull #{load.id} failed (since {load.since}). {load.error}", fg="red"
        )
        return
    click.echo(
        f"{source}: pull #{load.id} {load.state} since {load.since}: {load.inserted} inserted, "
        f"{load.updated} updated, {load.unchanged} unchanged, {load.rejected} rejected"
        + (f"; the last day received is {load.last_day}." if load.last_day else ".")
    )
    for rejection in load.rejections[:SHOWN_REJECTIONS]:
        field = f", {rejection['field']}" if rejection.get("field") else ""
        click.echo(f"  row {rejection.get('row', '?')}{field}: {rejection.get('reason', '')}")
    if load.rejected > SHOWN_REJECTIONS:
        click.echo(f"  ... and {load.rejected - SHOWN_REJECTIONS} more (see /admin/kpis).")
