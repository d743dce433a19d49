"""backlog sort indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

The backlog sorts by votes, last update and title as well as by score (0003) and age
(ix_suggestion_created). Each index ends with the id, the tie-break, so the first page of
either direction is a walk of the index (forwards or backwards) that stops after one page,
keeping the rows of the default view (open ideas) as it goes (see bench/backlog.py).
ix_suggestion_hours covers the columns hours saved a week is computed from.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_suggestion_votes": ["vote_count", "id"],
    "ix_suggestion_updated": ["updated_at", "id"],
    "ix_suggestion_title": ["title", "id"],
    # Hours saved is computed from these columns: no index orders by it, but one that holds
    # them all lets the sort read a narrow index instead of every row, problem text and all.
    "ix_suggestion_hours": [
        "status",
        "weekly_volume",
        "minutes_saved_per_ticket",
        "automation_share",
        "handle_time_minutes",
    ],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "suggestion", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="suggestion")
