"""Browser sessions kept on the server, failed sign-ins counted per email and address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

- browsersession: one row per signed-in browser (the cookie holds a random token, the row its
  SHA-256), so signing out, "sign out everywhere", a password change and deactivation end
  sessions at once instead of when the signed cookie expires.
- signinfailure: failed sign-ins per (email, address), for known and unknown emails alike.
- user.failed_logins, user.locked_until, user.session_version: replaced by the two tables.
  Signed-in browsers must sign in again after the upgrade (they have no session row).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "browsersession",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_browsersession_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_browsersession")),
    )
    with op.batch_alter_table("browsersession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_browsersession_user_id"), ["user_id"], unique=False)
    op.create_table(
        "signinfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", tracker.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signinfailure")),
        sa.UniqueConstraint("email", "address", name=op.f("uq_signinfailure_email")),
    )
    with op.batch_alter_table("signinfailure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signinfailure_updated_at"), ["updated_at"], unique=False
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("session_version")


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("locked_until", tracker.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("signinfailure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signinfailure_updated_at"))
    op.drop_table("signinfailure")
    with op.batch_alter_table("browsersession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_browsersession_user_id"))
    op.drop_table("browsersession")
