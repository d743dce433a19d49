"""What a one-shot `tracker` command prints is its own: its logging says warnings and errors
only, on stderr, so no INFO line breaks into the output. `tracker serve` and `tracker
scheduler` are services and log at the configured level."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from tests.fakejira import FakeJira
from tests.helpers.settings import TEST_SECRET
from tracker import create_app, db
from tracker.cli.common import configure_logging
from tracker.cli.main import main


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger as a fresh process has it: no handler (pytest's own are set aside), at
    the configured INFO; put back as it was afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers = []
    root.setLevel(logging.INFO)
    try:
        yield root
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = handlers
        root.setLevel(level)


def test_a_one_shot_command_logs_warnings_only_and_services_keep_their_level():
    with bare_root() as root:
        configure_logging("scheduler")
        assert (root.level, root.handlers) == (logging.INFO, [])
        configure_logging("serve")
        assert root.level == logging.INFO

        configure_logging("jira")

        assert root.level == logging.WARNING
        [handler] = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        assert handler.stream is sys.stderr


def test_sync_now_prints_its_summary_and_no_info_line(sqlite_url, fake: FakeJira, tmp_path: Path):
    (tmp_path / "config.toml").write_text("")  # none of the developer's own settings
    environment = {
        "TRACKER_CONFIG": str(tmp_path / "config.toml"),
        "TRACKER_ENV": "testing",
        "TRACKER_SECRET_KEY": TEST_SECRET,
        "TRACKER_DATABASE_URL": sqlite_url,
        "TRACKER_JIRA__BASE_URL": fake.url,
        "TRACKER_JIRA__PROJECT_KEY": "OPS",
        "TRACKER_JIRA__DEPLOYMENT": "cloud",
        "TRACKER_JIRA__EMAIL": fake.email,
        "TRACKER_JIRA__API_TOKEN": fake.api_token,
    }
    built: list[Flask] = []

    def build() -> Flask:
        built.append(create_app(instance_path=tmp_path / "instance"))
        return built[-1]

    with bare_root() as root:
        result = CliRunner().invoke(
            main, ["sync", "now"], env=environment, obj=ScriptInfo(create_app=build)
        )
        level = root.level
    for app in built:
        db.engine(app).dispose()

    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith("Sync #1 incremental succeeded in "), line
    assert "INFO" not in result.output  # stdout and stderr together, as a terminal shows them
    assert level == logging.WARNING
