"""One client per use, primed with what the database knows about the site.

`connected(app, settings)` is how the push worker, the status sync, `tracker jira check` and the
web's Jira actions open a client: the stored flavour spares the serverInfo call that "auto"
detection costs, the stored capabilities pick the endpoints the site answers (old or paged
createmeta, POST or GET search, bulk create or not), and the stored metadata spares discovery.
Whatever the client learns while in use (a 405 to POST search, a fresh discovery) is saved when
the block ends, for every process to share.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from sync.jira.capabilities import Capabilities
from sync.jira.client import JiraClient
from tracker.config import JiraSettings
from tracker.db import session_scope
from tracker.models import JiraSite
from tracker.services import jira_sites

__all__ = ["ClientFactory", "connected", "forget_metadata", "reset"]

log = logging.getLogger(__name__)

ClientFactory = Callable[[JiraSettings], JiraClient]

# Sites whose stored metadata Jira has contradicted since it was loaded (see forget_metadata).
_stale: set[str] = set()
_stale_lock = threading.Lock()


def forget_metadata(base_url: str) -> None:
    """The stored metadata of this site is out of date (Jira refused a field it chose): the
    next `connected` block to end drops it from the database, and no client loads it again."""
    with _stale_lock:
        _stale.add(base_url.rstrip("/"))


def reset() -> None:
    """Forget every stale mark (tests: fakes reuse ports, so one test's site must not reach
    the next)."""
    with _stale_lock:
        _stale.clear()


def _is_stale(base_url: str) -> bool:
    with _stale_lock:
        return base_url in _stale


@contextmanager
def connected(
    app: Flask,
    settings: JiraSettings,
    factory: ClientFactory | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    refresh: bool = False,
) -> Iterator[JiraClient]:
    """A client for the configured site, primed from the database (nothing stored is used
    when `refresh`), closed and its learnings saved when the block ends, even on error.
    Raises what the factory raises (JiraNotConfigured, JiraUnauthorized ...)."""
    build = factory or (lambda s: JiraClient.from_settings(s, sleep=sleep))
    base_url = settings.base_url.rstrip("/")
    with session_scope(app) as session:
        site = jira_sites.find(session, base_url=base_url) if base_url else None
        stored = None if site is None or refresh else _Stored.of(site)
    jira = settings
    if stored is not None and settings.deployment == "auto" and stored.flavour:
        jira = settings.model_copy(update={"deployment": stored.flavour})
    client = build(jira)
    try:
        if stored is not None and stored.flavour == client.flavour:
            client.capabilities = stored.capabilities
            client.server_version = client.server_version or stored.server_version
            if not _is_stale(client.base_url):
                client.stored_metadata = stored.metadata
        client.capabilities.changed = client.capabilities.changed or stored is None
        yield client
    finally:
        try:
            _save(app, client, stored)
        except Exception:  # never hide the block's own outcome behind a bookkeeping failure
            log.exception("could not save what was learnt about Jira at %s", client.base_url)
        client.close()


@dataclass(frozen=True)
class _Stored:
    """The site's row as it was when the block began."""

    flavour: str
    server_version: str
    capabilities: Capabilities
    metadata: dict[str, Any] | None
    discovered_at: datetime | None

    @classmethod
    def of(cls, site: JiraSite) -> _Stored:
        return cls(
            site.flavour,
            site.server_version,
            Capabilities.from_json(site.capabilities),
            site.site_metadata,
            site.discovered_at,
        )


def _save(app: Flask, client: JiraClient, stored: _Stored | None) -> None:
    stale = _is_stale(client.base_url)
    learnt_metadata = client.learnt_metadata
    if not (client.capabilities.changed or learnt_metadata is not None or stale):
        return
    if learnt_metadata is not None:
        metadata, discovered = learnt_metadata, datetime.now(UTC)
    elif stale or stored is None:
        metadata, discovered = None, None
    else:
        metadata, discovered = stored.metadata, stored.discovered_at
    with session_scope(app) as session:
        jira_sites.save(
            session,
            base_url=client.base_url,
            flavour=client.flavour,
            server_version=client.server_version or (stored.server_version if stored else ""),
            capabilities=client.capabilities.to_json(),
            site_metadata=metadata,
            discovered_at=discovered,
        )
    with _stale_lock:
        _stale.discard(client.base_url)
    client.capabilities.changed = False
