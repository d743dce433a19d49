"""`tracker queues list|create|merge`: the queue management PMs do on /queues, from a terminal.

The command runs as the system: the services want an actor allowed to manage queues, so each
command passes an in-memory administrator stand-in (never added to the session, so no account
is created; whoever can run `tracker` administers the installation anyway).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlmodel import Session, col, select

from tracker import db
from tracker.cli.common import fail
from tracker.config import current_settings
from tracker.errors import DomainError
from tracker.models import Organisation, Queue, Role, User
from tracker.services.kpis import queues


def _system() -> User:
    return User(
        email="system@tracker.invalid",
        display_name="tracker command",
        password_hash="",  # no password: this account cannot sign in
        role=Role.ADMIN,
    )


def _queue(session: Session, given: str) -> Queue:
    """The queue with this id, or else this name (case and spacing do not count)."""
    text = given.strip()
    if text.isascii() and text.isdigit() and len(text) < 10:
        by_id = session.get(Queue, int(text))
        if by_id is not None:
            return by_id
    by_name = queues.find_by_name(session, text)
    if by_name is None:
        raise click.ClickException(f"No queue with the id or name '{given}'.")
    return by_name


def _organisation_ids(session: Session, names: tuple[str, ...]) -> tuple[int, ...]:
    found: list[int] = []
    for name in names:
        organisation = session.exec(
            select(Organisation).where(col(Organisation.name) == name.strip())
        ).first()
        if organisation is None or organisation.id is None:
            raise click.ClickException(f"No organisation named '{name}'.")
        found.append(organisation.id)
    return tuple(found)


@click.group("queues")
def queues_group() -> None:
    """Queues agents work: list, create, merge."""


@queues_group.command("list")
@with_appcontext
def queues_list() -> None:
    """List every queue: id, name, area, active, ideas, organisations."""
    with db.session_scope() as session:
        found = queues.list_visible(session, actor=_system())
        ids = [queue.id for queue in found if queue.id is not None]
        organisations = queues.organisations_of(session, ids)
        counts = queues.idea_counts(session, ids)
        click.echo(f"{'ID':>6}  {'NAME':40} {'AREA':24} {'ACTIVE':6} {'IDEAS':>5}  ORGANISATIONS")
        for queue in found:
            assert queue.id is not None
            names = ", ".join(org.name for org in organisations.get(queue.id, [])) or "-"
            click.echo(
                f"{queue.id:>6}  {queue.name[:40]:40} {(queue.area or '-')[:24]:24} "
                f"{'yes' if queue.active else 'no':6} {counts.get(queue.id, 0):>5}  {names}"
            )
        if not found:
            click.echo("No queues yet.")


@queues_group.command("create")
@click.argument("name")
@click.option("--area", default="", help="One of the configured areas.")
@click.option("--description", default="")
@click.option(
    "--organisation",
    "organisation_names",
    multiple=True,
    help="A vendor organisation that works the queue (repeat for several).",
)
@with_appcontext
def queues_create(
    name: str, area: str, description: str, organisation_names: tuple[str, ...]
) -> None:
    """Create a queue."""
    with db.session_scope() as session:
        try:
            queue = queues.create_queue(
                session,
                actor=_system(),
                data=queues.QueueInput(
                    name=name,
                    area=area,
                    description=description,
                    organisation_ids=_organisation_ids(session, organisation_names),
                ),
                areas=current_settings().suggestions.areas,
            )
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"Created queue {queue.id}: {queue.name}.")


@queues_group.command("merge")
@click.argument("sources", nargs=-1, required=True)
@click.option("--into", "target", required=True, help="The queue to keep (id or name).")
@with_appcontext
def queues_merge(sources: tuple[str, ...], target: str) -> None:
    """Merge the SOURCES queues (ids or names) into the --into queue."""
    with db.session_scope() as session:
        kept = _queue(session, target)
        merged = [_queue(session, source) for source in sources]
        try:
            result = queues.merge_queues(
                session,
                actor=_system(),
                source_ids=[queue.id for queue in merged if queue.id is not None],
                target_id=kept.id or 0,
            )
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"Merged {', '.join(result.merged)} into {result.target.name}:")
        click.echo(f"  ideas moved: {result.ideas_moved}")
        click.echo(f"  KPI values moved: {result.values_moved}")
        click.echo(f"  KPI values dropped (the kept queue had the day): {result.values_dropped}")
