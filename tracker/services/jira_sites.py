"""Jira sites as the tracker has come to know them (tracker.models.JiraSite): read and written
by sync/jira/sites.py so the web, the CLI and the scheduler share one discovery per site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.models import JiraSite, utcnow


def find(session: Session, *, base_url: str) -> JiraSite | None:
    return session.exec(select(JiraSite).where(JiraSite.base_url == base_url)).first()


def save(
    session: Session,
    *,
    base_url: str,
    flavour: str,
    server_version: str,
    capabilities: dict[str, Any],
    site_metadata: dict[str, Any] | None,
    discovered_at: datetime | None,
) -> JiraSite:
    """Insert or replace what is known about the site at `base_url`. Commits; two processes
    saving the first record at once both succeed (the later write wins)."""
    for _ in range(2):
        site = find(session, base_url=base_url) or JiraSite(base_url=base_url)
        site.flavour = flavour
        site.server_version = server_version
        site.capabilities = dict(capabilities)
        site.site_metadata = site_metadata
        site.discovered_at = discovered_at
        site.updated_at = utcnow()
        session.add(site)
        try:
            session.commit()
        except IntegrityError:  # another process inserted the row first: update it instead
            session.rollback()
            continue
        return site
    raise RuntimeError(f"could not save Jira site {base_url}")


def forget_metadata(session: Session, *, base_url: str) -> None:
    """Drop the stored metadata (kept: flavour and capabilities); the next push discovers."""
    site = find(session, base_url=base_url)
    if site is not None and site.site_metadata is not None:
        site.site_metadata = None
        site.updated_at = utcnow()
        session.add(site)
        session.commit()


def site_notes(session: Session, *, base_url: str) -> list[str]:
    """What the configured site has shown it does differently, in sentences for the sync and
    check pages (empty when nothing is known, or nothing differs)."""
    site = find(session, base_url=base_url.rstrip("/")) if base_url else None
    if site is None:
        return []
    known = site.capabilities or {}
    notes = []
    if known.get("id_in") is False:
        notes.append(
            "Jira ignores `id in (...)` in searches (it answers with issues that were not asked "
            "for), so the full reconcile reads the tracked issues by the site label instead."
        )
    if known.get("search") == "get":
        notes.append(
            "Something in front of Jira refuses POST searches, so the tracker searches with GET."
        )
    if known.get("bulk_create") is False:
        notes.append("Jira refuses bulk create here, so each story is created with its own call.")
    if known.get("createmeta") == "legacy":
        notes.append(
            "Jira has only the old create-screen listing (Jira before 8.4); the tracker reads "
            "create screens through it."
        )
    return notes
