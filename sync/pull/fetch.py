"""The Jira side of the status sync: the JQL it sends and the issues it gets back as snapshots.

Two ways in:
- updated since a moment: the site label every pushed issue carries, `updated >=` a date in
  the Jira user's time zone, paged (`nextPageToken` on Cloud, `startAt` on Data Center);
- by id, 100 at a time (`id in (...)`), for the full reconcile. An id Jira no longer shows
  (deleted, or hidden from the account) makes Cloud's search/jql answer 400 naming it; the
  batch is asked again without the ids named. Data Center's /search takes validateQuery=warn
  and just leaves them out, so one call per batch there whatever is missing. A site that
  ignores the clause (it answers with issues not asked for) is caught on the first page and
  remembered; its issues are then read by the site label (`by_label`).

Search results embed the changelog (expand=changelog) but real sites cut it short for busy
issues (`total` above the histories held); only then is that issue's whole changelog fetched.
"""

from __future__ import annotations

import logging
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
    "IdFilterIgnored",
    "by_label",
    "fetch_by_ids",
    "ids_jql",
    "ids_named",
    "jql_date",
    "updated_jql",
    "updated_pages",
]

log = logging.getLogger(__name__)

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


class IdFilterIgnored(Exception):
    """Jira answered `id in (...)` with issues that were not asked for: the site ignores the
    clause, and paging on would walk the whole project. The caller switches to `by_label`."""


def fetch_by_ids(client: JiraClient, ids: Sequence[str], *, sprint_field: str | None) -> Fetched:
    """The issues with these ids (one call, one more on Cloud when some are gone). Raises the
    client's errors, JiraRejected when Jira refuses the query for another reason, and
    IdFilterIgnored (after one page) when the answer is not the filtered set."""
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
            issues = _only_asked_for(client, search, set(remaining))
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


def _only_asked_for(
    client: JiraClient, search: Iterator[dict[str, Any]], wanted: set[str]
) -> list[dict[str, Any]]:
    """The search's issues, all of them asked for; at the first that was not, the site is
    known to ignore `id in (...)` and IdFilterIgnored is raised before another page is read."""
    issues: list[dict[str, Any]] = []
    for issue in search:
        if str(issue.get("id") or "") not in wanted:
            client.capabilities.learn(id_in=False)
            log.warning(
                "Jira at %s ignores `id in (...)` in searches; the reconcile finds the "
                "tracked issues by the site label instead",
                client.base_url,
            )
            raise IdFilterIgnored(client.base_url)
        issues.append(issue)
    if issues and client.capabilities.id_in is None:
        client.capabilities.learn(id_in=True)
    return issues


def by_label(
    client: JiraClient,
    label: str,
    ids: Sequence[str],
    *,
    sprint_field: str | None,
    page_size: int,
) -> Iterator[Fetched]:
    """The tracked issues on a site that ignores `id in (...)`: every issue carrying the site
    label, page by page (only the tracked ones kept), then each tracked id the label search did
    not return (pushed before the label existed, or linked by hand) fetched on its own; those
    Jira does not show are missing."""
    wanted = set(ids)
    seen: set[str] = set()
    jql = f"labels = {_quoted(label)} {ORDER}"
    for page in updated_pages(client, jql, sprint_field=sprint_field, page_size=page_size):
        kept = [s for s in page if s.jira_id in wanted]
        seen.update(s.jira_id for s in kept)
        if kept:
            yield Fetched(kept)
    rest = [i for i in ids if i not in seen]
    for start in range(0, len(rest), page_size):
        chunk = rest[start : start + page_size]
        found: list[IssueSnapshot] = []
        missing: list[str] = []
        for jira_id in chunk:
            raw = _issue_by_id(client, jira_id, sprint_field)
            if raw is None:
                missing.append(jira_id)
            else:
                found.extend(snapshots(client, [raw], sprint_field))
        yield Fetched(found, missing)


def _issue_by_id(
    client: JiraClient, jira_id: str, sprint_field: str | None
) -> dict[str, Any] | None:
    path = client.api_path(f"issue/{quote(jira_id, safe='')}")
    params = {"fields": ",".join(sync_fields(sprint_field)), "expand": ",".join(EXPAND)}
    try:
        answer = client.request("GET", path, params=params, idempotent=True)
    except JiraNotFound:
        return None
    return expect_object(answer, path)
