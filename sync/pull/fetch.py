"""The Jira side of the status sync: the JQL it sends and the issues it gets back as snapshots.

Two ways in:
- updated since a moment: the site label every pushed issue carries, `updated >=` a date in
  the Jira user's time zone, paged (`nextPageToken` on Cloud, `startAt` on Data Center);
- by id, 100 at a time (`id in (...)`), for the full reconcile. An id Jira no longer shows
  (deleted, or hidden from the account) makes Cloud's search/jql answer 400 naming it; the
  batch is asked again without the ids named. Data Center's /search takes validateQuery=warn
  and just leaves them out, so one call per batch there whatever is missing.

Search results embed the changelog (expand=changelog) but real sites cut it short for busy
issues (`total` above the histories held); only then is that issue's whole changelog fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import islice
from typing import Any
from urllib.parse import quote

from sync.jira.client import CLOUD, JiraClient
from sync.jira.errors import JiraBadResponse, JiraNotFound, JiraRejected
from sync.jira.replies import expect_object
from sync.mapping.issue_fields import changelog_truncated, parse_issue, sync_fields
from tracker.services.jira_status.snapshots import IssueSnapshot

__all__ = [
    "Fetched",
    "fetch_by_ids",
    "ids_jql",
    "ids_named",
    "jql_date",
    "updated_jql",
    "updated_pages",
]

EXPAND = ("changelog",)
CHANGELOG_PAGE = 100
# Creation order never changes, unlike `updated`: paging by offset through a result set sorted
# by update time skips an issue whenever one before it is edited mid-run (it jumps to the end).
ORDER = "ORDER BY created ASC"


def jql_date(moment: datetime, zone: tzinfo) -> str:
    """`moment` as a JQL date ("yyyy-MM-dd HH:mm") in `zone`, never later than `moment`: the
    seconds are dropped, and a wall time the zone passes twice (the autumn clock change) moves
    an hour back, so however Jira reads it the window only grows."""
    local = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    while max(local.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)) > moment:
        local -= timedelta(hours=1)
    return local.strftime("%Y-%m-%d %H:%M")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def updated_jql(label: str, since: str) -> str:
    return f"labels = {_quoted(label)} AND updated >= {_quoted(since)} {ORDER}"


def ids_jql(ids: Sequence[str]) -> str:
    return f"id in ({', '.join(ids)}) {ORDER}"


def ids_named(messages: Iterable[str], candidates: Iterable[str]) -> set[str]:
    """Which of `candidates` (issue ids) Jira's error messages quote, e.g. "An issue with key
    '10005' does not exist for field 'id'."."""
    wanted = set(candidates)
    named: set[str] = set()
    for message in messages:
        named.update(v for v in re.findall(r"'([^']*)'", message) if v in wanted)
    return named


# ---- changelogs -------------------------------------------------------------------------------
def full_changelog(client: JiraClient, jira_id: str) -> list[dict[str, Any]] | None:
    """Every history of the issue (Cloud: the paged changelog; Data Center: the issue with its
    changelog expanded, which is complete there); None if the issue is gone meanwhile."""
    segment = quote(jira_id, safe="")
    try:
        if client.flavour != CLOUD:
            path = client.api_path(f"issue/{segment}")
            params: dict[str, str | int] = {"fields": "status", "expand": "changelog"}
            issue = expect_object(client.request("GET", path, params=params, idempotent=True), path)
            changelog = issue.get("changelog")
            histories = changelog.get("histories") if isinstance(changelog, dict) else None
            return (
                [h for h in histories if isinstance(h, dict)] if isinstance(histories, list) else []
            )
        path = client.api_path(f"issue/{segment}/changelog")
        found: list[dict[str, Any]] = []
        while True:
            params = {"startAt": len(found), "maxResults": CHANGELOG_PAGE}
            page = expect_object(client.request("GET", path, params=params, idempotent=True), path)
            values = page.get("values")
            if not isinstance(values, list):
                raise JiraBadResponse(f"Jira's answer to {path} has no list of histories.")
            found.extend(v for v in values if isinstance(v, dict))
            total = page.get("total")
            if (
                not values
                or page.get("isLast") is True
                or (isinstance(total, int) and len(found) >= total)
            ):
                return found
    except JiraNotFound:
        return None


def snapshots(
    client: JiraClient, issues: Iterable[Mapping[str, Any]], sprint_field: str | None
) -> list[IssueSnapshot]:
    """Parse search results, completing any truncated changelog first (one issue at a time:
    it is rare, and only busy issues hit it)."""
    found = []
    for raw in issues:
        histories = None
        if changelog_truncated(raw):
            histories = full_changelog(client, str(raw.get("id") or ""))
        found.append(parse_issue(raw, sprint_field=sprint_field, histories=histories))
    return found


# ---- the two ways in --------------------------------------------------------------------------
def updated_pages(
    client: JiraClient, jql: str, *, sprint_field: str | None, page_size: int
) -> Iterator[list[IssueSnapshot]]:
    """The issues `jql` finds, `page_size` at a time, each group fetched only when the caller
    asks for it."""
    found = client.search(jql, sync_fields(sprint_field), page_size, expand=EXPAND)
    while page := list(islice(found, page_size)):
        yield snapshots(client, page, sprint_field)


@dataclass
class Fetched:
    """One batch of the full reconcile: the issues Jira returned and the ids it did not."""

    snapshots: list[IssueSnapshot] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def fetch_by_ids(client: JiraClient, ids: Sequence[str], *, sprint_field: str | None) -> Fetched:
    """The issues with these ids (one call, one more on Cloud when some are gone). Raises the
    client's errors, and JiraRejected when Jira refuses the query for another reason."""
    remaining = list(ids)
    gone: set[str] = set()
    while remaining:
        search = client.search(
            ids_jql(remaining),
            sync_fields(sprint_field),
            len(remaining),
            expand=EXPAND,
            lenient=True,
        )
        try:
            issues = list(search)
        except JiraRejected as exc:
            named = ids_named(exc.messages, remaining)
            if not named:
                raise
            gone |= named
            remaining = [i for i in remaining if i not in named]
            continue
        found = snapshots(client, issues, sprint_field)
        returned = {s.jira_id for s in found}
        return Fetched(found, [i for i in ids if i not in returned])
    return Fetched([], [i for i in ids if i in gone])
