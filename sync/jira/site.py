"""The few facts about a Jira site the status sync needs, kept in this process for an hour:

- the id of Jira Software's Sprint field, which differs per site (GET /field; None when the
  site has no Jira Software);
- the API user's profile time zone (GET /myself), because Jira reads the dates in JQL in the
  searching user's zone (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Updated).

Each fact is fetched the first time a run needs it, so the first run in a new process pays one
or two extra calls (in parallel) and every run in the following hour none.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync.jira.client import JiraClient
from sync.jira.discovery import FieldInfo, fetch_fields
from sync.jira.replies import expect_object

__all__ = ["SPRINT_PLUGIN", "SiteFacts", "find_sprint_field", "site_facts"]

log = logging.getLogger(__name__)

SPRINT_PLUGIN = "com.pyxis.greenhopper.jira:gh-sprint"
SPRINT_NAME = "sprint"
UTC_ZONE = ZoneInfo("UTC")


def find_sprint_field(fields: Sequence[FieldInfo]) -> FieldInfo | None:
    """Jira Software's Sprint field: by its type (stable), else by the name "Sprint"."""
    by_type = [f for f in fields if f.plugin == SPRINT_PLUGIN]
    by_name = [f for f in fields if f.custom and f.name.casefold() == SPRINT_NAME]
    matches = by_type or by_name
    return matches[0] if matches else None


def fetch_time_zone(client: JiraClient) -> ZoneInfo:
    """The API user's time zone from GET /myself; UTC when Jira hides it or names a zone this
    machine does not know."""
    path = client.api_path("myself")
    me: dict[str, Any] = expect_object(client.request("GET", path, idempotent=True), path)
    name = me.get("timeZone")
    if not isinstance(name, str) or not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("Jira user time zone %r is unknown here; JQL dates are sent in UTC", name)
        return UTC_ZONE


@dataclass
class _Fact:
    value: Any
    stored_at: float


class SiteFacts:
    """Per-site facts for `ttl_seconds`, keyed by the site's base URL (thread-safe)."""

    def __init__(
        self, ttl_seconds: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._facts: dict[tuple[str, str], _Fact] = {}

    def _get(self, base_url: str, name: str) -> _Fact | None:
        with self._lock:
            fact = self._facts.get((base_url.rstrip("/"), name))
        if fact is None or self._clock() - fact.stored_at >= self.ttl_seconds:
            return None
        return fact

    def _put(self, base_url: str, name: str, value: Any) -> None:
        with self._lock:
            self._facts[(base_url.rstrip("/"), name)] = _Fact(value, self._clock())

    def sync_facts(
        self, client: JiraClient, *, time_zone: bool
    ) -> tuple[str | None, ZoneInfo | None]:
        """(sprint field id, user time zone if asked for), fetching what is not cached in
        parallel. Raises the client's errors."""
        sprint = self._get(client.base_url, "sprint_field")
        zone = self._get(client.base_url, "time_zone") if time_zone else None
        wanted: dict[str, Callable[[], Any]] = {}
        if sprint is None:
            wanted["sprint_field"] = lambda: _sprint_field_id(client)
        if time_zone and zone is None:
            wanted["time_zone"] = lambda: fetch_time_zone(client)
        if len(wanted) > 1:
            with ThreadPoolExecutor(len(wanted), thread_name_prefix="jira-site") as pool:
                futures = {name: pool.submit(fetch) for name, fetch in wanted.items()}
                found = {name: future.result() for name, future in futures.items()}
        else:
            found = {name: fetch() for name, fetch in wanted.items()}
        for name, value in found.items():
            self._put(client.base_url, name, value)
        sprint_id = found["sprint_field"] if sprint is None else sprint.value
        user_zone = found.get("time_zone", zone.value if zone is not None else None)
        return sprint_id, user_zone

    def clear(self) -> None:
        with self._lock:
            self._facts.clear()


def _sprint_field_id(client: JiraClient) -> str | None:
    found = find_sprint_field(fetch_fields(client))
    return None if found is None else found.id


# The process-wide cache the sync runs share.
site_facts = SiteFacts()
