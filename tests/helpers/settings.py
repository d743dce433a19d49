"""Settings for test apps, in the shape of the TOML file."""

from __future__ import annotations

from typing import Any

TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-checks"


def settings_for(database_url: str, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "env": "testing",
        "secret_key": TEST_SECRET,
        "database_url": database_url,
    }
    for key, value in overrides.items():
        if isinstance(value, dict):
            settings.setdefault(key, {}).update(value)
        else:
            settings[key] = value
    return settings
