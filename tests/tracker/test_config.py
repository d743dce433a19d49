"""Settings: defaults, the TOML file, `TRACKER_*` environment, overrides, validation, masking.

Plain unit tests of `load_settings`; no app and no database.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tracker.config import (
    DEFAULT_AREAS,
    DEV_SECRET_KEY,
    ConfigError,
    Settings,
    load_settings,
    masked,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
LONG_SECRET = "a-production-secret-key-of-forty-characters"
JIRA = '[jira]\nbase_url = "https://example.atlassian.net"\nproject_key = "OPS"\n'


def write_config(folder: Path, text: str, name: str = "config.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(instance: Path, text: str, overrides: dict[str, Any] | None = None) -> str:
    """The ConfigError message for `text` as instance/config.toml; fails if it loads."""
    write_config(instance, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(instance, overrides)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(".")
    return message


def first_key(message: str) -> str:
    found = re.search(r"'([a-z_.]+)'", message)
    assert found, message
    return found.group(1)


# --- where values come from ---------------------------------------------------------------------


def test_defaults_without_a_config_file(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.env == "development"
    assert settings.secret_key.get_secret_value() == DEV_SECRET_KEY
    assert settings.database_url.get_secret_value() == f"sqlite:///{tmp_path / 'tracker.db'}"
    assert settings.base_url == "http://127.0.0.1:5000"
    assert settings.timezone == "UTC"
    assert settings.security.login_max_failures == 5
    assert settings.security.max_request_bytes == 2 * 1024 * 1024
    assert settings.jira.base_url == ""
    assert settings.suggestions.areas == list(DEFAULT_AREAS)
    assert settings.cookies_secure is False


def test_instance_config_toml_is_read(tmp_path):
    write_config(
        tmp_path,
        'timezone = "Europe/Dublin"\nbase_url = "https://tracker.example.com/"\n'
        "[security]\nlogin_max_failures = 7\n",
    )
    settings = load_settings(tmp_path)
    assert settings.timezone == "Europe/Dublin"
    assert settings.base_url == "https://tracker.example.com"
    assert settings.security.login_max_failures == 7
    assert settings.security.login_lockout_minutes == 15  # untouched keys keep their default


def test_tracker_config_points_to_another_file(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    write_config(instance, 'timezone = "Europe/Dublin"\n')
    elsewhere = write_config(tmp_path / "etc", 'timezone = "America/Chicago"\n', "tracker.toml")
    monkeypatch.setenv("TRACKER_CONFIG", str(elsewhere))
    assert load_settings(instance).timezone == "America/Chicago"


def test_missing_tracker_config_file_is_named(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "tracker.toml"
    monkeypatch.setenv("TRACKER_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="TRACKER_CONFIG") as caught:
        load_settings(tmp_path)
    assert str(missing) in str(caught.value)


def test_environment_beats_the_file(tmp_path, monkeypatch):
    write_config(
        tmp_path,
        'database_url = "sqlite:///from-file.db"\n'
        "[security]\nlogin_max_failures = 7\nmax_request_bytes = 1000\n",
    )
    monkeypatch.setenv("TRACKER_SECURITY__LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:///from-env.db")
    settings = load_settings(tmp_path)
    assert settings.security.login_max_failures == 3
    assert settings.security.max_request_bytes == 1000  # the rest of [security] still counts
    assert settings.database_url.get_secret_value() == "sqlite:///from-env.db"


def test_overrides_beat_the_environment(tmp_path, monkeypatch):
    write_config(tmp_path, "[security]\nlogin_max_failures = 7\n")
    monkeypatch.setenv("TRACKER_SECURITY__LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:///from-env.db")
    settings = load_settings(
        tmp_path,
        {"security": {"login_max_failures": 4}, "database_url": "sqlite:///from-overrides.db"},
    )
    assert settings.security.login_max_failures == 4
    assert settings.database_url.get_secret_value() == "sqlite:///from-overrides.db"


# --- validation: one sentence naming the key ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("colour = 1\n", "colour", id="unknown-top-level-key"),
        pytest.param("[security]\nfoo = 1\n", "security.foo", id="unknown-nested-key"),
        pytest.param(
            '[security]\nmax_request_bytes = "big"\n',
            "security.max_request_bytes",
            id="wrong-type",
        ),
        pytest.param('env = "prod"\n', "env", id="bad-enum"),
        pytest.param('timezone = "Mars/Olympus"\n', "timezone", id="bad-time-zone"),
        pytest.param('base_url = "tracker.example.com"\n', "base_url", id="base-url-not-http"),
        pytest.param('[smtp]\nsecurity = "ssl"\n', "smtp.security", id="bad-nested-enum"),
        pytest.param("[suggestions]\nareas = []\n", "suggestions.areas", id="no-areas"),
        pytest.param(
            "[notifications]\nmax_attempts = 0\n",
            "notifications.max_attempts",
            id="never-attempting-notifications",
        ),
        pytest.param(
            '[jira]\nbase_url = "https://example.atlassian.net"\napi_token = "t0k3n"\n',
            "jira.project_key",
            id="jira-without-project-key",
        ),
        pytest.param(JIRA, "jira.api_token", id="jira-without-any-token"),
    ],
)
def test_invalid_value_names_the_key(tmp_path, text, key):
    message = config_error(tmp_path, text)
    assert first_key(message) == key


def test_unknown_key_points_at_the_example(tmp_path):
    message = config_error(tmp_path, "[security]\nfoo = 1\n")
    assert message.startswith("Unknown config key 'security.foo'")
    assert "config.example.toml" in message


def test_bad_time_zone_says_what_is_expected(tmp_path):
    message = config_error(tmp_path, 'timezone = "Mars/Olympus"\n')
    assert "'Mars/Olympus'" in message
    assert "IANA" in message


def test_jira_without_token_names_both_kinds_of_token(tmp_path):
    message = config_error(tmp_path, JIRA)
    assert "'jira.personal_access_token'" in message


def test_jira_personal_access_token_is_enough(tmp_path):
    write_config(tmp_path, JIRA + 'personal_access_token = "pat-value"\n')
    assert load_settings(tmp_path).jira.project_key == "OPS"


def test_invalid_environment_value_names_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_SECURITY__LOGIN_MAX_FAILURES", "many")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert first_key(str(caught.value)) == "security.login_max_failures"


def test_invalid_toml_names_the_file_and_the_line(tmp_path):
    message = config_error(tmp_path, 'timezone = "UTC"\n[security\n')
    assert str(tmp_path / "config.toml") in message
    assert "not valid TOML" in message
    assert "line 2" in message


@pytest.mark.parametrize("secret", [DEV_SECRET_KEY, "change-me", ""])
def test_placeholder_secret_key_is_refused_in_production(tmp_path, secret):
    message = config_error(tmp_path, f'env = "production"\nsecret_key = "{secret}"\n')
    assert first_key(message) == "secret_key"
    assert "placeholder" in message


def test_default_secret_key_is_refused_in_production(tmp_path):
    message = config_error(tmp_path, 'env = "production"\n')
    assert first_key(message) == "secret_key"


def test_short_secret_key_is_refused_in_production(tmp_path):
    message = config_error(tmp_path, f'env = "production"\nsecret_key = "{"x" * 31}"\n')
    assert first_key(message) == "secret_key"
    assert "32 characters" in message


def test_production_accepts_real_secrets(tmp_path):
    write_config(
        tmp_path,
        f'env = "production"\nsecret_key = "{"x" * 32}"\n{JIRA}api_token = "real-jira-token"\n',
    )
    settings = load_settings(tmp_path)
    assert settings.env == "production"
    assert settings.cookies_secure is True


def test_placeholder_jira_token_is_refused_in_production(tmp_path):
    message = config_error(
        tmp_path,
        f'env = "production"\nsecret_key = "{LONG_SECRET}"\n{JIRA}api_token = "change-me"\n',
    )
    assert first_key(message) == "jira.api_token"
    assert "placeholder" in message


def test_placeholder_jira_token_is_accepted_in_development(tmp_path):
    write_config(tmp_path, f'env = "development"\n{JIRA}api_token = "change-me"\n')
    assert load_settings(tmp_path).jira.api_token.get_secret_value() == "change-me"


def test_placeholder_smtp_password_is_refused_in_production(tmp_path):
    message = config_error(
        tmp_path,
        f'env = "production"\nsecret_key = "{LONG_SECRET}"\n[smtp]\npassword = "changeme"\n',
    )
    assert first_key(message) == "smtp.password"


# --- masking ------------------------------------------------------------------------------------


def test_masked_settings_contain_no_secret(tmp_path):
    secrets = {
        "secret_key": "sk-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "jira": "jira-token-5a4b3c2d1e",
        "pat": "jira-pat-0f1e2d3c4b",
        "smtp": "smtp-password-6e5d4c",
        "database": "db-password-7c6b5a",
    }
    settings = load_settings(
        tmp_path,
        {
            "secret_key": secrets["secret_key"],
            "database_url": f"postgresql+psycopg://tracker:{secrets['database']}@db.internal/tracker",
            "jira": {
                "base_url": "https://example.atlassian.net",
                "project_key": "OPS",
                "api_token": secrets["jira"],
                "personal_access_token": secrets["pat"],
            },
            "smtp": {"host": "smtp.example.com", "password": secrets["smtp"]},
        },
    )
    shown = masked(settings)
    printed = json.dumps(shown, default=str)
    for secret in secrets.values():
        assert secret not in printed
    assert shown["secret_key"] == "********"
    assert shown["jira"]["api_token"] == "********"
    assert shown["jira"]["personal_access_token"] == "********"
    assert shown["smtp"]["password"] == "********"
    assert shown["database_url"].startswith("postgresql+psycopg://tracker:")
    assert shown["database_url"].endswith("@db.internal/tracker")
    assert shown["jira"]["project_key"] == "OPS"  # ordinary values stay readable


def test_masked_leaves_unset_secrets_empty(tmp_path):
    shown = masked(load_settings(tmp_path))
    assert shown["jira"]["api_token"] == ""
    assert shown["smtp"]["password"] == ""


# --- config.example.toml documents every key ----------------------------------------------------


def settings_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= settings_keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def documented_keys(text: str) -> set[str]:
    """Keys set or shown commented out (`# key = value`), with the section they appear under."""
    keys: set[str] = set()
    section = ""
    for line in text.splitlines():
        header = re.match(r"^\s*#?\s*\[([a-z_.]+)\]\s*$", line)
        if header:
            section = header.group(1) + "."
            continue
        assignment = re.match(r"^\s*#?\s*([a-z_]+)\s*=", line)
        if assignment:
            keys.add(section + assignment.group(1))
    return keys


def test_settings_keys_helper_sees_nested_sections():
    keys = settings_keys(Settings)
    assert {"secret_key", "security.login_max_failures", "jira.api_token"} <= keys
    assert "security" not in keys


def test_example_config_documents_every_key():
    missing = settings_keys(Settings) - documented_keys(EXAMPLE.read_text(encoding="utf-8"))
    assert not missing, f"config.example.toml does not mention: {sorted(missing)}"


def test_example_config_is_valid(tmp_path, monkeypatch):
    tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    monkeypatch.setenv("TRACKER_CONFIG", str(EXAMPLE))
    assert isinstance(load_settings(tmp_path), Settings)


def test_example_config_shows_the_defaults(tmp_path, monkeypatch):
    defaults = load_settings(tmp_path)
    monkeypatch.setenv("TRACKER_CONFIG", str(EXAMPLE))
    assert load_settings(tmp_path) == defaults


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("[smtp]\npassword = 12345678\n", "12345678"),
        ("secret_key = 987654321\n", "987654321"),
        (JIRA + "api_token = 55554444\n", "55554444"),
    ],
)
def test_secret_of_the_wrong_type_is_not_echoed(tmp_path, text, secret):
    message = config_error(tmp_path / "instance", text)
    assert secret not in message
    assert "is invalid" in message


@pytest.mark.parametrize("url", ["nonsense", "mysql://u@h/db"])
def test_bad_database_url_names_the_key(tmp_path, url):
    message = config_error(tmp_path / "instance", f'database_url = "{url}"\n')
    assert "'database_url'" in message
    assert url not in message


def test_jira_base_url_needs_a_scheme(tmp_path):
    text = '[jira]\nbase_url = "x.atlassian.net"\nproject_key = "OPS"\napi_token = "t"\n'
    assert "'jira.base_url'" in config_error(tmp_path / "instance", text)


def test_placeholder_personal_access_token_is_named(tmp_path):
    text = JIRA + 'api_token = "a-real-token-value"\npersonal_access_token = "change-me"\n'
    message = config_error(
        tmp_path / "instance", text, {"env": "production", "secret_key": LONG_SECRET}
    )
    assert "'jira.personal_access_token'" in message


def test_database_password_in_query_is_masked(tmp_path):
    url = "postgresql+psycopg://u:pw-in-authority@h/db?password=pw-in-query"
    shown = json.dumps(masked(load_settings(tmp_path, {"database_url": url})))
    assert "pw-in-authority" not in shown
    assert "pw-in-query" not in shown
    assert "u:********@h/db" in shown


def test_empty_tracker_config_means_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_CONFIG", "")
    assert load_settings(tmp_path / "instance").env == "development"
