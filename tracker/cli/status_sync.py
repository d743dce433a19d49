"""`tracker sync`: run a status sync now, and see how the recent ones went.

`sync now` takes the same database lease as the scheduler's job, so it never runs beside a
scheduled sync; it exits 1 when the run failed or could not start, for scripts and cron.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import click
from flask.cli import with_appcontext

from sync.jobs.owners import process_owner
from sync.pull.manual import SyncNotStarted, run_now
from sync.pull.status_sync import sync_enabled
from tracker import db
from tracker.cli.common import current_flask_app
from tracker.config import current_settings
from tracker.formatting import format_datetime
from tracker.models import SyncKind, SyncRun, utcnow
from tracker.services.jira_status import sync_runs


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else format_datetime(moment, current_settings().timezone)


@click.group("sync")
def sync_group() -> None:
    """Jira status sync: run one now, show recent runs."""


@sync_group.command("now")
@click.option("--full", is_flag=True, help="Reconcile every tracked issue, not only updated ones.")
@with_appcontext
def now(full: bool) -> None:
    """Run a sync in the foreground and print what it did; exit 1 if it failed."""
    kind = SyncKind.FULL if full else SyncKind.INCREMENTAL
    owner = process_owner("cli")
    try:
        summary = run_now(current_flask_app(), kind=kind, owner=owner)
    except SyncNotStarted as exc:
        raise click.ClickException(exc.message) from None
    line = (
        f"Sync #{summary.run_id} {summary.kind} {summary.state} in {summary.seconds:.1f} s: "
        f"{_count(summary.calls, 'Jira call')}, {summary.checked} checked, "
        f"recorded {_count(summary.recorded, 'issue')}, "
        f"{summary.changed} changed, {summary.missing} missing, "
        f"{_count(summary.events, 'event')}."
    )
    if summary.error:
        line += f" {summary.error}"
    if summary.state != "succeeded":
        click.secho(line, fg="red")
        raise SystemExit(1)
    click.echo(line)


@sync_group.command("status")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@with_appcontext
def status(limit: int) -> None:
    """Recent runs, the last good ones, failures in a row, the next run and running jobs."""
    moment = utcnow()
    with db.session_scope() as session:
        runs = sync_runs.recent_runs(session, page=1, per_page=limit).items
        summary = sync_runs.overview(session, now=moment)
        due = sync_runs.next_due(session, sync=current_settings().sync, now=moment)
        for line in _table(runs, summary.holders):
            click.echo(line)
        click.echo("")
        click.echo(f"Last successful incremental run: {_when(_started(summary.last_incremental))}")
        click.echo(f"Last successful full reconcile:  {_when(_started(summary.last_full))}")
        click.echo(f"Failed runs in a row:            {summary.failures}")
    if not sync_enabled(current_flask_app()):
        click.echo("Next incremental run:            none (the scheduled sync is switched off)")
    else:
        when = _when(due) if due else "at the scheduler's next tick (no sync has run yet)"
        click.echo(f"Next incremental run:            {when}")
    if not summary.holders:
        click.echo("Running jobs:                    none")
    for holder in summary.holders:
        click.echo(
            f"Running job:                     {holder.job} by {holder.owner} "
            f"(lease until {_when(holder.until)})"
        )


def _table(runs: Sequence[SyncRun], holders: Sequence[sync_runs.LeaseHolder]) -> list[str]:
    if not runs:
        return ["No sync has run yet."]
    header = (
        f"{'#':>5}  {'started':<22} {'kind':<11} {'state':<11} {'secs':>7} {'calls':>5} "
        f"{'checked':>7} {'recorded':>8} {'changed':>7} {'missing':>7} {'events':>6}  error"
    )
    lines = [header]
    for run in runs:
        seconds = sync_runs.duration_seconds(run)
        state = sync_runs.shown_state(run, holders)
        lines.append(
            f"{run.id:>5}  {_when(run.started_at):<22} {run.kind:<11} {state:<11} "
            f"{'-' if seconds is None else f'{seconds:.1f}':>7} {run.calls:>5} "
            f"{run.checked:>7} {run.recorded:>8} {run.changed:>7} {run.missing:>7} "
            f"{run.events:>6}  {run.error}"
        )
    return lines


def _started(run: SyncRun | None) -> datetime | None:
    return None if run is None else run.started_at


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
