"""Issue endpoints: create, bulk create, get, edit, remote links and changelog."""

from __future__ import annotations

from typing import Any

from .exchange import Ctx, Reply, error
from .render import Selection, history_json, issue_json
from .rules import check_create, check_edit
from .state import Issue

MAX_BULK = 50
NOT_FOUND = "Issue does not exist or you do not have permission to see it."


def _created(ctx: Ctx, issue: Issue) -> dict[str, Any]:
    return {"id": issue.id, "key": issue.key, "self": ctx.url(f"issue/{issue.id}")}


def _create_one(ctx: Ctx, update: Any) -> Issue | dict[str, str]:
    """Create from one IssueUpdateDetails; returns the issue or the field errors."""
    update = update if isinstance(update, dict) else {}
    fields = update.get("fields") if isinstance(update.get("fields"), dict) else {}
    ops = update.get("update") if isinstance(update.get("update"), dict) else {}
    with ctx.state.lock:
        out = check_create(ctx.state, fields, ops, ctx.api)
        if out.errors:
            ctx.violation(f"Jira rejects the fields: {out.errors}")
            return out.errors
        assert out.project is not None
        assert out.issue_type is not None
        return ctx.state.create(out.project, out.issue_type, out.values)


def create_issue(ctx: Ctx) -> Reply:
    result = _create_one(ctx, ctx.body)
    if isinstance(result, Issue):
        return Reply(201, _created(ctx, result))
    return error(400, errors=result)


def bulk_create(ctx: Ctx) -> Reply:
    fake = ctx.fake
    if not fake.bulk_enabled:
        return error(fake.bulk_disabled_status, f"null for uri: {fake.url}{ctx.path}")
    updates = ctx.body.get("issueUpdates") or []
    if len(updates) > MAX_BULK:
        ctx.violation(f"{len(updates)} issues in one bulk call (max {MAX_BULK})")
        return error(400, f"You can create up to {MAX_BULK} issues in one request.")
    injected: set[int] = set()
    opts: dict[str, Any] = {}
    if ctx.fault is not None and ctx.fault.kind == "bulk_partial":
        opts = ctx.fault.opts
        injected = set(opts.get("indexes", [0]))
    issues, errors = [], []
    for index, update in enumerate(updates):
        result: Issue | dict[str, str]
        if index in injected:
            result = {opts.get("field", "summary"): opts.get("message", "Injected failure.")}
        else:
            result = _create_one(ctx, update)
        if isinstance(result, Issue):
            issues.append(_created(ctx, result))
        else:
            element = {"errorMessages": [], "errors": result, "status": 400}
            errors.append({"status": 400, "elementErrors": element, "failedElementNumber": index})
    status = 201 if issues or not errors else 400
    return Reply(status, {"issues": issues, "errors": errors})


def _issue(ctx: Ctx) -> Issue | None:
    return ctx.state.find(ctx.args["key"])


def get_issue(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    if issue is None:
        return error(404, NOT_FOUND)
    selection = Selection.parse(ctx.query.getlist("fields"), "*all")
    expand = set((ctx.query.get("expand") or "").split(","))
    with ctx.state.lock:
        return Reply(200, issue_json(ctx, issue, selection, expand))


def edit_issue(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    if issue is None:
        return error(404, NOT_FOUND)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    fields = body.get("fields") or {}
    update = body.get("update") or {}
    with ctx.state.lock:
        out = check_edit(ctx.state, issue, fields, update, ctx.api)
        if out.errors:
            ctx.violation(f"Jira rejects the edit: {out.errors}")
            return error(400, errors=out.errors)
        ctx.state.change(issue, out.values)
        if ctx.query.get("returnIssue", "false").lower() == "true":
            return Reply(200, issue_json(ctx, issue, Selection.parse(None, "*all")))
    return Reply(204)


def _link_json(ctx: Ctx, issue: Issue, link: dict[str, Any]) -> dict[str, Any]:
    return {"id": link["id"], "self": ctx.url(f"issue/{issue.key}/remotelink/{link['id']}")}


def remote_links(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    if issue is None:
        return error(404, NOT_FOUND)
    with ctx.state.lock:
        links = [{**_link_json(ctx, issue, link), **link["data"]} for link in issue.remote_links]
    wanted = ctx.query.get("globalId")
    if wanted is None:
        return Reply(200, links, checked=False)  # a list, though the document says object
    found = [link for link in links if link.get("globalId") == wanted]
    return Reply(200, found[0]) if found else error(404, "No remote link with that globalId.")


def add_remote_link(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    if issue is None:
        return error(404, NOT_FOUND)
    data = dict(ctx.body)
    obj = data.get("object") or {}
    problems = {k: f"'{k}' is required." for k in ("url", "title") if not obj.get(k)}
    if problems:
        ctx.violation(f"remote link object lacks {sorted(problems)}")
        return error(400, errors=problems)
    with ctx.state.lock:
        for link in issue.remote_links:
            if data.get("globalId") and link["data"].get("globalId") == data["globalId"]:
                link["data"] = data
                return Reply(200, _link_json(ctx, issue, link))
        link = {"id": int(ctx.state.next_id()), "data": data}
        issue.remote_links.append(link)
        return Reply(201, _link_json(ctx, issue, link))


def changelog(ctx: Ctx) -> Reply:
    issue = _issue(ctx)
    if issue is None:
        return error(404, NOT_FOUND)
    start = int(ctx.query.get("startAt", 0))
    size = int(ctx.query.get("maxResults", 100))
    with ctx.state.lock:
        histories = [history_json(ctx, h) for h in issue.changelog]
    page = histories[start : start + size]
    return Reply(
        200,
        {
            "self": ctx.url(f"issue/{issue.key}/changelog?startAt={start}&maxResults={size}"),
            "maxResults": size,
            "startAt": start,
            "total": len(histories),
            "isLast": start + len(page) >= len(histories),
            "values": page,
        },
    )
