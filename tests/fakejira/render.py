"""JSON shapes of issues, users, statuses and changelogs as Jira returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .catalog import CATEGORIES, PRIORITIES, RESOLUTIONS, IssueType
from .exchange import Ctx
from .state import API_USER, Issue

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format: 2024-05-01T10:00:00.000+0000 (always UTC here)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def user_json(ctx: Ctx, name: str) -> dict[str, Any]:
    if ctx.cloud:
        account = f"5b10ac8d82e05b22cc7d4e{sum(map(ord, name)):04x}"
        return {
            "self": ctx.url(f"user?accountId={account}"),
            "accountId": account,
            "accountType": "atlassian",
            "displayName": name,
            "active": True,
            "timeZone": "Etc/UTC",
        }
    return {
        "self": ctx.url(f"user?username={name}"),
        "name": name,
        "key": name,
        "displayName": name,
        "active": True,
        "timeZone": "Etc/UTC",
    }


def issue_type_json(ctx: Ctx, issue_type: IssueType) -> dict[str, Any]:
    return {
        "self": ctx.url(f"issuetype/{issue_type.id}"),
        "id": issue_type.id,
        "name": issue_type.name,
        "description": "",
        "iconUrl": f"{ctx.fake.url}/images/icons/issuetypes/{issue_type.name.lower()}.svg",
        "subtask": False,
        "hierarchyLevel": issue_type.hierarchy_level,
    }


@dataclass
class Selection:
    """A parsed `fields` parameter: *all / *navigable, ids, and -excluded ids."""

    everything: bool = False
    include: set[str] = field(default_factory=set)
    exclude: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, values: list[str] | str | None, default: str) -> Selection:
        if isinstance(values, str):
            values = [values]
        items = [p.strip() for v in values or [default] for p in str(v).split(",") if p.strip()]
        return cls(
            everything=any(i in ("*all", "*navigable") for i in items),
            include={i for i in items if not i.startswith(("-", "*"))},
            exclude={i[1:] for i in items if i.startswith("-")},
        )

    @property
    def id_only(self) -> bool:
        return not self.everything and self.include <= {"id"}

    def wants(self, field_id: str) -> bool:
        return (self.everything or field_id in self.include) and field_id not in self.exclude


def issue_json(
    ctx: Ctx,
    issue: Issue,
    selection: Selection,
    expand: set[str] | None = None,
    changelog_cap: int | None = None,
) -> dict[str, Any]:
    """One IssueBean. `changelog_cap`: at most that many histories, the most recent (search
    results carry a truncated changelog on real sites; GET issue the whole one)."""
    if selection.id_only:
        return {"id": issue.id}
    expand = expand or set()
    ids = [f.id for f in ctx.fake.config.all_fields()]
    out: dict[str, Any] = {
        "expand": ISSUE_EXPAND,
        "id": issue.id,
        "self": ctx.url(f"issue/{issue.id}"),
        "key": issue.key,
        "fields": {fid: field_value(ctx, issue, fid) for fid in ids if selection.wants(fid)},
    }
    if issue.fields.get("parent") is None:
        out["fields"].pop("parent", None)
    if "changelog" in expand:
        histories = [history_json(ctx, h) for h in reversed(issue.changelog)]
        total = len(histories)
        if changelog_cap is not None:
            histories = histories[:changelog_cap]
        out["changelog"] = {
            "startAt": 0,
            "maxResults": len(histories),
            "total": total,
            "histories": histories,
        }
    if "names" in expand:
        out["names"] = {f.id: f.name for f in ctx.fake.config.all_fields() if f.id in out["fields"]}
    return out


def history_json(ctx: Ctx, entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "author": user_json(ctx, entry["author"]),
        "created": jira_time(entry["created"]),
        "items": [dict(item) for item in entry["items"]],
    }


def field_value(ctx: Ctx, issue: Issue, fid: str) -> Any:
    state, config = ctx.state, ctx.fake.config
    value = issue.fields.get(fid)
    if fid == "issuetype":
        return issue_type_json(ctx, state.issue_types[issue.issue_type])
    if fid == "project":
        project = state.projects[issue.project]
        return {
            "self": ctx.url(f"project/{project.id}"),
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
        }
    if fid == "status":
        status = state.statuses[issue.status]
        category = dict(CATEGORIES[status.category])
        category["self"] = ctx.url(f"statuscategory/{category['id']}")
        return {
            "self": ctx.url(f"status/{status.id}"),
            "id": status.id,
            "name": status.name,
            "description": "",
            "statusCategory": category,
        }
    if fid == "resolution":
        rid = issue.resolution
        return (
            None
            if rid is None
            else {"self": ctx.url(f"resolution/{rid}"), "id": rid, "name": RESOLUTIONS[rid]}
        )
    if fid == "priority":
        return {"self": ctx.url(f"priority/{value}"), "id": value, "name": PRIORITIES[str(value)]}
    if fid in ("components", "fixVersions"):
        project = state.projects[issue.project]
        table = project.components if fid == "components" else project.versions
        kind = "component" if fid == "components" else "version"
        return [
            {"self": ctx.url(f"{kind}/{i}"), "id": i, "name": table.get(i, i)} for i in value or []
        ]
    if fid == "assignee":
        return None if value is None else user_json(ctx, value)
    if fid == "reporter":
        return user_json(ctx, API_USER)
    if fid in ("created", "updated"):
        return jira_time(getattr(issue, fid))
    if fid in ("parent", config.epic_link_field) and value is not None:
        linked = state.issues.get(value)
        if linked is None:
            return None
        if fid != "parent":
            return linked.key
        return {
            "id": linked.id,
            "key": linked.key,
            "self": ctx.url(f"issue/{linked.id}"),
            "fields": {
                "summary": linked.summary,
                "status": field_value(ctx, linked, "status"),
                "issuetype": field_value(ctx, linked, "issuetype"),
            },
        }
    if fid == "labels":
        return list(value or [])
    if fid == config.sprint_field:
        return sprint_json(ctx, value)
    return value


def sprint_json(ctx: Ctx, sprints: list[dict[str, Any]] | None) -> list[Any] | None:
    """Cloud: sprint objects. Data Center (REST v2): each sprint's Java toString()."""
    if not sprints:
        return None
    if ctx.cloud:
        return [dict(s) for s in sprints]
    return [
        f"com.atlassian.greenhopper.service.sprint.Sprint@{0x1A2B + int(s['id']):x}"
        f"[id={s['id']},rapidViewId={s.get('boardId', 1)},state={str(s['state']).upper()},"
        f"name={s['name']},startDate={s.get('startDate') or '<null>'},"
        f"endDate={s.get('endDate') or '<null>'},completeDate=<null>,"
        f"sequence={s['id']},goal={s.get('goal', '')}]"
        for s in sprints
    ]
