"""How long to wait before asking Jira again: its rate-limit headers first, else exponential
backoff, always with jitter so parallel workers do not retry in step.

Jira Cloud answers 429 with `Retry-After` (seconds) and `X-RateLimit-Reset` (an ISO timestamp);
see https://developer.atlassian.com/cloud/jira/platform/rate-limiting/. Data Center sends the
same headers when an admin switches rate limiting on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
# A longer wait than this is reported to the caller (JiraRateLimited.retry_after) instead of
# being slept through inside one request.
MAX_WAIT_SECONDS = 120.0
JITTER_FRACTION = 0.25


def backoff_seconds(attempt: int) -> float:
    """1, 2, 4 ... seconds after attempt 1, 2, 3 ..., capped at BACKOFF_CAP_SECONDS."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** max(0, attempt - 1))


def with_jitter(seconds: float, rng: random.Random) -> float:
    """`seconds` plus up to a quarter more (at least up to 0.25 s for tiny waits)."""
    return seconds + rng.uniform(0, JITTER_FRACTION * max(seconds, 1.0))


def rate_limit_seconds(
    headers: Mapping[str, str], attempt: int, now: Callable[[], datetime]
) -> float:
    """The wait a 429 asks for: Retry-After (seconds or an HTTP date), else the time until
    X-RateLimit-Reset, else exponential backoff. Never negative."""
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            when = _http_date(retry_after)
            if when is not None:
                return max(0.0, (when - now()).total_seconds())
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset:
        try:
            moment = datetime.fromisoformat(reset)
        except ValueError:
            moment = None
        if moment is not None:
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return max(0.0, (moment - now()).total_seconds())
    return backoff_seconds(attempt)


def _http_date(text: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
