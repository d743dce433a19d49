"""Fixtures shared by the sync tests: a fake Jira of each flavour, the app wired to it, and a
push world on that app (tests/helpers/push_world.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import pytest
from flask import Flask

from sync.jira import sites
from sync.jira.metadata_store import metadata_cache
from sync.jira.site import site_facts
from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tests.helpers.push_world import PushWorld
from tracker.models import Role, User


@pytest.fixture(params=["cloud", "datacenter"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def start_fake(flavour: str, start_fake_jira: Callable[..., FakeJira]) -> Callable[..., FakeJira]:
    """Start a fake of the test's flavour with the given options; checked at teardown."""
    return partial(start_fake_jira, flavour)


@pytest.fixture(autouse=True)
def _fresh_metadata() -> Iterator[None]:
    """Fakes reuse ports, so one test's discovered site must not leak into the next."""
    metadata_cache.clear()
    site_facts.clear()
    sites.reset()
    yield
    metadata_cache.clear()
    site_facts.clear()
    sites.reset()


@pytest.fixture
def fake(start_fake: Callable[..., FakeJira]) -> FakeJira:
    return start_fake()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    return make_app(database_url, jira=jira_config(fake))


@pytest.fixture
def world(app: Flask, fake: FakeJira, make_user: Callable[..., User]) -> PushWorld:
    return PushWorld(app, fake, make_user(Role.PM))
