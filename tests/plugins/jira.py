"""Fake Jira servers: a factory that checks each fake it started at teardown, `fake`, a cloud
fake for the tracker's tests (tests/sync/conftest.py overrides it with one per flavour), and
`jira_profile_fake`, one fake per kind of Jira site (tests/fakejira/profiles.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sync.jira import sites
from sync.jira.metadata_store import metadata_cache
from sync.jira.site import site_facts
from tests.fakejira import PROFILE_NAMES, PROFILES, FakeJira
from tests.helpers.jira import SECRET_TOKEN


def _forget_sites() -> None:
    metadata_cache.clear()
    site_facts.clear()
    sites.reset()


@pytest.fixture
def start_fake_jira() -> Iterator[Callable[..., FakeJira]]:
    """start(flavour, **options) starts a fake Jira ("cloud" or "datacenter") on loopback. At
    teardown each fake is stopped and must have seen no request or answer that breaks Jira's
    contract. Fakes reuse ports, so no site a test discovered may linger into the next."""
    started: list[FakeJira] = []

    def start(flavour: str, **options: Any) -> FakeJira:
        fake = FakeJira(flavour, **options).start()
        started.append(fake)
        return fake

    _forget_sites()
    yield start
    for fake in started:
        fake.stop()
        fake.assert_no_violations()
        assert fake.response_violations == []
    _forget_sites()


@pytest.fixture
def fake(start_fake_jira: Callable[..., FakeJira]) -> FakeJira:
    """A cloud fake Jira whose API token (SECRET_TOKEN) must never be shown."""
    return start_fake_jira("cloud", api_token=SECRET_TOKEN)


@pytest.fixture(params=PROFILE_NAMES, ids=PROFILE_NAMES)
def jira_profile_fake(
    request: pytest.FixtureRequest, start_fake_jira: Callable[..., FakeJira]
) -> FakeJira:
    """A started fake of each version profile in turn ("cloud", "dc10", "dc9", "dc8",
    "server7", "proxy", "ignores-id-in"); checked for contract violations at teardown.
    `fake.profile` says which one the test got."""
    profile = PROFILES[request.param]
    return start_fake_jira(profile.flavour, profile=profile.name)
