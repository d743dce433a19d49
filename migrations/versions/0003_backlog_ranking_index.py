"""backlog ranking index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

The backlog orders by score (unscored last), votes, age and id; one index in that exact order
turns its first and deep pages into an index walk at 100,000 suggestions (see bench/backlog.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite already puts NULLs last in descending order; PostgreSQL needs it said.
    nulls = "" if op.get_bind().dialect.name == "sqlite" else " NULLS LAST"
    op.execute(
        "CREATE INDEX ix_suggestion_backlog ON suggestion "
        f"(score_value DESC{nulls}, vote_count DESC, created_at DESC, id DESC)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_suggestion_backlog")
