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
