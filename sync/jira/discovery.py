"""What a Jira site looks like to the tracker: project and issue type ids, the story create
screen, and the per-site ids of the story points and epic link fields.

Custom field ids differ per site, so they are found by name through /field unless configured
(https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/). Create
screens come from the paged createmeta endpoints that replaced `createmeta?expand=...`
(https://developer.atlassian.com/cloud/jira/platform/changelog/#CHANGE-1304). Discovery costs
six calls, so `MetadataCache` keeps the result per site for an hour.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sync.jira.client import CLOUD, Flavour, JiraClient
from sync.jira.createmeta import CreateMetaReader, IssueTypeInfo, ScreenField
from sync.jira.errors import JiraBadResponse, JiraMisconfigured
from sync.jira.replies import expect_object
from tracker.config import JiraSettings

STORY_POINTS_NAMES = ("story points", "story point estimate")
EPIC_LINK_NAME = "epic link"
EPIC_LINK_PLUGIN = "com.pyxis.greenhopper.jira:gh-epic-link"
EPIC_NAME_NAME = "epic name"
EPIC_NAME_PLUGIN = "com.pyxis.greenhopper.jira:gh-epic-label"
# How Jira words a create or edit naming a field the screen lacks or the site does not have:
# "Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown."
NOT_ON_SCREEN = ("cannot be set", "appropriate screen")


@dataclass(frozen=True)
class FieldInfo:
    """One entry of GET /field."""

    id: str
    name: str
    custom: bool = False
    plugin: str = ""  # schema.custom, e.g. the Epic Link field's greenhopper type


@dataclass(frozen=True)
class ProjectInfo:
    id: str
    key: str
    name: str
    components: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SiteMetadata:
    """Everything a push needs to know about the site; see `discover`."""

    flavour: Flavour
    base_url: str
    server_title: str
    server_version: str
    project_key: str
    project_id: str
    project_name: str
    story_type_id: str
    epic_type_id: str | None
    story_points_field: str | None
    epic_link_field: str | None  # Data Center only; Cloud links stories with `parent`
    epic_name_field: str | None  # Data Center only; required when creating an epic there
    story_fields: frozenset[str]  # field ids on the story create screen
    story_required: frozenset[str]  # required ones without a default value
    epic_fields: frozenset[str] = frozenset()  # the same for the epic create screen
    epic_required: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    field_names: dict[str, str] = field(default_factory=dict, compare=False)
    discovered_at: datetime = field(default_factory=lambda: datetime.now(UTC), compare=False)

    @property
    def epic_field(self) -> str | None:
        """The field that puts a story under an epic: "parent" on Cloud, Epic Link on DC."""
        return "parent" if self.flavour == CLOUD else self.epic_link_field

    def on_story_screen(self, field_id: str | None) -> bool:
        """Whether a create may set this field (Jira rejects fields not on the screen)."""
        return field_id is not None and field_id in self.story_fields

    def outdated_by(self, field_errors: Mapping[str, str]) -> bool:
        """Whether Jira's complaints about fields say this metadata is out of date: a field or
        id discovery chose is refused, or a field is "not on the appropriate screen" (an admin
        changed the screen or the fields since discovery). Complaints about a value, such as
        a summary too long, do not count."""
        chosen = {
            "project",
            "issuetype",
            self.story_points_field,
            self.epic_link_field,
            self.epic_name_field,
        }
        return any(
            field_id in chosen or any(words in text.casefold() for words in NOT_ON_SCREEN)
            for field_id, text in field_errors.items()
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy, for the database (sync/jira/sites.py)."""
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, frozenset):
                data[name] = sorted(value)
        data["discovered_at"] = self.discovered_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteMetadata:
        """The metadata `to_json` stored; raises ValueError if it is not that shape."""
        try:
            values = dict(data)
            for item in dataclass_fields(cls):
                if item.name in values and "frozenset" in str(item.type):
                    values[item.name] = frozenset(values[item.name])
            values["discovered_at"] = datetime.fromisoformat(values["discovered_at"])
            return cls(**values)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"stored Jira metadata is unreadable: {exc}") from exc


