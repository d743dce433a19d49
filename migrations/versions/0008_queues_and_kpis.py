"""Queues and their KPIs: queue, queueorganisation, kpivalue, kpisignal, kpiload, suggestion.queue_id

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

- queue: the queues agents work, one row per name once trimmed and case-folded.
- queueorganisation: which vendor organisations work a queue (their staff see its KPIs).
- kpivalue: one metric of one queue on one day; its key makes every load idempotent.
- kpisignal: spikes and level shifts found by the nightly scan.
- kpiload: every CSV, API and warehouse load, with its counts and rejected rows.
- suggestion.queue_id: the free-text queue of every idea becomes a queue. Names that differ
  only in case or spacing become one queue, named by the spelling most ideas used; each merge
  is reported (`tracker db upgrade` prints it) and the idea keeps the queue's name.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

import tracker.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("tracker.migrations")


def upgrade() -> None:
    op.create_table(
        "queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue")),
        sa.UniqueConstraint("key", name=op.f("uq_queue_key")),
    )
    with op.batch_alter_table("queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_area"), ["area"], unique=False)
    op.create_table(
        "queueorganisation",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_queueorganisation_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_queueorganisation_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("queue_id", "organisation_id", name=op.f("pk_queueorganisation")),
    )
    with op.batch_alter_table("queueorganisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queueorganisation_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "kpivalue",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("updated_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_kpivalue_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("queue_id", "metric", "day", name=op.f("pk_kpivalue")),
    )
    op.create_table(
        "kpisignal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("grain", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("size", sa.Float(), nullable=False),
        sa.Column("agent_hours", sa.Float(), nullable=True),
        sa.Column("worse", sa.Boolean(), nullable=False),
        sa.Column("detected_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_kpisignal_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpisignal")),
        sa.UniqueConstraint(
            "queue_id", "metric", "kind", "day", name=op.f("uq_kpisignal_queue_id")
        ),
    )
    with op.batch_alter_table("kpisignal", schema=None) as batch_op:
        batch_op.create_index("ix_kpisignal_recent", ["detected_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpisignal_queue_id"), ["queue_id"], unique=False)
    op.create_table(
        "kpiload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", tracker.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_kpiload_actor_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpiload")),
    )
    with op.batch_alter_table("kpiload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpiload_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpiload_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpiload_started_at"), ["started_at"], unique=False)
    with _keeping_triggers("suggestion"), op.batch_alter_table("suggestion") as batch_op:
        batch_op.add_column(sa.Column("queue_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_suggestion_queue_id"), ["queue_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_suggestion_queue_id_queue"), "queue", ["queue_id"], ["id"]
        )
    _queues_from_free_text()


@contextmanager
def _keeping_triggers(table: str) -> Iterator[None]:
    """SQLite's batch mode copies the table and drops its triggers, such as the ones keeping
    the search index (0002) in step: put them back as they were."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    triggers = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).all()
    yield
    for name, sql in triggers:
        bind.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        bind.exec_driver_sql(sql)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _queues_from_free_text() -> None:
    """One queue per key among the ideas' free-text queues; ideas point at theirs."""
    bind = op.get_bind()
    suggestion = sa.table(
        "suggestion",
        sa.column("id", sa.Integer),
        sa.column("queue", sa.String),
        sa.column("queue_id", sa.Integer),
        sa.column("area", sa.String),
    )
    queue = sa.table(
        "queue",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("key", sa.String),
        sa.column("area", sa.String),
        sa.column("description", sa.Text),
        sa.column("active", sa.Boolean),
        sa.column("created_at", tracker.models.base.UTCDateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(suggestion.c.id, suggestion.c.queue, suggestion.c.area).order_by(suggestion.c.id)
    ).all()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[int]] = defaultdict(list)
    for idea_id, text, area in rows:
        name = " ".join((text or "").split())[:120]
        if not name:
            continue
        key = _key(name)
        spellings[key][name] += 1
        areas[key][area] += 1
        members[key].append(idea_id)
    notes: list[str] = context.config.attributes.setdefault("notes", [])
    now = datetime.now(UTC)
    for key, counted in spellings.items():
        # most_common keeps first-seen order among equals: the oldest idea's spelling wins ties.
        name = counted.most_common(1)[0][0]
        queue_id = bind.execute(
            queue.insert()
            .values(
                name=name,
                key=key,
                area=areas[key].most_common(1)[0][0],
                description="",
                active=True,
                created_at=now,
            )
            .returning(queue.c.id)
        ).scalar_one()
        for chunk in _chunks(members[key], 500):
            bind.execute(
                suggestion.update()
                .where(suggestion.c.id.in_(chunk))
                .values(queue_id=queue_id, queue=name)
            )
        if len(counted) > 1:
            others = ", ".join(f'"{spelling}"' for spelling in counted if spelling != name)
            note = f'Queues: merged {others} into "{name}" ({len(members[key])} ideas).'
            notes.append(note)
            log.warning("%s", note)
    if spellings:
        notes.append(
            f"Queues: made {len(spellings)} queues from the ideas' queue names "
            f"({sum(len(ids) for ids in members.values())} ideas)."
        )


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def downgrade() -> None:
    with _keeping_triggers("suggestion"), op.batch_alter_table("suggestion") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_suggestion_queue_id_queue"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_suggestion_queue_id"))
        batch_op.drop_column("queue_id")
    with op.batch_alter_table("kpiload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpiload_started_at"))
        batch_op.drop_index(batch_op.f("ix_kpiload_source"))
        batch_op.drop_index(batch_op.f("ix_kpiload_channel"))
    op.drop_table("kpiload")
    with op.batch_alter_table("kpisignal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpisignal_queue_id"))
        batch_op.drop_index("ix_kpisignal_recent")
    op.drop_table("kpisignal")
    op.drop_table("kpivalue")
    with op.batch_alter_table("queueorganisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queueorganisation_organisation_id"))
    op.drop_table("queueorganisation")
    with op.batch_alter_table("queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_area"))
    op.drop_table("queue")
