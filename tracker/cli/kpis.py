"""`tracker kpis`: KPI data in (import a CSV file; pull a warehouse source now)."""

from __future__ import annotations

import click

from tracker.cli.kpi_pull import kpis_pull


@click.group("kpis")
def kpis_group() -> None:
    """Queue KPIs: import a CSV file, pull a warehouse source now."""


kpis_group.add_command(kpis_pull)
