"""Fixtures for the page tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.helpers.client import TrackerClient


@pytest.fixture
def browser(app: Flask) -> Callable[..., TrackerClient]:
    """Another browser on `app` (a new test client), connecting from `address`."""

    def make(address: str = "127.0.0.1") -> TrackerClient:
        app.test_client_class = TrackerClient
        other = app.test_client()
        assert isinstance(other, TrackerClient)
        other.environ_base["REMOTE_ADDR"] = address
        return other

    return make
