"""`tracker queues list|create|merge` (to be written)."""

from __future__ import annotations

import click


@click.group("queues")
def queues_group() -> None:
    """Queues agents work: list, create, merge."""
