"""Issue types and create screens of a project, from whichever createmeta the site answers.

- Paged (Cloud, Server/Data Center 8.4 and later): `GET /issue/createmeta/{project}/issuetypes`,
  then `.../issuetypes/{id}` per type: one call for the types and one per create screen.
- Old (Server/Data Center before 8.4; removed in 9.0):
  `GET /issue/createmeta?projectKeys=K&issuetypeNames=..&expand=projects.issuetypes.fields`,
  the types and their screens in one call.

The site's version picks the first to try (sync/jira/capabilities.py); a 404 or 405 to it tries
the other, and the one that answered is remembered for the site.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from sync.jira.capabilities import CreateMeta, createmeta_for_version
from sync.jira.client import CLOUD, REFUSED_METHOD, JiraClient
from sync.jira.errors import JiraBadResponse, JiraError, JiraMisconfigured, JiraNotFound
from sync.jira.replies import expect_object

__all__ = ["CreateMetaReader", "IssueTypeInfo", "ScreenField"]

log = logging.getLogger(__name__)

CREATEMETA_PAGE = 50
_T = TypeVar("_T")


@dataclass(frozen=True)
class IssueTypeInfo:
    id: str
    name: str


@dataclass(frozen=True)
class ScreenField:
    """One field of a create screen (createmeta)."""

    id: str
    name: str
    required: bool = False
    has_default: bool = False


class CreateMetaReader:
    """Reads one project's createmeta the way its site answers; thread-safe, so the screens of
    two issue types can be read in parallel."""

    def __init__(self, client: JiraClient, project_key: str) -> None:
        self.client = client
        self.project_key = project_key
        self._lock = threading.Lock()
        self._legacy: dict[str, tuple[IssueTypeInfo, list[ScreenField]]] | None = None

    def style(self) -> CreateMeta:
        """The createmeta this site answers, as far as known (else the likely one)."""
        known = self.client.capabilities.createmeta
        if known is not None:
            return known
        return createmeta_for_version(self.client.server_version, self.client.flavour == CLOUD)

    def issue_types(self) -> list[IssueTypeInfo]:
        """Issue types the account can create in the project."""
        return self._either(self._paged_types, lambda: [t for t, _ in self._legacy_all()])

    def screen(self, issue_type: IssueTypeInfo) -> list[ScreenField]:
        """Fields on the create screen of one issue type in the project."""

        def legacy() -> list[ScreenField]:
            found = self._legacy_by_id().get(issue_type.id)
            return list(found[1]) if found else []

        return self._either(lambda: self._paged_screen(issue_type.id), legacy)

    # ---- the choice --------------------------------------------------------------------------
    def _either(self, paged: Callable[[], _T], legacy: Callable[[], _T]) -> _T:
        first = self.style()
        order = [(first, paged if first == "paged" else legacy)]
        order.append(("legacy", legacy) if first == "paged" else ("paged", paged))
        missing: JiraError | None = None
        for style, read in order:
            try:
                found = read()
            except JiraError as exc:
                if not (isinstance(exc, JiraNotFound) or exc.status in REFUSED_METHOD):
                    raise
                missing = missing or exc
                log.info("Jira at %s lacks the %s createmeta", self.client.base_url, style)
                continue
            self.client.capabilities.learn(createmeta=style)
            return found
        assert missing is not None
        raise JiraMisconfigured(
            f"Jira at {self.client.base_url} lists no create screens for project "
            f"{self.project_key}: neither the paged createmeta (Jira 8.4 and later) nor the old "
            "one (before 9.0) answered; check that the account has the Create issues permission "
            f"in {self.project_key}.",
            status=missing.status,
        ) from missing

    # ---- paged -------------------------------------------------------------------------------
    def _paged_types(self) -> list[IssueTypeInfo]:
        path = self.client.api_path(
            f"issue/createmeta/{quote(self.project_key, safe='')}/issuetypes"
        )
        return [
            IssueTypeInfo(str(t["id"]), str(t.get("name", "")))
            for t in self._pages(path, "issueTypes")
            if t.get("id")
        ]

    def _paged_screen(self, type_id: str) -> list[ScreenField]:
        key = quote(self.project_key, safe="")
        path = self.client.api_path(f"issue/createmeta/{key}/issuetypes/{quote(type_id, safe='')}")
        return [
            _screen_field(f.get("fieldId") or f.get("key"), f)
            for f in self._pages(path, "fields")
            if f.get("fieldId") or f.get("key")
        ]

    def _pages(self, path: str, cloud_key: str) -> list[dict[str, Any]]:
        """All items of a paged listing: Cloud pages as {<cloud_key>: [...], total}, Data
        Center as {values: [...], isLast}."""
        items: list[dict[str, Any]] = []
        start = 0
        while True:
            params = {"startAt": start, "maxResults": CREATEMETA_PAGE}
            answer = self.client.request("GET", path, params=params, idempotent=True)
            page = expect_object(answer, path)
            chunk = page.get(cloud_key, page.get("values"))
            if not isinstance(chunk, list):
                raise JiraBadResponse(f"Jira's answer to {path} has no list of {cloud_key}.")
            items.extend(i for i in chunk if isinstance(i, dict))
            start += len(chunk)
            total = page.get("total")
            done = page.get("isLast") is True or (isinstance(total, int) and start >= total)
            if not chunk or done:
                return items

    # ---- old ---------------------------------------------------------------------------------
    def _legacy_all(self) -> list[tuple[IssueTypeInfo, list[ScreenField]]]:
        return list(self._legacy_by_id().values())

    def _legacy_by_id(self) -> dict[str, tuple[IssueTypeInfo, list[ScreenField]]]:
        with self._lock:
            if self._legacy is None:
                self._legacy = self._read_legacy()
            return self._legacy

    def _read_legacy(self) -> dict[str, tuple[IssueTypeInfo, list[ScreenField]]]:
        path = self.client.api_path("issue/createmeta")
        params: dict[str, str] = {
            "projectKeys": self.project_key,
            "expand": "projects.issuetypes.fields",
        }
        answer = expect_object(
            self.client.request("GET", path, params=params, idempotent=True), path
        )
        projects = answer.get("projects")
        if not isinstance(projects, list):
            raise JiraBadResponse(f"Jira's answer to {path} has no list of projects.")
        wanted = self.project_key.casefold()
        found: dict[str, tuple[IssueTypeInfo, list[ScreenField]]] = {}
        for project in projects:
            if not isinstance(project, dict) or str(project.get("key", "")).casefold() != wanted:
                continue
            types = project.get("issuetypes")
            for raw in types if isinstance(types, list) else []:
                if not isinstance(raw, dict) or not raw.get("id"):
                    continue
                listed = raw.get("fields")
                screen: dict[str, Any] = listed if isinstance(listed, dict) else {}
                fields = [
                    _screen_field(field_id, meta)
                    for field_id, meta in screen.items()
                    if isinstance(meta, dict)
                ]
                issue_type = IssueTypeInfo(str(raw["id"]), str(raw.get("name", "")))
                found[issue_type.id] = (issue_type, fields)
        return found


def _screen_field(field_id: Any, meta: dict[str, Any]) -> ScreenField:
    return ScreenField(
        str(field_id),
        str(meta.get("name") or field_id),
        bool(meta.get("required")),
        bool(meta.get("hasDefaultValue")),
    )
