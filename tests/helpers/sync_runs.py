"""Status-sync runs for tests: the settings the sync page and `tracker sync` tests share (a cloud
fake Jira whose credentials must never be shown), and runs recorded as the engine records them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tracker import db
from tracker.models import RunState, SyncKind, SyncRun

START = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
# A credential that must never reach a page (the fake Jira's token is another).
WEBHOOK_SECRET = "webhook-secret-never-shown-77aa"


def add_run(app: Flask, **values: Any) -> int:
    """A SyncRun as the engine records it; finished a few seconds later unless still running."""
    values.setdefault("kind", SyncKind.INCREMENTAL.value)
    values.setdefault("state", RunState.SUCCEEDED.value)
    values.setdefault("owner", "sched-web1-4242")
    values.setdefault("started_at", START)
    if values["state"] != RunState.RUNNING.value:
        values.setdefault("finished_at", values["started_at"] + timedelta(seconds=2.5))
    with db.session_scope(app) as session:
        run = SyncRun(**values)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def sync_settings(fake: FakeJira) -> dict[str, Any]:
    """Settings for `make_app`: Jira at the fake and a webhook secret."""
    return {"jira": jira_config(fake), "sync": {"webhook_secret": WEBHOOK_SECRET}}
