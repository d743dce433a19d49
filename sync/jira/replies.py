"""Jira's failed HTTP answers and broken connections, turned into `sync.jira.errors` exceptions.

Each message is one plain sentence; Jira's own words are quoted after it, shortened, with any
configured secret masked (Jira does not echo tokens, but a proxy's error page might).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError

from sync.jira.errors import (
    JiraBadResponse,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraServerError,
    JiraUnauthorized,
    JiraUnavailable,
)

MASK = "********"
DETAIL_LIMIT = 300
# Methods after which a lost or garbled answer may hide a change made in Jira.
WRITES = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@dataclass(frozen=True)
class Site:
    """What the messages need to know about the connection."""

    base_url: str
    timeout: float
    credential_hint: str  # e.g. "check jira.email and jira.api_token"
    secrets: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, MASK)
        return text


def jira_complaints(body: Any) -> tuple[list[str], dict[str, str]]:
    """Jira's ErrorCollection: (`errorMessages`, `errors` by field); tolerant of other shapes."""
    if not isinstance(body, dict):
        return [], {}
    raw_messages = body.get("errorMessages")
    messages = [str(m) for m in raw_messages] if isinstance(raw_messages, list) else []
    for key in ("message", "errorMessage"):
        if isinstance(body.get(key), str) and body[key]:
            messages.append(body[key])
    raw_errors = body.get("errors")
    field_errors = (
        {str(k): str(v) for k, v in raw_errors.items()} if isinstance(raw_errors, dict) else {}
    )
    if isinstance(raw_errors, list):  # bulk create: one ErrorCollection per failed element
        for element in raw_errors:
            inner = element.get("elementErrors") if isinstance(element, dict) else None
            more_messages, more_fields = jira_complaints(inner)
            number = element.get("failedElementNumber") if isinstance(element, dict) else None
            prefix = f"issue {number}: " if number is not None else ""
            messages.extend(prefix + m for m in more_messages)
            messages.extend(f"{prefix}{k}: {v}" for k, v in more_fields.items())
    return messages, field_errors


def _detail(site: Site, parts: Iterable[str]) -> str:
    text = "; ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
    if not text:
        return ""
    text = site.redact(text)
    if len(text) > DETAIL_LIMIT:
        text = text[: DETAIL_LIMIT - 3].rstrip() + "..."
    return f" Jira said: {text}."


def _parsed(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_for_reply(
    site: Site, method: str, path: str, response: requests.Response, retry_after: float = 0.0
) -> JiraError:
    """The exception for a non-2xx answer (`retry_after` is the wait computed for a 429)."""
    status = response.status_code
    body = _parsed(response)
    messages, field_errors = jira_complaints(body)
    said = _detail(site, [*messages, *(f"{k}: {v}" for k, v in field_errors.items())])
    where = f"{method} {path}"
    if status == 401:
        return unauthorized(site)
    if status == 403:
        denied = response.headers.get("X-Authentication-Denied-Reason", "")
        if "captcha" in denied.lower():
            return JiraForbidden(
                "Jira asks for a CAPTCHA after failed sign-ins; sign in to Jira once in a browser "
                f"as this account, then {site.credential_hint}.",
                status=403,
            )
        return JiraForbidden(f"The Jira account is not allowed to do {where}.{said}", status=403)
    if status == 404:
        return JiraNotFound(f"Jira found nothing at {where}.{said}", status=404)
    if status in (400, 422):
        return JiraRejected(
            f"Jira rejected {where}.{said}",
            status=status,
            field_errors=field_errors,
            messages=messages,
            body=body,
        )
    if status == 429:
        return JiraRateLimited(
            f"Jira is limiting the tracker's requests; try again in {retry_after:.0f} seconds.",
            retry_after=retry_after,
        )
    if status >= 500:
        return JiraServerError(
            f"Jira failed with HTTP {status} on {where}; it may have done part of the work.{said}",
            status=status,
        )
    if 300 <= status < 400:
        target = site.redact(response.headers.get("Location", "another address"))
        return JiraError(
            f"Jira at {site.base_url} redirected {where} to {target}; set jira.base_url to the "
            "address Jira really answers on.",
            status=status,
        )
    return JiraError(f"Jira answered HTTP {status} to {where}.{said}", status=status)


def unauthorized(site: Site, *, outcome_unknown: bool = False) -> JiraUnauthorized:
    return JiraUnauthorized(
        f"Jira refused the credentials: {site.credential_hint}.",
        status=401,
        outcome_unknown=outcome_unknown,
    )


def bad_json(site: Site, method: str, path: str, status: int) -> JiraBadResponse:
    return JiraBadResponse(
        f"Jira at {site.base_url} answered {method} {path} with something that is not the JSON "
        "expected; check jira.base_url (a proxy or sign-in page may be in the way).",
        status=status,
        outcome_unknown=method in WRITES,
    )


def expect_object(value: Any, what: str) -> dict[str, Any]:
    """`value` if it is a JSON object; else JiraBadResponse naming `what` was asked for."""
    if not isinstance(value, dict):
        raise JiraBadResponse(f"Jira's answer to {what} is not the JSON object expected.")
    return value


def never_connected(exc: BaseException) -> bool:
    """True when the request certainly did not leave this machine (refused, DNS, TLS, connect
    timeout); False when it may have reached Jira (read timeout, reset mid-answer)."""
    if isinstance(
        exc,
        requests.ConnectTimeout
        | requests.exceptions.SSLError
        | requests.exceptions.ProxyError
        | requests.exceptions.InvalidURL
        | requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema,
    ):
        return True
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        # urllib3's NewConnectionError and NameResolutionError subclass ConnectTimeoutError.
        if isinstance(current, ConnectTimeoutError | ConnectionRefusedError | socket.gaierror):
            return True
        pending.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return False


def error_for_exception(site: Site, method: str, path: str, exc: Exception) -> JiraUnavailable:
    """The exception for a request that got no HTTP answer."""
    if never_connected(exc):
        if isinstance(exc, requests.ConnectTimeout):
            text = f"Jira at {site.base_url} did not accept a connection within {site.timeout:g} s"
        elif isinstance(exc, requests.exceptions.SSLError):
            text = f"The TLS handshake with Jira at {site.base_url} failed"
        else:
            text = (
                f"Jira at {site.base_url} could not be reached (connection refused or unknown host)"
            )
        return JiraUnavailable(f"{text}; check jira.base_url and the network.")
    if isinstance(exc, requests.Timeout):
        text = f"Jira at {site.base_url} did not answer {method} {path} within {site.timeout:g} s"
    else:
        text = f"The connection to Jira at {site.base_url} broke during {method} {path}"
    if method in WRITES:
        text += "; Jira may still have carried the request out"
    return JiraUnavailable(f"{text}.", outcome_unknown=True)
