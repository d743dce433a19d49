"""Benefits measured after delivery, vendor check-ins, what an idea is measured by

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

- benefit: one row per delivered idea: the state of its measurement (waiting, measured,
  inconclusive, not measurable), the change with its interval, the windows and the method.
  Rows are derived from KPIs and deliveries; the nightly refresh rebuilds them.
- checkin: check-ins held with vendor organisations (date, notes, open questions).
- suggestion.benefit_metric, suggestion.expected_benefit: the metric an idea is measured by
  ("" for agent hours) and the improvement a week expected in its unit.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import tracker.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("open_questions", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_checkin_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_checkin_recorded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin")),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "benefit",
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("measured", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("pre_weeks", sa.Integer(), nullable=False),
        sa.Column("post_weeks", sa.Integer(), nullable=False),
        sa.Column("post_weeks_target", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("work_started", sa.Date(), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("pre_start", sa.Date(), nullable=True),
        sa.Column("pre_end", sa.Date(), nullable=True),
        sa.Column("post_start", sa.Date(), nullable=True),
        sa.Column("post_end", sa.Date(), nullable=True),
        sa.Column("control_queue_ids", sa.JSON(), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("group_measured", sa.Float(), nullable=True),
        sa.Column("chart", sa.JSON(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("computed_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", tracker.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["queue_id"], ["queue.id"], name=op.f("fk_benefit_queue_id_queue")),
        sa.ForeignKeyConstraint(
            ["suggestion_id"], ["suggestion.id"], name=op.f("fk_benefit_suggestion_id_suggestion")
        ),
        sa.PrimaryKeyConstraint("suggestion_id", name=op.f("pk_benefit")),
    )
    with op.batch_alter_table("benefit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benefit_queue_id"), ["queue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_benefit_settled_at"), ["settled_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_benefit_stale"), ["stale"], unique=False)
        batch_op.create_index(batch_op.f("ix_benefit_state"), ["state"], unique=False)

    # Plain ADD COLUMN on both engines: no table copy, so SQLite keeps the search triggers.
    op.add_column(
        "suggestion",
        sa.Column("benefit_metric", sa.String(length=40), nullable=False, server_default=""),
    )
    op.add_column("suggestion", sa.Column("expected_benefit", sa.Float(), nullable=True))


def downgrade() -> None:
    with _keeping_triggers("suggestion"), op.batch_alter_table("suggestion") as batch_op:
        batch_op.drop_column("expected_benefit")
        batch_op.drop_column("benefit_metric")

    with op.batch_alter_table("benefit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benefit_state"))
        batch_op.drop_index(batch_op.f("ix_benefit_stale"))
        batch_op.drop_index(batch_op.f("ix_benefit_settled_at"))
        batch_op.drop_index(batch_op.f("ix_benefit_queue_id"))

    op.drop_table("benefit")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_organisation_id"))

    op.drop_table("checkin")


@contextmanager
def _keeping_triggers(table: str) -> Iterator[None]:
    """SQLite's batch mode copies the table and drops its triggers (the search index's, 0002):
    put them back as they were."""
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
