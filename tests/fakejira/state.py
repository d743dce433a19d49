"""The fake's mutable data: projects, issues, statuses, changelogs, guarded by one lock."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .adf import adf_text
from .catalog import (
    CATEGORIES,
    DEFAULT_PRIORITY,
    DEFAULT_STATUSES,
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    FieldConfig,
    IssueType,
    Status,
    category_key,
)

API_USER = "api-user"
JIRA_USER = "jira-admin"


@dataclass
class Project:
    id: str
    key: str
    name: str
    components: dict[str, str]  # id -> name
    versions: dict[str, str]  # id -> name
    counter: int = 0


@dataclass
class Issue:
    id: str
    key: str
    project: str  # project key
    issue_type: str  # issue type id
    fields: dict[str, Any]  # settable fields, normalised (ids for references)
    status: str  # status id
    resolution: str | None
    created: datetime
    updated: datetime
    changelog: list[dict[str, Any]] = field(default_factory=list)
    remote_links: list[dict[str, Any]] = field(default_factory=list)
    old_keys: list[str] = field(default_factory=list)
    visible: bool = True

    @property
    def summary(self) -> str:
        return str(self.fields.get("summary", ""))

    @property
    def labels(self) -> list[str]:
        return list(self.fields.get("labels") or [])


class State:
    def __init__(self, config: FieldConfig, clock: Callable[[], datetime]) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.clock = clock
        self.projects: dict[str, Project] = {}
        self.issue_types: dict[str, IssueType] = {t.id: t for t in ISSUE_TYPES}
        self.statuses: dict[str, Status] = {s.id: replace(s) for s in DEFAULT_STATUSES}
        self.issues: dict[str, Issue] = {}
        # The API user's profile time zone: /myself shows it and JQL dates are read in it.
        self.time_zone = "Etc/UTC"
        self._keys: dict[str, str] = {}  # current and former keys -> issue id
        self._next_issue = 10000
        self._next_change = 10000
        self.add_project("OPS", "Operations")

    def next_id(self) -> str:
        with self.lock:
            self._next_change += 1
            return str(self._next_change)

    # ---- lookups -------------------------------------------------------------------------
    def add_project(self, key: str, name: str | None = None) -> Project:
        with self.lock:
            if key in self.projects:
                return self.projects[key]
            base = 10000 + 100 * len(self.projects)
            project = Project(
                id=str(base),
                key=key,
                name=name or key.title(),
                components={str(base): "Backend", str(base + 1): "Frontend"},
                versions={str(base): "1.0", str(base + 1): "1.1"},
            )
            self.projects[key] = project
            return project

    def project(self, id_or_key: str) -> Project | None:
        with self.lock:
            for project in self.projects.values():
                if id_or_key in (project.id, project.key):
                    return project
            return None

    def issue_type(self, id_or_name: str) -> IssueType | None:
        for issue_type in self.issue_types.values():
            if id_or_name in (issue_type.id, issue_type.name):
                return issue_type
        return None

    def status_by_name(self, name: str) -> Status | None:
        for status in self.statuses.values():
            if status.name.lower() == name.lower():
                return status
        return None

    def find(self, id_or_key: str, hidden: bool = False) -> Issue | None:
        """Resolve an id, key or former key (Jira follows moved keys)."""
        with self.lock:
            issue = self.issues.get(id_or_key) or self.issues.get(
                self._keys.get(id_or_key.upper(), "")
            )
            if issue is None or not (issue.visible or hidden):
                return None
            return issue

    def visible_issues(self) -> list[Issue]:
        with self.lock:
            return [i for i in self.issues.values() if i.visible]

    def snapshot(self, issue: Issue) -> Issue:
        with self.lock:
            return copy.deepcopy(issue)

    # ---- mutations -----------------------------------------------------------------------
    def create(self, project: Project, issue_type: IssueType, fields: dict[str, Any]) -> Issue:
        with self.lock:
            self._next_issue += 1
            project.counter += 1
            now = self.clock()
            fields = {"labels": [], "components": [], "fixVersions": [], **fields}
            fields.setdefault("priority", DEFAULT_PRIORITY)
            issue = Issue(
                id=str(self._next_issue),
                key=f"{project.key}-{project.counter}",
                project=project.key,
                issue_type=issue_type.id,
                fields=fields,
                status=DEFAULT_STATUSES[0].id,
                resolution=None,
                created=now,
                updated=now,
            )
            self.issues[issue.id] = issue
            self._keys[issue.key] = issue.id
            return issue

    def change(self, issue: Issue, changes: dict[str, Any], author: str = API_USER) -> None:
        """Set normalised field values, logging each real change in the changelog."""
        with self.lock:
            items = []
            for field_id, value in changes.items():
                old = issue.fields.get(field_id)
                if field_id == "issuetype":
                    old, issue.issue_type = issue.issue_type, value
                elif old == value:
                    continue
                else:
                    issue.fields[field_id] = value
                items.append(self._item(field_id, old, value))
            self._log(issue, items, author)

    def transition(
        self,
        issue: Issue,
        status_name: str,
        category: str | None = None,
        resolution: str | None = None,
        author: str = JIRA_USER,
    ) -> None:
        with self.lock:
            status = self.status_by_name(status_name)
            if status is None:
                if category is None:
                    raise ValueError(f"unknown status {status_name!r}: pass its category")
                status = Status(self.next_id(), status_name, category_key(category))
                self.statuses[status.id] = status
            elif category is not None and category_key(category) != status.category:
                raise ValueError(f"status {status_name!r} is in category {status.category}")
            items = [self._item("status", issue.status, status.id)]
            issue.status = status.id
            res_id = None
            if status.category == "done":
                wanted = resolution or "Done"
                res_id = next(k for k, v in RESOLUTIONS.items() if v == wanted)
            if res_id != issue.resolution:
                items.append(self._item("resolution", issue.resolution, res_id))
                issue.resolution = res_id
            self._log(issue, items, author)

    def move(self, issue: Issue, new_key: str) -> None:
        """Move to another key ("NEW-7") or project ("NEW"); the id stays, old keys resolve."""
        with self.lock:
            project_key, _, number = new_key.partition("-")
            project = self.projects.get(project_key) or self.add_project(project_key)
            if number:
                if new_key in self._keys:
                    raise ValueError(f"{new_key} is already taken")
                project.counter = max(project.counter, int(number))
            else:
                project.counter += 1
                new_key = f"{project.key}-{project.counter}"
            old_key = issue.key
            issue.old_keys.append(old_key)
            issue.key, issue.project = new_key, project.key
            self._keys[new_key] = issue.id
            item: dict[str, Any] = {"field": "Key", "fieldtype": "jira", "fieldId": "issuekey"}
            item.update({"from": None, "fromString": old_key, "to": None, "toString": new_key})
            self._log(issue, [item], JIRA_USER)

    def set_sprints(self, issue: Issue, sprints: list[dict[str, Any]]) -> None:
        """Put the issue in these sprints (as the agile API would), logging a Sprint change."""
        field_id = self.config.sprint_field
        if field_id is None:
            raise ValueError("this fake has no sprint field")
        with self.lock:
            old = issue.fields.get(field_id) or []
            issue.fields[field_id] = [dict(s) for s in sprints] or None

            def ids(items: list[dict[str, Any]]) -> str | None:
                return ", ".join(str(s["id"]) for s in items) or None

            def names(items: list[dict[str, Any]]) -> str | None:
                return ", ".join(str(s["name"]) for s in items) or None

            item: dict[str, Any] = {"field": "Sprint", "fieldtype": "custom", "fieldId": field_id}
            item["from"], item["fromString"] = ids(old), names(old)
            item["to"], item["toString"] = ids(sprints), names(sprints)
            self._log(issue, [item], JIRA_USER)

    def delete(self, issue: Issue) -> None:
        with self.lock:
            del self.issues[issue.id]
            for key in [k for k, v in self._keys.items() if v == issue.id]:
                del self._keys[key]

    # ---- changelog ------------------------------------------------------------------------
    def _log(self, issue: Issue, items: list[dict[str, Any]], author: str) -> None:
        now = self.clock()
        issue.updated = now
        if items:
            entry = {"id": self.next_id(), "author": author, "created": now, "items": items}
            issue.changelog.append(entry)

    def _item(self, field_id: str, old: Any, new: Any) -> dict[str, Any]:
        names = {f.id: f.name for f in self.config.all_fields()}
        old_id, old_text = self.describe(field_id, old)
        new_id, new_text = self.describe(field_id, new)
        return {
            "field": names.get(field_id, field_id),
            "fieldtype": "custom" if field_id.startswith("customfield_") else "jira",
            "fieldId": field_id,
            "from": old_id,
            "fromString": old_text,
            "to": new_id,
            "toString": new_text,
        }

    def describe(self, field_id: str, value: Any) -> tuple[str | None, str | None]:
        """The (id, display string) pair a changelog item shows for a normalised value."""
        if value is None or value == []:
            return None, None
        lookup: dict[str, str] = {}
        if field_id == "status":
            lookup = {k: s.name for k, s in self.statuses.items()}
        elif field_id == "resolution":
            lookup = RESOLUTIONS
        elif field_id == "priority":
            lookup = PRIORITIES
        elif field_id == "issuetype":
            lookup = {k: t.name for k, t in self.issue_types.items()}
        elif field_id in ("components", "fixVersions"):
            for project in self.projects.values():
                lookup.update(project.components if field_id == "components" else project.versions)
        elif field_id in ("parent", self.config.epic_link_field):
            issue = self.issues.get(str(value))
            return str(value), issue.key if issue else None
        if isinstance(value, list):
            if field_id == "labels":
                return None, " ".join(value)
            names = [lookup.get(str(v), str(v)) for v in value]
            return "[" + ", ".join(map(str, value)) + "]", ", ".join(names)
        if lookup:
            return str(value), lookup.get(str(value), str(value))
        if isinstance(value, dict):
            return None, adf_text(value)
        return None, value if isinstance(value, str) else str(value)

    def category_of(self, issue: Issue) -> dict[str, Any]:
        return CATEGORIES[self.statuses[issue.status].category]
