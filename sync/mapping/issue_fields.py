"""Jira issue JSON (a search result, a single issue or a webhook's "issue") as the tracker's
`IssueSnapshot`: status and its category, resolution, assignee, fix versions, sprint, updated
time and the status changes from the changelog. Pure functions, the same for Cloud (REST v3)
and Data Center (REST v2): the fields the sync asks for have the same shape in both, except
the sprint, which Cloud answers as objects and Data Center as each sprint's Java toString().
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sync.jira.errors import JiraBadResponse
from tracker.inputs import without_nul
from tracker.services.jira_status.snapshots import IssueSnapshot, StatusHistory

__all__ = [
    "SYNC_FIELDS",
    "changelog_truncated",
    "parse_histories",
    "parse_issue",
    "parse_time",
    "sprint_name",
    "sync_fields",
]

# What the sync reads of every tracked issue; the id and key always come along.
SYNC_FIELDS: Final[list[str]] = ["status", "resolution", "assignee", "fixVersions", "updated"]

# Data Center: "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=7,rapidViewId=1,
# state=ACTIVE,name=Sprint 7,startDate=...,goal=]"; names may hold commas, so split only
# before the next "word=".
_LEGACY_SPRINT = re.compile(r"\[(?P<body>.*)\]\s*$", re.DOTALL)
_LEGACY_PART = re.compile(r",(?=[A-Za-z]+=)")


def sync_fields(sprint_field: str | None) -> list[str]:
    """SYNC_FIELDS plus the site's sprint field when it has one."""
    return [*SYNC_FIELDS, sprint_field] if sprint_field else list(SYNC_FIELDS)


def parse_time(text: Any) -> datetime:
    """Jira's "2024-05-01T10:00:00.000+0000" (any offset) as an aware UTC datetime; raises
    ValueError for anything else."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"not a Jira timestamp: {text!r}")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _name(value: Any, *keys: str) -> str:
    if isinstance(value, Mapping):
        for key in keys:
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    return ""


def sprint_name(value: Any) -> str:
    """The active sprint's name, else the latest sprint's (highest id: sprints are numbered as
    they are created), "" when the issue is in no sprint."""
    sprints: list[tuple[bool, int, str]] = []
    for item in value if isinstance(value, list) else []:
        fields: Mapping[str, Any] | None = None
        if isinstance(item, Mapping):
            fields = item
        elif isinstance(item, str) and (match := _LEGACY_SPRINT.search(item)):
            pairs = (p.partition("=") for p in _LEGACY_PART.split(match.group("body")))
            fields = {key.strip(): text for key, _, text in pairs}
        if not fields or not str(fields.get("name") or ""):
            continue
        raw_id = str(fields.get("id") or "")
        number = int(raw_id) if raw_id.isdigit() else -1
        active = str(fields.get("state") or "").lower() == "active"
        sprints.append((active, number, str(fields["name"])))
    if not sprints:
        return ""
    return max(sprints, key=lambda s: (s[0], s[1]))[2]


def parse_histories(histories: Any) -> tuple[StatusHistory, ...]:
    """The status changes among changelog histories, oldest first (Jira sends search changelogs
    newest first and the paged changelog oldest first; ties keep the history ids' order).
    Histories without a status item are left out; a malformed one raises JiraBadResponse."""
    found: list[tuple[datetime, int, StatusHistory]] = []
    for history in histories if isinstance(histories, list) else []:
        if not isinstance(history, Mapping):
            continue
        items = history.get("items")
        status_items = [
            i
            for i in (items if isinstance(items, list) else [])
            if isinstance(i, Mapping)
            and (i.get("fieldId") == "status" or i.get("field") == "status")
        ]
        if not status_items:
            continue
        history_id = str(history.get("id") or "")
        try:
            changed_at = parse_time(history.get("created"))
        except ValueError:
            raise JiraBadResponse(
                f"Jira sent a status change (history {history_id or '?'}) without a valid time."
            ) from None
        item = status_items[-1]
        entry = StatusHistory(
            history_id=history_id,
            changed_at=changed_at,
            author=_name(history.get("author"), "displayName", "name"),
            from_status=str(item.get("fromString") or ""),
            to_status=str(item.get("toString") or ""),
        )
        found.append((changed_at, int(history_id) if history_id.isdigit() else 0, entry))
    found.sort(key=lambda f: (f[0], f[1]))
    return tuple(entry for _, _, entry in found)


def changelog_truncated(raw: Mapping[str, Any]) -> bool:
    """Whether the issue's embedded changelog holds fewer histories than Jira has."""
    changelog = raw.get("changelog")
    if not isinstance(changelog, Mapping):
        return False
    histories = changelog.get("histories")
    total = changelog.get("total")
    held = len(histories) if isinstance(histories, list) else 0
    return isinstance(total, int) and total > held


def parse_issue(
    raw: Mapping[str, Any],
    *,
    sprint_field: str | None,
    histories: Sequence[Mapping[str, Any]] | None = None,
) -> IssueSnapshot:
    """The snapshot of one issue. Histories come from `raw["changelog"]["histories"]` unless
    given (the complete changelog fetched separately). `sprint` is None when `sprint_field` is
    None (not asked, so the stored value is kept). Raises JiraBadResponse when the id, key or
    status is missing. NULs in its names are dropped (PostgreSQL refuses them in text)."""
    raw = without_nul(dict(raw))
    jira_id = str(raw.get("id") or "")
    key = str(raw.get("key") or "")
    fields = raw.get("fields")
    if not jira_id or not key or not isinstance(fields, Mapping):
        raise JiraBadResponse("Jira sent an issue without its id, key or fields.")
    status = fields.get("status")
    category = status.get("statusCategory") if isinstance(status, Mapping) else None
    status_name = _name(status, "name")
    category_key = _name(category, "key")
    if not status_name or not category_key:
        raise JiraBadResponse(f"Jira sent issue {key} without its status and status category.")
    versions = fields.get("fixVersions")
    updated: datetime | None = None
    if fields.get("updated"):
        try:
            updated = parse_time(fields["updated"])
        except ValueError:
            raise JiraBadResponse(
                f"Jira sent issue {key} with an unreadable updated time."
            ) from None
    if histories is None:
        changelog = raw.get("changelog")
        embedded = changelog.get("histories") if isinstance(changelog, Mapping) else None
        histories = embedded if isinstance(embedded, list) else []
    return IssueSnapshot(
        jira_id=jira_id,
        key=key,
        status_name=status_name,
        status_category=category_key,
        resolution=_name(fields.get("resolution"), "name"),
        assignee=_name(fields.get("assignee"), "displayName", "name"),
        fix_versions=tuple(
            name
            for name in (_name(v, "name") for v in (versions if isinstance(versions, list) else []))
            if name
        ),
        sprint=sprint_name(fields.get(sprint_field)) if sprint_field else None,
        updated=updated,
        histories=parse_histories(list(histories)),
    )