# ---- the calls --------------------------------------------------------------------------------
def fetch_fields(client: JiraClient) -> list[FieldInfo]:
    """Every field on the site (system and custom)."""
    raw = client.request("GET", client.api_path("field"), idempotent=True)
    if not isinstance(raw, list):
        raise JiraBadResponse("Jira's field list is not a list.")
    found = []
    for item in raw:
        if isinstance(item, dict) and item.get("id"):
            schema = item["schema"] if isinstance(item.get("schema"), dict) else {}
            found.append(
                FieldInfo(
                    str(item["id"]),
                    str(item.get("name") or item["id"]),
                    bool(item.get("custom")),
                    str(schema.get("custom") or ""),
                )
            )
    return found


def fetch_project(client: JiraClient, key: str) -> ProjectInfo:
    """The project; raises JiraNotFound if it does not exist or the account cannot see it."""
    path = client.api_path(f"project/{quote(key, safe='')}")
    raw = expect_object(client.request("GET", path, idempotent=True), path)
    components = raw["components"] if isinstance(raw.get("components"), list) else []
    names = frozenset(str(c["name"]) for c in components if isinstance(c, dict) and c.get("name"))
    return ProjectInfo(
        str(raw.get("id", "")), str(raw.get("key") or key), str(raw.get("name") or key), names
    )


# ---- the choices ------------------------------------------------------------------------------
def find_issue_type(types: Sequence[IssueTypeInfo], name: str) -> IssueTypeInfo | None:
    wanted = name.strip().casefold()
    return next((t for t in types if t.name.casefold() == wanted), None)


def find_story_points(
    fields: Sequence[FieldInfo], configured: str = "", screen: Collection[str] = ()
) -> FieldInfo | None:
    """The configured field (by id, or by name if no id matches), else a field named "Story
    Points" or "Story point estimate" (case-insensitive). Cloud sites often have both (the
    first for company-managed projects, the second for team-managed ones), so the one on the
    create screen wins."""
    if configured:
        return _by_id_or_name(fields, configured)
    matches = [f for f in fields if f.name.casefold() in STORY_POINTS_NAMES]
    matches.sort(key=lambda f: (f.id not in screen, STORY_POINTS_NAMES.index(f.name.casefold())))
    return matches[0] if matches else None


def find_epic_link(fields: Sequence[FieldInfo], configured: str = "") -> FieldInfo | None:
    """Data Center's Epic Link field: configured, else by its Jira Software type, else by name."""
    if configured:
        return _by_id_or_name(fields, configured)
    return _by_plugin_or_name(fields, EPIC_LINK_PLUGIN, EPIC_LINK_NAME)


def find_epic_name(fields: Sequence[FieldInfo]) -> FieldInfo | None:
    """Data Center's Epic Name field (required on its epic create screen)."""
    return _by_plugin_or_name(fields, EPIC_NAME_PLUGIN, EPIC_NAME_NAME)


def _by_plugin_or_name(fields: Sequence[FieldInfo], plugin: str, name: str) -> FieldInfo | None:
    # The type is stable; the name may be translated or renamed by an admin.
    by_type = [f for f in fields if f.plugin == plugin]
    by_name = [f for f in fields if f.name.casefold() == name]
    matches = by_type or by_name
    return matches[0] if matches else None


def _by_id_or_name(fields: Sequence[FieldInfo], wanted: str) -> FieldInfo | None:
    wanted = wanted.strip()
    exact = next((f for f in fields if f.id == wanted), None)
    return exact or next((f for f in fields if f.name.casefold() == wanted.casefold()), None)


