"""Scriptable per-call faults: rate limits, 5xx, slowness, lost and garbled responses."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .exchange import Reply, error

KINDS = ("slow", "lost_response", "malformed_json", "bulk_partial")
MALFORMED = b'{"issues": [{"id": "10001", "key": '


@dataclass
class Fault:
    method: str  # "*" matches any method
    path_regex: re.Pattern[str]
    kind: str  # a KINDS entry or an HTTP status such as "429", "500", "503", "403"
    times: int | None  # None: every matching call
    opts: dict[str, Any] = field(default_factory=dict)
    hits: int = 0
    passed: int = 0  # matching calls let through first (opts["after"])

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in ("*", method.upper()) and bool(self.path_regex.search(path))


class Faults:
    """`add(method, path_regex, kind, times=1, **opts)`; the first live match fires per call.
    Any kind takes after=n: the first n matching calls pass untouched (e.g. fail a second page).

    Kinds and options:
      "429": retry_after=1 (seconds), limit=100 -> Retry-After and X-RateLimit-* headers
      "500", "503" (retry_after=None) or any other status code -> Jira-style error body
      "slow": seconds=1.0 -> sleep, then answer normally
      "lost_response": mode="drop"|"504" -> perform the call, then drop the connection or 504
      "malformed_json": perform=False -> 200 with a truncated JSON body
      "bulk_partial": indexes=[0], field="summary", message=... -> those bulk elements fail
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self, method: str, path_regex: str, kind: str, times: int | None = 1, **opts: Any
    ) -> Fault:
        if kind not in KINDS and not re.fullmatch(r"[1-5]\d\d", kind):
            raise ValueError(f"unknown fault kind {kind!r}; use {KINDS} or a status code")
        fault = Fault(method.upper(), re.compile(path_regex), kind, times, opts)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.passed < int(fault.opts.get("after", 0)):
                        fault.passed += 1
                        continue
                    fault.hits += 1
                    return fault
        return None

    def pending(self) -> list[Fault]:
        """Faults that can still fire."""
        with self._lock:
            return [f for f in self._faults if f.times is None or f.hits < f.times]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        return len(self.pending())


def status_reply(fault: Fault, now: datetime) -> Reply:
    status = int(fault.kind)
    opts = fault.opts
    headers: dict[str, str] = {}
    retry_after = opts.get("retry_after", 1 if status == 429 else None)
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    if status == 429:
        reset = now.astimezone(UTC) + timedelta(seconds=int(retry_after or 0))
        headers.update(
            {
                "X-RateLimit-Limit": str(opts.get("limit", 100)),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-FillRate": str(opts.get("fill_rate", 10)),
                "X-RateLimit-Interval-Seconds": "1",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
                "RateLimit-Reason": "jira-burst-based",
            }
        )
    messages = {
        401: "Client must be authenticated to access this resource.",
        403: "You do not have permission to perform this operation.",
        429: "Rate limit exceeded.",
        500: "Internal server error",
        503: "Service Unavailable",
    }
    reply = error(status, opts.get("message", messages.get(status, f"HTTP {status}")))
    reply.headers.update(headers)
    return reply
