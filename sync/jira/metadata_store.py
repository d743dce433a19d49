"""Discovered site metadata, kept per site and settings: in this process for an hour, and in
the database (through the client, see sync/jira/sites.py) for every process for a day.

Concurrent callers for the same key wait for one discovery instead of repeating it; Jira's
refusal of a field the metadata chose drops it everywhere (`forget`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync.jira import sites
from sync.jira.client import JiraClient
from sync.jira.discovery import SiteMetadata, discover
from tracker.config import JiraSettings

__all__ = ["STORED_FOR", "MetadataCache", "metadata_cache"]

# How long metadata stored in the database is trusted without a refresh. Jira's refusal of a
# field it chose drops it sooner (MetadataCache.forget); `tracker jira check --refresh` at once.
STORED_FOR = timedelta(days=1)


@dataclass
class _Entry:
    metadata: SiteMetadata
    stored_at: float
    generation: int


class MetadataCache:
    """Discovered metadata per site and project, reused for `ttl_seconds` (thread-safe).

    The key includes the settings discovery depends on, so a changed setting is seen at once.
    Concurrent callers for the same key wait for one discovery instead of repeating it.
    """

    def __init__(
        self, ttl_seconds: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, ...], _Entry] = {}
        self._key_locks: dict[tuple[str, ...], threading.Lock] = {}
        self._generation = 0

    def get(
        self, client: JiraClient, settings: JiraSettings, refresh: bool = False
    ) -> SiteMetadata:
        """The cached metadata, or freshly discovered if absent, expired or `refresh`."""
        key = _key(client, settings)
        with self._lock:
            entry = self._entries.get(key)
            fresh = entry is not None and self._clock() - entry.stored_at < self.ttl_seconds
            if entry is not None and fresh and not refresh:
                return entry.metadata
            seen = entry.generation if entry is not None else 0
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
            # Another thread discovered while this one waited: that answer is fresh enough.
            if entry is not None and entry.generation > seen:
                return entry.metadata
            stored = None if refresh else _stored(client, key)
            if stored is not None:
                self._keep(key, stored)
                return stored
            return self.put(client, settings, discover(client, settings))

    def put(
        self, client: JiraClient, settings: JiraSettings, metadata: SiteMetadata
    ) -> SiteMetadata:
        """Keep freshly read metadata here and (through the client) in the database."""
        key = _key(client, settings)
        client.learnt_metadata = {"key": list(key), "site": metadata.to_json()}
        self._keep(key, metadata)
        return metadata

    def _keep(self, key: tuple[str, ...], metadata: SiteMetadata) -> None:
        with self._lock:
            self._generation += 1
            self._entries[key] = _Entry(metadata, self._clock(), self._generation)

    def forget(self, base_url: str) -> None:
        """Drop what is known about the site at `base_url`: the next `get` discovers again
        (Jira refused a field the metadata chose, so the site changed since)."""
        with self._lock:
            for key in [key for key in self._entries if key[0] == base_url]:
                del self._entries[key]
        sites.forget_metadata(base_url)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _key(client: JiraClient, settings: JiraSettings) -> tuple[str, ...]:
    """What discovery depends on: a changed setting is a different entry."""
    return (
        client.base_url,
        client.flavour,
        settings.project_key,
        settings.story_issue_type,
        settings.epic_issue_type,
        settings.story_points_field,
        settings.epic_link_field,
    )


def _stored(client: JiraClient, key: tuple[str, ...]) -> SiteMetadata | None:
    """The metadata the database held for this site when the client was opened, if it was
    discovered for the same settings and less than STORED_FOR ago."""
    stored = client.stored_metadata
    if not stored or stored.get("key") != list(key) or not isinstance(stored.get("site"), dict):
        return None
    try:
        metadata = SiteMetadata.from_json(stored["site"])
    except ValueError:
        return None
    if datetime.now(UTC) - metadata.discovered_at > STORED_FOR:
        return None
    return metadata


# The process-wide cache the push and pull jobs share.
metadata_cache = MetadataCache()
