"""Metadata endpoints: serverInfo, field, project and the createmeta pages."""

from __future__ import annotations

from typing import Any

from .catalog import PRIORITIES, FieldDef, IssueType
from .exchange import Ctx, Reply, error
from .render import issue_type_json, jira_time, user_json
from .state import API_USER, Project

BUILD_DATE = "2025-01-15T00:00:00.000+0000"
LIST_OPS = ["add", "set", "remove"]
AVATAR_SIZES = {"48x48": "large", "24x24": "small", "16x16": "xsmall", "32x32": "medium"}


def server_info(ctx: Ctx) -> Reply:
    fake = ctx.fake
    return Reply(
        200,
        {
            "baseUrl": fake.url,
            "displayUrl": fake.url,
            "version": ".".join(map(str, fake.version_numbers)),
            "versionNumbers": list(fake.version_numbers),
            "deploymentType": fake.deployment_type,
            "buildNumber": 100282 if ctx.cloud else _build_number(fake.version_numbers),
            "buildDate": BUILD_DATE,
            "serverTime": jira_time(fake.now),
            "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
            "serverTitle": "Jira",
        },
    )


def _build_number(version: tuple[int, ...]) -> int:
    """Server/Data Center build numbers spell the version: 9.12.12 is 9120012, 8.20.30 820030."""
    major, minor, patch = (*version, 0, 0, 0)[:3]
    if major >= 9:
        return major * 1_000_000 + minor * 10_000 + patch
    return major * 100_000 + minor * 1_000 + patch


def myself(ctx: Ctx) -> Reply:
    """The API user, with the profile time zone JQL dates are read in."""
    user = user_json(ctx, API_USER)
    user["timeZone"] = ctx.state.time_zone
    user["locale"] = "en_US"
    if not ctx.cloud:
        user["emailAddress"] = "api-user@example.com"
    return Reply(200, user)


def fields(ctx: Ctx) -> Reply:
    return Reply(200, [f.details() for f in ctx.fake.config.all_fields()])


def project(ctx: Ctx) -> Reply:
    found = ctx.state.project(ctx.args["key"])
    if found is None:
        return error(404, "No project could be found with key '{}'.".format(ctx.args["key"]))
    return Reply(
        200,
        {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            **_project_ref(ctx, found),
            "description": "",
            "lead": user_json(ctx, "jira-admin"),
            "projectTypeKey": "software",
            "simplified": False,
            "style": "classic",
            "isPrivate": False,
            "issueTypes": [issue_type_json(ctx, t) for t in ctx.state.issue_types.values()],
            "components": [
                {"self": ctx.url(f"component/{i}"), "id": i, "name": n}
                for i, n in found.components.items()
            ],
            "versions": [
                {
                    "self": ctx.url(f"version/{i}"),
                    "id": i,
                    "name": n,
                    "archived": False,
                    "released": False,
                }
                for i, n in found.versions.items()
            ],
        },
    )


def _page(ctx: Ctx, items: list[Any], key: str) -> Reply:
    """Cloud pages createmeta as {issueTypes|fields: [...]}, Data Center as {values: [...]}."""
    start = int(ctx.query.get("startAt", 0))
    size = min(int(ctx.query.get("maxResults", 50)), 200)
    page = items[start : start + size]
    body: dict[str, Any] = {"maxResults": size, "startAt": start, "total": len(items)}
    if ctx.cloud:
        body[key] = page
    else:
        body.update(isLast=start + len(page) >= len(items), values=page)
    return Reply(200, body)


def createmeta_types(ctx: Ctx) -> Reply:
    if ctx.state.project(ctx.args["key"]) is None:
        return error(400, "Project not found")  # Jira answers 400 here, not 404
    return _page(
        ctx, [issue_type_json(ctx, t) for t in ctx.state.issue_types.values()], "issueTypes"
    )


def createmeta_fields(ctx: Ctx) -> Reply:
    found = ctx.state.project(ctx.args["key"])
    issue_type = ctx.state.issue_types.get(ctx.args["type_id"])
    if found is None or issue_type is None:
        return error(400, "Project or issue type not found")
    return _page(ctx, _screen(ctx, found, issue_type), "fields")


def createmeta_legacy(ctx: Ctx) -> Reply:
    """The old createmeta (Server/Data Center before 9.0): projects and their issue types in
    one answer, each type's create screen keyed by field id when
    expand=projects.issuetypes.fields. Unknown projects or types are left out, not refused."""
    projects = [
        p
        for p in ctx.state.projects.values()
        if _wanted(ctx, "projectKeys", p.key) and _wanted(ctx, "projectIds", p.id)
    ]
    types = [
        t
        for t in ctx.state.issue_types.values()
        if _wanted(ctx, "issuetypeIds", t.id) and _wanted(ctx, "issuetypeNames", t.name)
    ]
    with_fields = "projects.issuetypes.fields" in _listed(ctx, "expand")
    return Reply(
        200,
        {
            "expand": "projects",
            "projects": [
                {
                    **_project_ref(ctx, found),
                    "avatarUrls": {
                        size: f"{ctx.fake.url}/secure/projectavatar?size={name}&pid={found.id}"
                        for size, name in AVATAR_SIZES.items()
                    },
                    "issuetypes": [_legacy_type(ctx, found, t, with_fields) for t in types],
                }
                for found in projects
            ],
        },
    )


def _listed(ctx: Ctx, name: str) -> set[str]:
    """A list parameter, comma-separated and/or repeated."""
    return {v.strip() for raw in ctx.query.getlist(name) for v in raw.split(",") if v.strip()}


def _wanted(ctx: Ctx, name: str, value: str) -> bool:
    listed = _listed(ctx, name)
    return not listed or value in listed


def _legacy_type(
    ctx: Ctx, found: Project, issue_type: IssueType, with_fields: bool
) -> dict[str, Any]:
    described = issue_type_json(ctx, issue_type)
    described.pop("hierarchyLevel")
    described["expand"] = "fields"
    if with_fields:
        described["fields"] = {
            meta.pop("fieldId"): meta for meta in _screen(ctx, found, issue_type)
        }
    return described


def _project_ref(ctx: Ctx, found: Project) -> dict[str, Any]:
    return {
        "self": ctx.url(f"project/{found.id}"),
        "id": found.id,
        "key": found.key,
        "name": found.name,
    }


def _screen(ctx: Ctx, found: Project, issue_type: IssueType) -> list[dict[str, Any]]:
    """The create screen's FieldCreateMetadata items (paged createmeta shape)."""
    required = ctx.fake.config.required(issue_type)
    return [
        _field_meta(ctx, found, f, issue_type, f.id in required)
        for f in ctx.fake.config.screen(issue_type)
    ]


def _field_meta(
    ctx: Ctx, found: Project, fdef: FieldDef, issue_type: IssueType, required: bool
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "fieldId": fdef.id,
        "key": fdef.id,
        "name": fdef.name,
        "required": required,
        "hasDefaultValue": fdef.id == "priority",
        "operations": LIST_OPS if fdef.schema.get("type") == "array" else ["set"],
        "schema": fdef.schema,
    }
    allowed: dict[str, list[dict[str, Any]]] = {
        "issuetype": [issue_type_json(ctx, issue_type)],
        "project": [_project_ref(ctx, found)],
        "priority": [{"id": i, "name": n} for i, n in PRIORITIES.items()],
        "components": [{"id": i, "name": n} for i, n in found.components.items()],
        "fixVersions": [{"id": i, "name": n} for i, n in found.versions.items()],
    }
    if fdef.id in allowed:
        meta["allowedValues"] = allowed[fdef.id]
    return meta
