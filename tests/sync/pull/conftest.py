"""The status-sync tests' app: wired to the fake Jira, with `sync` and `jira` settings a test may
override by parametrising `sync_overrides` or `jira_overrides`; and the sync world on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tests.helpers.push_world import PushWorld
from tests.helpers.sync_world import T0, SyncWorld


@pytest.fixture
def sync_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def jira_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(
    make_app: Callable[..., Flask],
    database_url: str,
    fake: FakeJira,
    sync_overrides: dict[str, Any],
    jira_overrides: dict[str, Any],
) -> Flask:
    return make_app(database_url, jira=jira_config(fake, **jira_overrides), sync=sync_overrides)


@pytest.fixture
def sw(world: PushWorld, fake: FakeJira) -> SyncWorld:
    """Stories pushed and synced with the fake's clock, which starts at T0."""
    fake.now = T0
    return SyncWorld(world)
