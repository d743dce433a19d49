"""Build a JiraClient from settings: the credentials each flavour uses, and which flavour a site
is when `jira.deployment = "auto"`.

Cloud authenticates with the account email and an API token as basic auth; Data Center with a
personal access token as a bearer token. Tokens come only from the settings (env or file).
"""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from jira import JIRA

from sync.jira.client import CLOUD, DATACENTER, Flavour, JiraClient
from sync.jira.errors import JiraNotConfigured, JiraUnauthorized
from tracker.config import JiraSettings

log = logging.getLogger(__name__)

CLOUD_HINT = "check jira.email and jira.api_token"
DATACENTER_HINT = "check jira.personal_access_token"


def connect(
    settings: JiraSettings,
    flavour: Flavour | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> JiraClient:
    """See JiraClient.from_settings."""
    if not settings.base_url:
        raise JiraNotConfigured("Jira is not configured: set jira.base_url.")
    chosen = flavour or (None if settings.deployment == "auto" else settings.deployment)
    if chosen is not None:
        return build(settings, chosen, sleep=sleep, rng=rng)
    return detect(settings, sleep=sleep, rng=rng)


def build(
    settings: JiraSettings,
    flavour: Flavour,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> JiraClient:
    """A client for a known flavour; raises JiraNotConfigured if its credentials are empty."""
    token = settings.api_token.get_secret_value()
    pat = settings.personal_access_token.get_secret_value()
    auth: dict[str, Any]
    if flavour == CLOUD:
        if not (settings.email and token):
            raise JiraNotConfigured(
                "Jira Cloud needs an account email and API token: set jira.email and "
                "jira.api_token."
            )
        auth, hint = {"basic_auth": (settings.email, token)}, CLOUD_HINT
    else:
        if not pat:
            raise JiraNotConfigured(
                "Jira Data Center needs a personal access token: set jira.personal_access_token."
            )
        auth, hint = {"token_auth": pat}, DATACENTER_HINT
    jira = JIRA(
        server=settings.base_url,
        options={"rest_api_version": "3" if flavour == CLOUD else "2", "check_update": False},
        get_server_info=False,  # no request at construction time
        max_retries=0,  # JiraClient retries, and only what is safe to repeat
        timeout=settings.timeout_seconds,
        **auth,
    )
    return JiraClient(
        jira,
        flavour=flavour,
        timeout=settings.timeout_seconds,
        max_attempts=settings.max_attempts,
        credential_hint=hint,
        # Jira or a proxy might echo the basic-auth header back in an error page.
        secrets=(token, pat, _basic_credential(settings.email, token)),
        sleep=sleep,
        rng=rng,
    )


def _basic_credential(email: str, token: str) -> str:
    return base64.b64encode(f"{email}:{token}".encode()).decode() if token else ""


def detect(
    settings: JiraSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> JiraClient:
    """Ask serverInfo with each configured credential (Cloud's first) and return the client
    for the flavour it reports ("Cloud" deploymentType, else Data Center)."""
    candidates: list[Flavour] = []
    if settings.email and settings.api_token.get_secret_value():
        candidates.append(CLOUD)
    if settings.personal_access_token.get_secret_value():
        candidates.append(DATACENTER)
    if not candidates:
        raise JiraNotConfigured(
            "No Jira credentials are configured: set jira.email and jira.api_token (Cloud) or "
            "jira.personal_access_token (Data Center)."
        )
    for candidate in candidates:
        client = build(settings, candidate, sleep=sleep, rng=rng)
        try:
            # REST v2 serverInfo answers on both flavours.
            info = client.request("GET", "/rest/api/2/serverInfo", idempotent=True)
        except JiraUnauthorized:
            client.close()
            continue
        except BaseException:
            client.close()
            raise
        detected: Flavour = (
            CLOUD
            if isinstance(info, dict) and info.get("deploymentType") == "Cloud"
            else DATACENTER
        )
        log.info("Jira at %s is %s", client.base_url, detected)
        if detected == candidate:
            return client
        client.close()
        return build(settings, detected, sleep=sleep, rng=rng)
    hint = {CLOUD: CLOUD_HINT, DATACENTER: DATACENTER_HINT}
    if len(candidates) > 1:
        hint = {
            CLOUD: f"{CLOUD_HINT} (Cloud)",
            DATACENTER: "jira.personal_access_token (Data Center)",
        }
    raise JiraUnauthorized(
        "Jira refused the credentials: " + " or ".join(hint[c] for c in candidates) + ".",
        status=401,
    )
