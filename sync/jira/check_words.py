"""A Jira failure met by 'Test Jira connection', said as what the admin should change; Jira's
own answer (endpoint, status, its words) goes in the detail line."""

from __future__ import annotations

from sync.jira.client import REFUSED_METHOD
from sync.jira.errors import (
    JiraBadResponse,
    JiraError,
    JiraForbidden,
    JiraMisconfigured,
    JiraNotFound,
    JiraRateLimited,
    JiraServerError,
    JiraUnauthorized,
    JiraUnavailable,
)

__all__ = ["in_words"]


def in_words(exc: JiraError, doing: str) -> tuple[str, str]:
    """(message, detail) for `exc`, met while the tracker tried to `doing` ("read project
    OPS")."""
    detail = exc.message
    if isinstance(exc, JiraUnauthorized | JiraUnavailable | JiraMisconfigured):
        return exc.message, ""  # already says what to change, with no endpoint in it
    if isinstance(exc, JiraForbidden):
        message = (
            f"The Jira account may not {doing}; give it that permission in Jira (or ask the "
            "Jira admin to)."
        )
    elif isinstance(exc, JiraNotFound):
        message = (
            f"Jira has nothing where the tracker went to {doing}; check that jira.base_url is "
            "Jira's own address (with its context path, such as /jira, if it has one)."
        )
    elif exc.status in REFUSED_METHOD:
        message = (
            f"Something in front of Jira (a proxy or firewall) refuses the request to {doing}; "
            "ask whoever runs it to let the tracker's requests through."
        )
    elif isinstance(exc, JiraRateLimited):
        message = "Jira is limiting the tracker's requests; run the check again in a minute."
    elif isinstance(exc, JiraServerError):
        message = f"Jira failed when asked to {doing}; look at Jira's logs, or try again later."
    elif isinstance(exc, JiraBadResponse):
        message = (
            f"Jira's answer when asked to {doing} was not what Jira sends (a sign-in page or a "
            "proxy may be in the way); check jira.base_url."
        )
    else:  # a redirect or an odd status: the sentence names the setting already
        return exc.message, ""
    return message, detail
