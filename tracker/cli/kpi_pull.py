"""`tracker kpis pull [NAME]`: run a warehouse pull now (to be written)."""

from __future__ import annotations

import click


@click.command("pull")
def kpis_pull() -> None:
    """Pull KPI rows from the [kpis.sources] now."""
    raise click.ClickException("not written yet")
