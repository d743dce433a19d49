"""Field rules Jira enforces beyond the OpenAPI schema when issues are created or edited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .adf import is_adf
from .catalog import PRIORITIES, IssueType
from .state import Issue, Project, State

NOT_SETTABLE = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
SUMMARY_REQUIRED = "You must specify a summary of the issue."
LIST_FIELDS = ("labels", "components", "fixVersions")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldError(Exception):
    """A value Jira rejects; the message becomes errors[field]."""


@dataclass
class Outcome:
    project: Project | None = None
    issue_type: IssueType | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def check_create(
    state: State, fields: dict[str, Any], update: dict[str, Any], version: str
) -> Outcome:
    """Validate a create request's `fields`; normalised values are ready for State.create."""
    out = Outcome()
    out.project = _project(state, fields.get("project"))
    if out.project is None:
        out.errors["project"] = "Specify a valid project ID or key"
    raw_type = fields.get("issuetype")
    out.issue_type = _issue_type(state, raw_type)
    if out.issue_type is None:
        out.errors["issuetype"] = (
            "Specify an issue type" if raw_type is None else "The issue type selected is invalid."
        )
    if out.project is None or out.issue_type is None:
        return out
    rest = {k: v for k, v in fields.items() if k not in ("project", "issuetype")}
    _normalise(state, out, rest, update, version, None)
    names = {f.id: f.name for f in state.config.all_fields()}
    for fid in sorted(state.config.required(out.issue_type) - {"project", "issuetype"}):
        if fid not in out.errors and not out.values.get(fid):
            out.errors[fid] = SUMMARY_REQUIRED if fid == "summary" else f"{names[fid]} is required."
    return out


def check_edit(
    state: State, issue: Issue, fields: dict[str, Any], update: dict[str, Any], version: str
) -> Outcome:
    """Validate an edit (`fields` plus `update` operations) against the issue's screen."""
    out = Outcome(state.project(issue.project), state.issue_types[issue.issue_type])
    fields = dict(fields)
    if "issuetype" in fields:
        new_type = _issue_type(state, fields.pop("issuetype"))
        if new_type is None:
            out.errors["issuetype"] = "The issue type selected is invalid."
        else:
            out.issue_type = new_type
            out.values["issuetype"] = new_type.id
    _normalise(state, out, fields, update, version, issue)
    return out


def _normalise(
    state: State,
    out: Outcome,
    fields: dict[str, Any],
    update: dict[str, Any],
    version: str,
    issue: Issue | None,
) -> None:
    assert out.issue_type is not None
    assert out.project is not None
    screen = {f.id for f in state.config.screen(out.issue_type)} - {"project", "issuetype"}
    for fid in [*fields, *update]:
        if fid not in screen:
            out.errors[fid] = NOT_SETTABLE.format(fid)
    for fid, raw in fields.items():
        if fid in screen:
            try:
                out.values[fid] = _value(state, out, fid, raw, version, issue)
            except FieldError as exc:
                out.errors[fid] = str(exc)
    for fid, ops in update.items():
        if fid in screen:
            try:
                out.values[fid] = _apply_ops(state, out, fid, ops, version, issue)
            except FieldError as exc:
                out.errors[fid] = str(exc)


def _apply_ops(
    state: State,
    out: Outcome,
    fid: str,
    ops: list[dict[str, Any]],
    version: str,
    issue: Issue | None,
) -> Any:
    current = out.values.get(fid, issue.fields.get(fid) if issue else None)
    for op in ops:
        for verb, raw in op.items():
            if verb == "set":
                current = _value(state, out, fid, raw, version, issue)
            elif verb in ("add", "remove") and fid in LIST_FIELDS:
                items = _value(state, out, fid, [raw], version, issue)
                kept = [v for v in current or [] if v not in items]
                current = kept + items if verb == "add" else kept
            else:
                raise FieldError(f"Field '{fid}' does not support operation '{verb}'")
    return current


