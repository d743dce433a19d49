"""What a JiraClient is built from: the credentials each flavour uses, and which flavour a site
is when `jira.deployment = "auto"`. `JiraClient.from_settings` is the one constructor that puts
these together.

Cloud authenticates with the account email and an API token as basic auth; Data Center with a
personal access token as a bearer token. Tokens come only from the settings (env or file).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from jira import JIRA

from sync.jira.errors import JiraNotConfigured, JiraUnauthorized
from tracker.config import JiraSettings

__all__ = [
    "CLOUD",
    "DATACENTER",
    "Flavour",
    "Login",
    "candidates",
    "chosen_flavour",
    "login",
    "refused",
    "reported_flavour",
]

Flavour = Literal["cloud", "datacenter"]
CLOUD: Final = "cloud"
DATACENTER: Final = "datacenter"

CLOUD_HINT = "check jira.email and jira.api_token"
DATACENTER_HINT = "check jira.personal_access_token"
SERVER_BASIC_HINT = "check jira.username and jira.password"
NO_DATACENTER_CREDENTIALS = (
    "Jira Data Center needs a personal access token: set jira.personal_access_token (or, on "
    "Jira Server before 8.14, jira.username and jira.password)."
)


@dataclass(frozen=True)
class Login:
    """A library session for one flavour, not yet used, with what errors may say about it."""

    jira: JIRA
    flavour: Flavour
    credential_hint: str
    # Jira or a proxy might echo the basic-auth header back in an error page.
    secrets: tuple[str, ...]


def chosen_flavour(settings: JiraSettings, flavour: Flavour | None = None) -> Flavour | None:
    """`flavour`, else the configured deployment; None for "auto" (ask the site). Raises
    JiraNotConfigured without a base URL."""
    if not settings.base_url:
        raise JiraNotConfigured("Jira is not configured: set jira.base_url.")
    return flavour or (None if settings.deployment == "auto" else settings.deployment)


def login(settings: JiraSettings, flavour: Flavour) -> Login:
    """The session for a known flavour; raises JiraNotConfigured if its credentials are empty."""
    token = settings.api_token.get_secret_value()
    pat = settings.personal_access_token.get_secret_value()
    password = settings.password.get_secret_value()
    auth: dict[str, Any]
    if flavour == CLOUD:
        if not (settings.email and token):
            raise JiraNotConfigured(
                "Jira Cloud needs an account email and API token: set jira.email and "
                "jira.api_token."
            )
        auth, hint = {"basic_auth": (settings.email, token)}, CLOUD_HINT
    elif pat:
        auth, hint = {"token_auth": pat}, DATACENTER_HINT
    elif settings.username and password:
        auth, hint = {"basic_auth": (settings.username, password)}, SERVER_BASIC_HINT
    else:
        raise JiraNotConfigured(NO_DATACENTER_CREDENTIALS)
    jira = JIRA(
        server=settings.base_url,
        options={"rest_api_version": "3" if flavour == CLOUD else "2", "check_update": False},
        get_server_info=False,  # no request at construction time
        max_retries=0,  # JiraClient retries, and only what is safe to repeat
        timeout=settings.timeout_seconds,
        **auth,
    )
    secrets = (
        token,
        pat,
        password,
        _basic_credential(settings.email, token),
        _basic_credential(settings.username, password),
    )
    return Login(jira, flavour, hint, secrets)


def _basic_credential(email: str, token: str) -> str:
    return base64.b64encode(f"{email}:{token}".encode()).decode() if token else ""


def candidates(settings: JiraSettings) -> list[Flavour]:
    """The flavours to try when detecting, Cloud's first: each with configured credentials.
    Raises JiraNotConfigured when there are none."""
    found: list[Flavour] = []
    if settings.email and settings.api_token.get_secret_value():
        found.append(CLOUD)
    if settings.personal_access_token.get_secret_value() or (
        settings.username and settings.password.get_secret_value()
    ):
        found.append(DATACENTER)
    if not found:
        raise JiraNotConfigured(
            "No Jira credentials are configured: set jira.email and jira.api_token (Cloud) or "
            "jira.personal_access_token (Data Center)."
        )
    return found


def reported_flavour(server_info: object) -> Flavour:
    """The flavour serverInfo reports: "Cloud" deploymentType, else Data Center."""
    if isinstance(server_info, dict) and server_info.get("deploymentType") == "Cloud":
        return CLOUD
    return DATACENTER


def refused(tried: Sequence[Flavour], settings: JiraSettings) -> JiraUnauthorized:
    """The error when Jira refused every credential tried, naming the settings to check."""
    basic = not settings.personal_access_token.get_secret_value()
    server = SERVER_BASIC_HINT if basic else DATACENTER_HINT
    hint = {CLOUD: CLOUD_HINT, DATACENTER: server}
    if len(tried) > 1:
        hint = {
            CLOUD: f"{CLOUD_HINT} (Cloud)",
            DATACENTER: server.removeprefix("check ") + " (Data Center)",
        }
    return JiraUnauthorized(
        "Jira refused the credentials: " + " or ".join(hint[c] for c in tried) + ".",
        status=401,
    )
