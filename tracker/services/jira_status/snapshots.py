"""What the sync and the webhook learn about one tracked Jira issue, independent of how it was
fetched (Cloud or Data Center, search or webhook). `sync/mapping/issue_fields.py` builds these from
Jira's JSON; `tracker.services.jira_status.delivery` applies them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class StatusHistory:
    """One status change from the issue's changelog, at Jira's own timestamp."""

    history_id: str
    changed_at: datetime  # timezone-aware UTC
    author: str
    from_status: str
    to_status: str


@dataclass(frozen=True)
class IssueSnapshot:
    jira_id: str
    key: str
    status_name: str
    # Jira's status category key: "new" (To Do), "indeterminate" (In Progress) or "done".
    status_category: str
    resolution: str = ""
    assignee: str = ""  # display name
    fix_versions: tuple[str, ...] = ()
    # The active (else the latest) sprint's name, "" if none; None when not asked (no sprint
    # field on the site, or a webhook payload without it): the stored value is kept.
    sprint: str | None = None
    updated: datetime | None = None  # timezone-aware UTC
    # Status changes in time order; only those since the last sync need be present.
    histories: tuple[StatusHistory, ...] = field(default_factory=tuple)