def _value(
    state: State, out: Outcome, fid: str, raw: Any, version: str, issue: Issue | None
) -> Any:
    config = state.config
    if fid == "summary":
        return _summary(raw)
    if fid == "description":
        if raw is None or (is_adf(raw) if version == "3" else isinstance(raw, str)):
            return raw
        if version == "3":
            raise FieldError(
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
        raise FieldError("Operation value must be a string")
    if fid == "labels":
        return _labels(raw)
    if fid == "priority":
        return _ref_id(raw, PRIORITIES, "Priority")
    if fid in ("components", "fixVersions"):
        assert out.project is not None
        table = out.project.components if fid == "components" else out.project.versions
        kind = "Component" if fid == "components" else "Version"
        if not isinstance(raw, list):
            raise FieldError("Operation value must be an array")
        return list(dict.fromkeys(_ref_id(item, table, kind) for item in raw))
    if fid == "assignee":
        return _user(raw, "accountId" if state.config.flavour == "cloud" else "name")
    if fid == "duedate":
        if raw is not None and not (isinstance(raw, str) and _DATE.match(raw)):
            raise FieldError(f"Error parsing date string: {raw}")
        return raw
    if fid == config.story_points_field:
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise FieldError("Operation value must be a number")
        return raw
    if fid == "parent":
        return _parent(state, out, raw, issue)
    if fid == config.epic_link_field:
        return _epic_link(state, raw)
    if fid == config.epic_name_field:
        if not isinstance(raw, str) or not raw.strip():
            raise FieldError("Epic Name is required.")
        return raw
    raise FieldError(NOT_SETTABLE.format(fid))


def _project(state: State, raw: Any) -> Project | None:
    ref = (raw.get("key") or raw.get("id")) if isinstance(raw, dict) else None
    return state.project(str(ref)) if ref else None


def _issue_type(state: State, raw: Any) -> IssueType | None:
    ref = (raw.get("id") or raw.get("name")) if isinstance(raw, dict) else None
    return state.issue_type(str(ref)) if ref else None


def _summary(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise FieldError(SUMMARY_REQUIRED)
    if len(raw) > 255:
        raise FieldError("Summary must be less than 255 characters.")
    if "\n" in raw or "\r" in raw:
        raise FieldError("The summary is invalid because it contains newline characters.")
    return raw


def _labels(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise FieldError("Operation value must be an array of strings")
    for label in raw:
        if not label or any(c.isspace() for c in label):
            raise FieldError(f"The label '{label}' contains spaces which is invalid.")
        if len(label) > 255:
            raise FieldError(f"The label '{label}' exceeds the 255 character limit.")
    return list(dict.fromkeys(raw))


def _ref_id(raw: Any, table: dict[str, str], kind: str) -> str:
    """Resolve {"id": ...} or {"name": ...} against an id -> name table."""
    if isinstance(raw, dict) and "id" in raw:
        if str(raw["id"]) in table:
            return str(raw["id"])
        raise FieldError(f"{kind} with id '{raw['id']}' does not exist.")
    if isinstance(raw, dict) and "name" in raw:
        for key, name in table.items():
            if name == raw["name"]:
                return key
        raise FieldError(f"{kind} name '{raw['name']}' is not valid")
    raise FieldError(f"Specify the {kind} (id or name) in the object format")


def _user(raw: Any, attr: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, dict) and isinstance(raw.get(attr), str) and raw[attr]:
        return str(raw[attr])
    raise FieldError(f"Specify the user by {attr}")


def _parent(state: State, out: Outcome, raw: Any, issue: Issue | None) -> str | None:
    if raw is None:
        return None
    ref = raw.get("key") or raw.get("id") if isinstance(raw, dict) else None
    parent = state.find(str(ref)) if ref else None
    if parent is None or (issue is not None and parent.id == issue.id):
        raise FieldError("Could not find issue by id or key.")
    assert out.issue_type is not None
    if state.issue_types[parent.issue_type].hierarchy_level != out.issue_type.hierarchy_level + 1:
        raise FieldError("Given parent issue does not belong to appropriate hierarchy.")
    return parent.id


def _epic_link(state: State, raw: Any) -> str | None:
    if raw is None:
        return None
    epic = state.find(raw) if isinstance(raw, str) else None
    if epic is None or state.issue_types[epic.issue_type].hierarchy_level < 1:
        raise FieldError(f"Epic '{raw}' does not exist or is not an epic.")
    return epic.id
