"""Alembic environment: the engine comes from the app (see tracker.migrate), never from a file."""

from alembic import context
from sqlalchemy import Engine

import tracker.models  # noqa: F401  (registers every table on the metadata)
from tracker.migrate import include_object
from tracker.models import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `tracker db upgrade`, which supplies the engine")

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
