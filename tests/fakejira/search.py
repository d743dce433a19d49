"""Search endpoints: Cloud /search/jql (nextPageToken, no total) and Data Center /search
(startAt/maxResults/total)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .exchange import Ctx, Reply, error
from .jql import UNBOUNDED, JqlError, parse, run
from .render import Selection, issue_json
from .state import Issue

BAD_TOKEN = "The provided next page token is invalid or expired."
REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def _token(offset: int, jql: str) -> str:
    raw = json.dumps({"o": offset, "q": hashlib.sha256(jql.encode()).hexdigest()[:12]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _offset(token: str | None, jql: str) -> int | None:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["q"] == hashlib.sha256(jql.encode()).hexdigest()[:12]:
            return int(data["o"])
    except (ValueError, KeyError, TypeError):
        pass
    return None


def _expand(raw: Any) -> set[str]:
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    return {str(i).strip() for i in items}


def _find(ctx: Ctx, jql: str, strict: bool, bounded: bool) -> tuple[list[Issue], list[str]] | Reply:
    try:
        query = parse(jql)
        if bounded and not query.clauses:
            raise JqlError(UNBOUNDED)
        if not ctx.fake.honours_id_in:  # a site that answers issues nobody asked for
            query.clauses = [c for c in query.clauses if c.field != "id"]
        return run(query, ctx.state, strict)
    except JqlError as exc:
        if exc.contract:
            ctx.violation(f"JQL {jql!r}: {exc}")
        return error(400, *exc.messages)


def search_jql(ctx: Ctx) -> Reply:
    params = ctx.params()
    jql = str(params.get("jql") or "")
    size = max(0, min(int(params.get("maxResults", 50)), ctx.fake.max_results_cap))
    found = _find(ctx, jql, strict=True, bounded=True)
    if isinstance(found, Reply):
        return found
    issues, _ = found
    offset = _offset(params.get("nextPageToken"), jql)
    if offset is None:
        ctx.violation(f"nextPageToken {params.get('nextPageToken')!r} does not belong to {jql!r}")
        return error(400, BAD_TOKEN)
    page = issues[offset : offset + size]
    selection = Selection.parse(params.get("fields"), "id")
    cap = ctx.fake.search_changelog_cap
    with ctx.state.lock:
        body: dict[str, Any] = {
            "issues": [
                issue_json(ctx, i, selection, _expand(params.get("expand")), cap) for i in page
            ]
        }
    more = offset + len(page) < len(issues)
    if more and page:
        body["nextPageToken"] = _token(offset + len(page), jql)
    body["isLast"] = not more
    return Reply(200, body)


def search_legacy(ctx: Ctx) -> Reply:
    """Data Center's /rest/api/2/search (the router answers 410 for it on Cloud)."""
    params = ctx.params()
    jql = str(params.get("jql") or "")
    start = max(0, int(params.get("startAt", 0)))
    size = max(0, min(int(params.get("maxResults", 50)), ctx.fake.max_results_cap))
    strict = str(params.get("validateQuery", "strict")).lower() in ("strict", "true")
    found = _find(ctx, jql, strict=strict, bounded=False)
    if isinstance(found, Reply):
        return found
    issues, warnings = found
    selection = Selection.parse(params.get("fields"), "*navigable")
    cap = ctx.fake.search_changelog_cap
    with ctx.state.lock:
        page = [
            issue_json(ctx, i, selection, _expand(params.get("expand")), cap)
            for i in issues[start : start + size]
        ]
    body: dict[str, Any] = {
        "expand": "schema,names",
        "startAt": start,
        "maxResults": size,
        "total": len(issues),
        "issues": page,
    }
    if warnings:
        body["warningMessages"] = warnings
    return Reply(200, body)


def removed(ctx: Ctx) -> Reply:
    ctx.violation("Cloud removed /search; use /rest/api/3/search/jql")
    return error(410, REMOVED)
