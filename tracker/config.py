"""Settings: defaults in code, then the TOML file, then `TRACKER_*` environment, then overrides.

The file is `instance/config.toml` or the path in `TRACKER_CONFIG`. Nested keys are overridden from
the environment as `TRACKER_SECTION__KEY` (for example `TRACKER_SECURITY__LOGIN_MAX_FAILURES=3`).
Validation fails with one sentence naming the key (see `ConfigError`).
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from flask import current_app
from limits import parse_many
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tracker.benefit_settings import BenefitSettings
from tracker.kpi_settings import KpiSettings

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 (refused outside development)
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", DEV_SECRET_KEY})
# Values never echoed back, not even in a validation message.
SECRET_KEYS = frozenset(
    {
        "secret_key",
        "database_url",
        "api_token",
        "personal_access_token",
        "password",
        "webhook_secret",
        "rate_limit_storage_uri",
        "url",
    }
)
DEFAULT_AREAS = (
    "Account integrity",
    "Content spam",
    "Scams and fraud",
    "API and developer review",
    "Platform manipulation",
    "Vendor tooling and training",
    "Other",
)


class ConfigError(Exception):
    """The configuration cannot be used; the message is one sentence naming the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SecuritySettings(_Section):
    max_request_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    session_lifetime_hours: int = Field(default=12, ge=1)
    # Per client address, in Flask-Limiter's notation; "" switches a limit off.
    login_rate_limit: str = "20 per minute;200 per hour"  # POST /login
    api_rate_limit: str = "600 per minute"  # API requests presenting a bearer token
    # memory:// counts per process; several app servers share e.g. redis://host:6379/0.
    rate_limit_storage_uri: SecretStr = SecretStr("memory://")
    # Proxies whose X-Forwarded-For gives the client address; 0 uses the connecting address.
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    # None means "secure cookies everywhere except development", the safe default behind TLS.
    session_cookie_secure: bool | None = None
    force_https: bool = False

    @field_validator("login_rate_limit", "api_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            parse_many(value)  # its ValueError names the bad text
        return value.strip()


class SchedulerSettings(_Section):
    enabled: bool = True
    # Run the jobs inside the web process; only for development (`make run`).
    embedded: bool = False
    # A job's database lease; renewed while the job runs, taken over by another scheduler
    # process once it has expired (so a dead scheduler is replaced within this time).
    lease_seconds: int = Field(default=120, ge=5, le=3600)
    push_interval_seconds: float = Field(default=30, gt=0)


class JiraSettings(_Section):
    base_url: str = ""
    email: str = ""
    api_token: SecretStr = SecretStr("")
    personal_access_token: SecretStr = SecretStr("")
    # Server/Data Center without personal access tokens (before 8.14): basic auth.
    username: str = ""
    password: SecretStr = SecretStr("")
    project_key: str = ""
    # "auto" asks serverInfo; "cloud" or "datacenter" skips the question.
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    story_issue_type: str = "Story"
    epic_issue_type: str = "Epic"
    # Field ids differ per site; empty means "find by name through /field".
    story_points_field: str = ""
    epic_link_field: str = ""
    # Tracker priority -> Jira priority name; unmapped names are sent as they are.
    priority_map: dict[str, str] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    # Short, stable name of this tracker installation in the unique labels (trk-<site_id>-...).
    site_id: str = Field(default="main", pattern=r"^[a-z0-9]{1,16}$")
    timeout_seconds: float = Field(default=30, gt=0, le=300)
    max_concurrency: int = Field(default=2, ge=1, le=8)
    max_attempts: int = Field(default=5, ge=1, le=20)


class SmtpSettings(_Section):
    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: SecretStr = SecretStr("")
    from_address: str = "tracker@localhost"


class SyncSettings(_Section):
    """Jira status coming back: the schedule, what the statuses mean, and the webhook."""

    enabled: bool = True
    interval_minutes: float = Field(default=5, gt=0)
    # Daily full reconcile of every tracked issue, at this local time (the `timezone` setting).
    full_reconcile_at: str = Field(default="03:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Incremental runs ask for issues updated since the last good run minus this margin.
    safety_margin_minutes: int = Field(default=10, ge=0, le=1440)
    batch_size: int = Field(default=100, ge=1, le=100)
    # Jira status name -> todo | in_progress | done, overriding the status category.
    status_map: dict[str, Literal["todo", "in_progress", "done"]] = Field(default_factory=dict)
    # A story in one status longer than this flags its initiative's health.
    stuck_after_days: float = Field(default=14, gt=0)
    # After a failed run, wait interval x 2^failures (at most this long) before the next try.
    max_backoff_minutes: float = Field(default=60, gt=0)
    # Shared secret of the Jira webhook (X-Hub-Signature); empty switches /hooks/jira off.
    webhook_secret: SecretStr = SecretStr("")
    webhook_max_age_seconds: int = Field(default=300, ge=10)


class DigestSettings(_Section):
    enabled: bool = True
    # Sent on this weekday at this local time (the `timezone` setting), covering the period
    # since the audience's previous digest.
    weekday: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    send_at: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    stalled_after_days: float = Field(default=14, gt=0)
    backlog_top: int = Field(default=10, ge=1, le=100)
    max_attempts: int = Field(default=5, ge=1, le=50)


class NotificationSettings(_Section):
    enabled: bool = True
    # Nobody gets more than one notification email per this many minutes.
    batch_minutes: float = Field(default=60, gt=0)
    check_interval_minutes: float = Field(default=5, gt=0)
    # After this many failed sends a batch is given up (kept, marked failed, for the admin).
    max_attempts: int = Field(default=5, ge=1, le=50)


class SuggestionSettings(_Section):
    areas: list[str] = Field(default_factory=lambda: list(DEFAULT_AREAS), min_length=1)


class ScoringSettings(_Section):
    framework: Literal["value_effort", "rice", "ice", "wsjf"] = "rice"


class StorySettings(_Section):
    # Sandboxed Jinja templates; each sees `suggestion`, `hours_saved` and `area_role`.
    summary_template: str = "{{ suggestion.title }}"
    role_template: str = "{{ area_role }}"
    want_template: str = "{{ suggestion.proposed_change }}"
    benefit_template: str = (
        "{% if hours_saved %}we save about {{ hours_saved }} agent hours a week"
        "{% else %}{{ suggestion.problem | truncate(160) }} stops slowing us down{% endif %}"
    )
    criteria_templates: list[str] = Field(
        default_factory=lambda: [
            "a ticket in {{ suggestion.queue or 'the queue' }} | the agent handles it "
            "| the new process applies without extra manual steps",
            "the change is live | a week has passed | handle time is measured against the baseline",
        ]
    )
    # Role shown in "As a ..." per area; areas not listed use `default_role`.
    area_roles: dict[str, str] = Field(default_factory=dict)
    default_role: str = "support agent"
    points_scale: list[int] = Field(default_factory=lambda: [1, 2, 3, 5, 8, 13], min_length=2)
    labels: list[str] = Field(default_factory=lambda: ["initiative-tracker"])
    components: list[str] = Field(default_factory=list)
    # Jira priority by score rank among accepted ideas: top quarter first.
    priorities: list[str] = Field(
        default_factory=lambda: ["Highest", "High", "Medium", "Low"], min_length=1
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRACKER_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    env: Literal["development", "production", "testing"] = "development"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    database_url: SecretStr = SecretStr("")
    base_url: str = "http://127.0.0.1:5000"
    timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    security: SecuritySettings = SecuritySettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    jira: JiraSettings = JiraSettings()
    smtp: SmtpSettings = SmtpSettings()
    sync: SyncSettings = SyncSettings()
    digests: DigestSettings = DigestSettings()
    notifications: NotificationSettings = NotificationSettings()
    suggestions: SuggestionSettings = SuggestionSettings()
    scoring: ScoringSettings = ScoringSettings()
    stories: StorySettings = StorySettings()
    kpis: KpiSettings = KpiSettings()
    benefits: BenefitSettings = BenefitSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Dublin") from None
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def cookies_secure(self) -> bool:
        if self.security.session_cookie_secure is not None:
            return self.security.session_cookie_secure
        return self.env == "production"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls))


_config_file: ContextVar[dict[str, Any] | None] = ContextVar("_config_file", default=None)


class _TomlFileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return (_config_file.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_config_file.get() or {})


def config_path(instance_path: Path) -> Path:
    """The TOML file in use: `TRACKER_CONFIG`, else `instance/config.toml` (which may not exist)."""
    explicit = os.environ.get("TRACKER_CONFIG")
    return Path(explicit) if explicit else instance_path / "config.toml"


def load_settings(instance_path: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Build validated settings; raises ConfigError with one sentence naming the key."""
    path = config_path(instance_path)
    file_values: dict[str, Any] = {}
    if path.exists():
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {path} is not valid TOML: {exc}.") from None
    elif os.environ.get("TRACKER_CONFIG"):
        raise ConfigError(f"TRACKER_CONFIG points to {path}, which does not exist.")
    token = _config_file.set(file_values)
    try:
        settings = Settings(**(overrides or {}))
    except ValidationError as exc:
        raise ConfigError(_one_sentence(exc)) from None
    finally:
        _config_file.reset(token)
    if not settings.database_url.get_secret_value():
        settings.database_url = SecretStr(f"sqlite:///{instance_path / 'tracker.db'}")
    _check_rules(settings)
    return settings


def _one_sentence(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        sentence = f"Unknown config key '{key}'; check its spelling against config.example.toml."
    else:
        message = error["msg"].removeprefix("Value error, ")
        shown = "" if set(map(str, error["loc"])) & SECRET_KEYS else f" (got {error['input']!r})"
        sentence = f"Config key '{key}' is invalid: {message}{shown}."
    more = exc.error_count() - 1
    return sentence + (f" ({more} more problem(s) after fixing this one.)" if more else "")


def _check_rules(settings: Settings) -> None:
    if settings.env == "production":
        if settings.secret_key.get_secret_value() in PLACEHOLDER_SECRETS:
            raise ConfigError(
                "Config key 'secret_key' is a placeholder; set TRACKER_SECRET_KEY to a long random "
                "value in production."
            )
        if len(settings.secret_key.get_secret_value()) < 32:
            raise ConfigError(
                "Config key 'secret_key' must be at least 32 characters in production."
            )
    try:
        url = make_url(settings.database_url.get_secret_value())
    except ArgumentError:
        raise ConfigError(
            "Config key 'database_url' is not a database URL; use sqlite:///path/tracker.db or "
            "postgresql+psycopg://user:password@host:5432/name."
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("Config key 'database_url' must point to SQLite or PostgreSQL.")
    jira = settings.jira
    if jira.base_url:
        if not jira.base_url.startswith(("http://", "https://")):
            raise ConfigError("Config key 'jira.base_url' must start with https:// (or http://).")
        if not jira.project_key:
            raise ConfigError(
                "Config key 'jira.project_key' is required when jira.base_url is set."
            )
        tokens = {
            "jira.api_token": jira.api_token.get_secret_value(),
            "jira.personal_access_token": jira.personal_access_token.get_secret_value(),
            "jira.password": jira.password.get_secret_value(),
        }
        if not any(tokens.values()):
            raise ConfigError(
                "Config key 'jira.api_token' (Cloud) or 'jira.personal_access_token' (Data Center) "
                "is required when jira.base_url is set (or jira.username and jira.password for "
                "Jira Server before 8.14)."
            )
        for key, token in tokens.items():
            if token and token in PLACEHOLDER_SECRETS and settings.env == "production":
                raise ConfigError(f"Config key '{key}' is a placeholder; set the real token.")
    registry = settings.kpis.registry
    for name, metric in registry.items():
        if metric.weight and metric.weight not in registry:
            raise ConfigError(
                f"Config key 'kpis.metrics.{name}.weight' names '{metric.weight}', which is not "
                f"a metric; use one of {', '.join(sorted(registry))}."
            )
        if metric.weight and metric.aggregate != "mean":
            raise ConfigError(
                f"Config key 'kpis.metrics.{name}.weight' needs aggregate = \"mean\"."
            )
    smtp_password = settings.smtp.password.get_secret_value()
    if smtp_password in PLACEHOLDER_SECRETS - {""} and settings.env == "production":
        raise ConfigError(
            "Config key 'smtp.password' is a placeholder; set TRACKER_SMTP__PASSWORD."
        )


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data with every secret replaced by '********'."""
    data = settings.model_dump(mode="python")

    def mask(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return "********" if value.get_secret_value() else ""
        if isinstance(value, dict):
            return {key: mask(inner) for key, inner in value.items()}
        return value

    result: dict[str, Any] = mask(data)
    result["database_url"] = display_database_url(settings)
    return result


def display_database_url(settings: Settings) -> str:
    """The URL with its password (in the authority or as a query parameter) masked."""
    url = make_url(settings.database_url.get_secret_value())
    marker = "MASKEDSECRET"  # URL-safe, so it survives rendering and can be swapped for the mask
    if url.password:
        url = url.set(password=marker)
    query = {k: (marker if "password" in k.lower() else v) for k, v in url.query.items()}
    rendered = url.set(query=query).render_as_string(hide_password=False)
    return rendered.replace(marker, "********")


def current_settings() -> Settings:
    """The settings of the app handling this request, job or command."""
    settings: Settings = current_app.config["SETTINGS"]
    return settings
