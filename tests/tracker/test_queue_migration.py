"""Migration 0008 turns the ideas' free-text queues into queues, merging spellings that differ
only in case or spacing, and says what it merged; the search index keeps working after it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.helpers.databases import private_postgres_database
from tracker import db, migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        built = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield built
        built.dispose()
        return
    with private_postgres_database("tracker_queues") as url:
        built = db.make_engine(url)
        yield built
        built.dispose()


def _idea(connection, user_id: int, title: str, queue: str, area: str = "Content spam") -> None:
    now = datetime.now(UTC)
    connection.execute(
        text(
            "INSERT INTO suggestion (title, problem, proposed_change, area, queue, "
            "evidence_links, submitter_id, confidential, shared_with_vendors, status, "
            "decision_reason, score_inputs, score_formula, vote_count, comment_count, "
            "created_at, updated_at) VALUES (:title, 'p', 'c', :area, :queue, '[]', :user, "
            "false, false, 'new', '', '{}', '', 0, 0, :now, :now)"
        ),
        {"title": title, "area": area, "queue": queue, "user": user_id, "now": now},
    )


def test_free_text_queues_become_queues_and_the_merges_are_reported(engine):
    migrate.upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO "user" (email, display_name, password_hash, role, is_active, '
                "created_at) VALUES ('a@example.com', 'A', 'x', 'submitter', true, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
        user_id = connection.execute(text('SELECT id FROM "user"')).scalar_one()
        _idea(connection, user_id, "one", "Spam appeals (EN)")
        _idea(connection, user_id, "two", "  spam appeals   (en) ")
        _idea(connection, user_id, "three", "Spam appeals (EN)")
        _idea(connection, user_id, "four", "Refunds", area="Scams and fraud")
        _idea(connection, user_id, "five", "")

    notes = migrate.upgrade(engine)

    assert 'Queues: merged "spam appeals (en)" into "Spam appeals (EN)" (3 ideas).' in notes
    assert any("made 2 queues" in note for note in notes)
    with engine.connect() as connection:
        queues = connection.execute(text("SELECT name, area FROM queue ORDER BY name")).all()
        assert [tuple(row) for row in queues] == [
            ("Refunds", "Scams and fraud"),
            ("Spam appeals (EN)", "Content spam"),
        ]
        ideas = connection.execute(
            text(
                "SELECT s.title, s.queue, q.name FROM suggestion s "
                "LEFT JOIN queue q ON q.id = s.queue_id ORDER BY s.id"
            )
        ).all()
    assert [tuple(row) for row in ideas] == [
        ("one", "Spam appeals (EN)", "Spam appeals (EN)"),
        ("two", "Spam appeals (EN)", "Spam appeals (EN)"),
        ("three", "Spam appeals (EN)", "Spam appeals (EN)"),
        ("four", "Refunds", "Refunds"),
        ("five", "", None),
    ]


def test_search_still_finds_ideas_after_the_upgrade_on_sqlite(tmp_path):
    built = db.make_engine(f"sqlite:///{tmp_path / 'fts.db'}")
    migrate.upgrade(built)
    with built.begin() as connection:
        triggers = (
            connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            )
            .scalars()
            .all()
        )
    built.dispose()
    assert triggers == ["suggestion_fts_delete", "suggestion_fts_insert", "suggestion_fts_update"]