def missing_issue_type(
    name: str, setting: str, project: str, types: Sequence[IssueTypeInfo]
) -> str:
    available = ", ".join(sorted(t.name for t in types)) or "none"
    return (
        f"Issue type '{name}' cannot be created in project {project}; set {setting} to one of: "
        f"{available}."
    )


# ---- discovery and its cache ------------------------------------------------------------------
def discover(client: JiraClient, settings: JiraSettings) -> SiteMetadata:
    """Read the site's metadata: serverInfo, the field list, the project and its createmeta,
    in parallel rounds (six calls on the paged createmeta, four on the old one). Raises
    JiraMisconfigured if the story issue type cannot be created in the project, and the
    client's errors for anything else."""
    reader = CreateMetaReader(client, settings.project_key)
    # The version decides which createmeta to try first, unless the site has shown it already:
    # then the issue types can be asked for in the first round.
    style_known = client.capabilities.createmeta is not None or client.flavour == CLOUD
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="jira-discovery") as pool:
        info_call = pool.submit(client.server_info)
        fields_call = pool.submit(fetch_fields, client)
        project_call = pool.submit(fetch_project, client, settings.project_key)
        types_call = pool.submit(reader.issue_types) if style_known else None
        info = info_call.result()
        if types_call is None:  # the version is known now
            types_call = pool.submit(reader.issue_types)
        # The project first: a missing one also fails the createmeta calls, less clearly.
        fields, project = fields_call.result(), project_call.result()
        types = types_call.result()
    story = find_issue_type(types, settings.story_issue_type)
    if story is None:
        raise JiraMisconfigured(
            missing_issue_type(
                settings.story_issue_type, "jira.story_issue_type", project.key, types
            )
        )
    epic = find_issue_type(types, settings.epic_issue_type)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="jira-discovery") as pool:
        story_call = pool.submit(reader.screen, story)
        epic_call = pool.submit(reader.screen, epic) if epic else None
        story_screen = story_call.result()
        epic_screen = epic_call.result() if epic_call else []
    return assemble(
        client,
        settings,
        info=info,
        fields=fields,
        project=project,
        story=story,
        epic=epic,
        story_screen=story_screen,
        epic_screen=epic_screen,
    )


def assemble(
    client: JiraClient,
    settings: JiraSettings,
    *,
    info: Mapping[str, Any],
    fields: Sequence[FieldInfo],
    project: ProjectInfo,
    story: IssueTypeInfo,
    epic: IssueTypeInfo | None,
    story_screen: Sequence[ScreenField],
    epic_screen: Sequence[ScreenField],
) -> SiteMetadata:
    """The metadata from what was read (by `discover`, or by the connection check)."""
    story_ids = frozenset(f.id for f in story_screen)
    points = find_story_points(fields, settings.story_points_field, story_ids)
    cloud = client.flavour == CLOUD
    link = None if cloud else find_epic_link(fields, settings.epic_link_field)
    epic_name = None if cloud else find_epic_name(fields)
    return SiteMetadata(
        flavour=client.flavour,
        base_url=client.base_url,
        server_title=str(info.get("serverTitle") or "Jira"),
        server_version=str(info.get("version") or ""),
        project_key=project.key,
        project_id=project.id,
        project_name=project.name,
        story_type_id=story.id,
        epic_type_id=epic.id if epic else None,
        story_points_field=points.id if points else None,
        epic_link_field=link.id if link else None,
        epic_name_field=epic_name.id if epic_name else None,
        story_fields=story_ids,
        story_required=required_ids(story_screen),
        epic_fields=frozenset(f.id for f in epic_screen),
        epic_required=required_ids(epic_screen),
        components=project.components,
        field_names={f.id: f.name for f in fields},
    )


def required_ids(screen: Sequence[ScreenField]) -> frozenset[str]:
    """Fields a create must set: required and without a default Jira fills in."""
    return frozenset(f.id for f in screen if f.required and not f.has_default)
