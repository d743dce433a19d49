"""The `tracker` command as the CLI tests call it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskCliRunner


@pytest.fixture
def tracker(runner: FlaskCliRunner) -> Callable[..., Any]:
    """Run `tracker ARGS...`; fails the test if the exit code is not `expect`."""

    def run(*args: str, expect: int = 0, **kwargs: Any) -> Any:
        result = runner.invoke(args=list(args), **kwargs)
        assert result.exit_code == expect, result.output
        return result

    return run
