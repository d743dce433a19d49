"""What can go wrong when talking to Jira, as exceptions (integration code raises, never returns
error tuples).

Every message is one plain sentence a PM can read, without tokens or request headers.
`outcome_unknown` tells the push layer whether Jira may have carried the request out even though
it failed: True means "look before you retry" (search for the issue by its unique label), False
means Jira certainly did nothing (a 4xx answer, a 429, or a connection that never opened).

The web catches these by their bases in tracker/services/ports.py, so it never imports sync/.
"""

from __future__ import annotations

from typing import Any

from tracker.services.ports import JiraFailure, JiraMissing, JiraUnreadable

__all__ = [
    "JiraBadResponse",
    "JiraError",
    "JiraForbidden",
    "JiraMisconfigured",
    "JiraNotConfigured",
    "JiraNotFound",
    "JiraRateLimited",
    "JiraRejected",
    "JiraServerError",
    "JiraUnauthorized",
    "JiraUnavailable",
]


class JiraError(JiraFailure):
    """Base of every Jira failure; `str(exc)` is the plain sentence to show."""

    def __init__(
        self, message: str, *, status: int | None = None, outcome_unknown: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.outcome_unknown = outcome_unknown


class JiraNotConfigured(JiraError):
    """A setting the call needs (base URL, project, credentials) is empty."""


class JiraMisconfigured(JiraError):
    """Jira answers, but the site or project lacks what the tracker needs (an issue type...)."""


class JiraUnauthorized(JiraError):
    """401: the credentials were refused."""


class JiraForbidden(JiraError):
    """403: the account may not do this."""


class JiraNotFound(JiraError, JiraMissing):
    """404: no such resource, or the account cannot see it (Jira does not say which)."""


class JiraRejected(JiraError):
    """400/422: Jira refused the request's content; nothing was created or changed.

    `field_errors` maps a field id to Jira's sentence about it (Jira's `errors`), `messages`
    holds Jira's general `errorMessages`, `body` the parsed reply (bulk replies keep their
    per-element errors there).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        field_errors: dict[str, str] | None = None,
        messages: list[str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status=status, outcome_unknown=False)
        self.field_errors: dict[str, str] = dict(field_errors or {})
        self.messages: list[str] = list(messages or [])
        self.body = body


class JiraRateLimited(JiraError):
    """429: Jira did not process the request; `retry_after` is the wait it asked for (seconds)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, status=429, outcome_unknown=False)
        self.retry_after = retry_after


class JiraServerError(JiraError):
    """5xx: Jira failed, possibly after doing the work, so the outcome is unknown."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message, status=status, outcome_unknown=True)


class JiraUnavailable(JiraError):
    """No usable answer at the network level: refused, timed out, reset."""


class JiraBadResponse(JiraError, JiraUnreadable):
    """Jira (or something in front of it) answered with a body that is not the JSON expected."""
