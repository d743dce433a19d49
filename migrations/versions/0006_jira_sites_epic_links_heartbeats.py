"""Jira sites remembered, epic links tracked, scheduler heartbeats

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

- jirasite: what each Jira site has shown it can do (flavour, version, the endpoints it
  answers) and the metadata a push needs, shared by the web, the CLI and the scheduler.
- jiralink.epic_key / epic_error: the epic a pushed story's issue is under in Jira, so the
  push worker can put stories under an epic pushed after them. Existing links start unknown
  (NULL) and are relinked once, which also repairs stories pushed before their epic.
- syncrun.recorded: issues a run saw for the first time, counted apart from changes.
- schedulerheartbeat: scheduler processes seen alive, so pages promise "resumes
  automatically" only when one runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jirasite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("flavour", sa.String(length=20), nullable=False),
        sa.Column("server_version", sa.String(length=40), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("site_metadata", sa.JSON(), nullable=True),
        sa.Column("discovered_at", tracker.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jirasite")),
        sa.UniqueConstraint("base_url", name=op.f("uq_jirasite_base_url")),
    )
    op.create_table(
        "schedulerheartbeat",
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("started_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_schedulerheartbeat")),
    )
    with op.batch_alter_table("schedulerheartbeat", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedulerheartbeat_seen_at"), ["seen_at"], unique=False
        )
    with op.batch_alter_table("syncrun", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("jiralink", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epic_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("epic_error", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("jiralink", schema=None) as batch_op:
        batch_op.drop_column("epic_error")
        batch_op.drop_column("epic_key")
    with op.batch_alter_table("syncrun", schema=None) as batch_op:
        batch_op.drop_column("recorded")
    with op.batch_alter_table("schedulerheartbeat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedulerheartbeat_seen_at"))
    op.drop_table("schedulerheartbeat")
    op.drop_table("jirasite")
