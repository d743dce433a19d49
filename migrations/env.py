"""Alembic environment: the engine comes from the app (see tracker.migrate), never from a file."""

from alembic import context
from sqlalchemy import Engine

import tracker.models  # noqa: F401  (registers every table on the metadata)
from tracker.models import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `tracker db upgrade`, which supplies the engine")

# Search indexes are engine-specific and managed by hand in the migrations, not by the models.
SEARCH_OBJECTS = frozenset({"search_vector", "ix_suggestion_search"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (name in SEARCH_OBJECTS or (name or "").startswith("suggestion_fts"))


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies.
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
