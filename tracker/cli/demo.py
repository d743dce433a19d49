"""`tracker demo`: demo data for a first look at the product."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker import db
from tracker.config import current_settings
from tracker.demo import DEMO_PASSWORD, load


@click.group("demo")
def demo_group() -> None:
    """Demo data for a first look at the product."""


@demo_group.command("load")
@with_appcontext
def demo_load() -> None:
    """Load about 60 ideas from agents and two vendors, with votes, comments and decisions."""
    with db.session_scope() as session:
        summary = load(session, settings=current_settings())
    if not summary.created:
        click.echo("Demo data is already loaded.")
        return
    click.echo(
        f"Loaded {summary.suggestions} ideas, {summary.votes} votes, {summary.comments} "
        f"comments, two initiatives and story drafts from {summary.users} people; "
        f"{summary.pushed} stories in a placeholder Jira ({summary.delivered} ideas delivered) "
        f"and {summary.digests} digests of last week; a year of daily KPIs for the queues "
        f"({summary.kpi_values:,} values: see Queues). "
        "Sign in as priya.pm@example.com (PM), "
        f"agent1@example.com (agent), ana@northwind.example (vendor) or dana.lead@example.com "
        f"(stakeholder) with the password '{DEMO_PASSWORD}'."
    )
