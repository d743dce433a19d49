"""Apps that last a whole test module, each on a database of its own: for modules whose tests
only read what one costly set-up wrote (the demo data), or need the app but no data (rendering)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.helpers.databases import private_postgres_database
from tests.helpers.settings import settings_for
from tracker import create_app, db, migrate


@pytest.fixture(scope="module")
def make_module_app(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Callable[..., Flask]]:
    """build(engine, **overrides): an app on a new database of `engine` ("sqlite" or
    "postgresql"), kept until the module's last test. SQLite gets a copy of the migrated
    template; PostgreSQL a private migrated database, dropped afterwards (skipped without a
    server, like `database_url`). The developer's TRACKER_* variables do not reach it: this
    runs before the function-scoped fixture that clears them."""
    with ExitStack() as cleanup:

        def build(engine: str, **overrides: Any) -> Flask:
            folder = tmp_path_factory.mktemp("module-app")
            if engine == "sqlite":
                shutil.copyfile(sqlite_template, folder / "tracker.db")
                url = f"sqlite:///{folder / 'tracker.db'}"
            else:
                url = cleanup.enter_context(private_postgres_database("tracker_module"))
                migrated = db.make_engine(url)
                migrate.upgrade(migrated)
                migrated.dispose()
            with pytest.MonkeyPatch.context() as environment:
                for name in list(os.environ):
                    if name.startswith("TRACKER_") and name != "TRACKER_TEST_POSTGRES_URL":
                        environment.delenv(name)
                app = create_app(settings_for(url, **overrides), instance_path=folder / "instance")
            cleanup.callback(db.engine(app).dispose)
            return app

        yield build
