"""Alembic, driven from the app: the only way the schema changes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

# Engine-specific objects written by hand in migrations (0002 search, 0003 backlog ordering),
# which the models cannot express; autogenerate and the model/migration comparison skip them.
HAND_MANAGED = frozenset({"search_vector", "ix_suggestion_search", "ix_suggestion_backlog"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (name in HAND_MANAGED or (name or "").startswith("suggestion_fts"))


def migrations_dir() -> Path:
    """`migrations/` beside the package in a checkout, `tracker/migrations` in a built wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "migrations", package.parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("the migrations folder is missing from this installation")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> list[str]:
    """Apply migrations; returns what data migrations report (queues merged, for example)."""
    config = alembic_config(engine)
    command.upgrade(config, revision)
    notes: list[str] = config.attributes.get("notes", [])
    return notes


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
