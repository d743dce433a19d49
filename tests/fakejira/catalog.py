"""Static Jira metadata the fake serves: issue types, statuses, priorities and field definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CLOUD = "cloud"
DATACENTER = "datacenter"
FLAVOURS = (CLOUD, DATACENTER)


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    hierarchy_level: int = 0


ISSUE_TYPES = (
    IssueType("10000", "Epic", 1),
    IssueType("10001", "Story"),
    IssueType("10002", "Task"),
)

# statusCategory objects exactly as Jira names them (key "new" is shown as "To Do").
CATEGORIES: dict[str, dict[str, Any]] = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
_CATEGORY_ALIASES = {"to do": "new", "todo": "new", "in progress": "indeterminate"}


def category_key(name: str) -> str:
    """Map "To Do" / "In Progress" / "Done" (or the keys new/indeterminate/done) to a key."""
    lowered = name.strip().lower()
    key = _CATEGORY_ALIASES.get(lowered, lowered)
    if key not in CATEGORIES:
        raise ValueError(f"unknown status category {name!r}")
    return key


@dataclass
class Status:
    id: str
    name: str
    category: str  # a CATEGORIES key


DEFAULT_STATUSES = (
    Status("10000", "To Do", "new"),
    Status("3", "In Progress", "indeterminate"),
    Status("10001", "Done", "done"),
)
PRIORITIES = {"1": "Highest", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest"}
DEFAULT_PRIORITY = "3"
RESOLUTIONS = {"10000": "Done", "10001": "Won't Do"}


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    schema: dict[str, Any]
    settable: bool = True

    @property
    def custom(self) -> bool:
        return self.id.startswith("customfield_")

    def details(self) -> dict[str, Any]:
        """The FieldDetails object of GET /field."""
        clauses = [self.id] if not self.custom else [f"cf[{self.id.split('_')[1]}]", self.name]
        return {
            "id": self.id,
            "key": self.id,
            "name": self.name,
            "custom": self.custom,
            "orderable": self.settable,
            "navigable": True,
            "searchable": True,
            "clauseNames": clauses,
            "schema": self.schema,
        }


def _system(fid: str, name: str, type_: str, settable: bool = True, **extra: Any) -> FieldDef:
    return FieldDef(fid, name, {"type": type_, "system": fid, **extra}, settable)


SYSTEM_FIELDS = (
    _system("summary", "Summary", "string"),
    _system("description", "Description", "string"),
    _system("issuetype", "Issue Type", "issuetype"),
    _system("project", "Project", "project"),
    _system("labels", "Labels", "array", items="string"),
    _system("priority", "Priority", "priority"),
    _system("components", "Components", "array", items="component"),
    _system("fixVersions", "Fix versions", "array", items="version"),
    _system("assignee", "Assignee", "user"),
    _system("duedate", "Due date", "date"),
    _system("reporter", "Reporter", "user", settable=False),
    _system("status", "Status", "status", settable=False),
    _system("resolution", "Resolution", "resolution", settable=False),
    _system("created", "Created", "datetime", settable=False),
    _system("updated", "Updated", "datetime", settable=False),
)
REQUIRED = {"summary", "issuetype", "project"}
SPRINT_PLUGIN = "com.pyxis.greenhopper.jira:gh-sprint"


def _custom(fid: str, name: str, type_: str, plugin: str) -> FieldDef:
    return FieldDef(
        fid, name, {"type": type_, "custom": plugin, "customId": int(fid.split("_")[1])}
    )


@dataclass(frozen=True)
class FieldConfig:
    """Which custom fields a site has; ids differ per site, so tests may override them."""

    flavour: str
    story_points_field: str
    story_points_name: str
    epic_link_field: str | None = None
    epic_name_field: str | None = None
    # Jira Software's Sprint field (set through the agile API, never on create screens here).
    sprint_field: str | None = None

    @classmethod
    def for_flavour(
        cls,
        flavour: str,
        story_points_field: str | None = None,
        story_points_name: str | None = None,
        epic_link_field: str | None = None,
        epic_name_field: str | None = None,
        sprint_field: str | None = None,
    ) -> FieldConfig:
        """Defaults per flavour; pass "" for epic_link_field/epic_name_field/sprint_field to
        drop them."""
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")
        cloud = flavour == CLOUD
        default_sp = ("customfield_10016", "Story point estimate")
        sp = default_sp if cloud else ("customfield_10002", "Story Points")
        link = (
            epic_link_field
            if epic_link_field is not None
            else (None if cloud else "customfield_10014")
        )
        name = (
            epic_name_field
            if epic_name_field is not None
            else (None if cloud else "customfield_10011")
        )
        sprint = (
            sprint_field
            if sprint_field is not None
            else ("customfield_10020" if cloud else "customfield_10104")
        )
        return cls(
            flavour,
            story_points_field or sp[0],
            story_points_name or sp[1],
            link or None,
            name or None,
            sprint or None,
        )

    def all_fields(self) -> list[FieldDef]:
        fields = list(SYSTEM_FIELDS)
        if self.flavour == CLOUD:
            fields.append(_system("parent", "Parent", "issuelink"))
        points = "com.atlassian.jira.plugin.system.customfieldtypes:float"
        fields.append(_custom(self.story_points_field, self.story_points_name, "number", points))
        if self.epic_link_field:
            link = "com.pyxis.greenhopper.jira:gh-epic-link"
            fields.append(_custom(self.epic_link_field, "Epic Link", "any", link))
        if self.epic_name_field:
            label = "com.pyxis.greenhopper.jira:gh-epic-label"
            fields.append(_custom(self.epic_name_field, "Epic Name", "string", label))
        if self.sprint_field:
            fields.append(
                FieldDef(
                    self.sprint_field,
                    "Sprint",
                    {
                        "type": "array",
                        # Cloud answers sprint objects, Data Center the sprints' toString().
                        "items": "json" if self.flavour == CLOUD else "string",
                        "custom": SPRINT_PLUGIN,
                        "customId": int(self.sprint_field.split("_")[1]),
                    },
                    settable=False,
                )
            )
        return fields

    def screen(self, issue_type: IssueType) -> list[FieldDef]:
        """Fields on the create/edit screen of an issue type."""
        epic = issue_type.hierarchy_level > 0
        skip = {self.epic_link_field, "parent"} if epic else {self.epic_name_field}
        return [f for f in self.all_fields() if f.settable and f.id not in skip]

    def required(self, issue_type: IssueType) -> set[str]:
        extra = {self.epic_name_field} if issue_type.hierarchy_level > 0 else set()
        return REQUIRED | {f for f in extra if f}
