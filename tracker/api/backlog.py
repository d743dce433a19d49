"""The backlog over the API: the web page's filters, search and sort, one page at a time."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from tracker.api.common import (
    ID_SCHEMA,
    PAGE_QUERY,
    bp,
    page_requested,
    suggestion_public,
    to_json,
)
from tracker.api.inputs import actor
from tracker.api.openapi import Query, operation
from tracker.api.schemas.planning import BacklogItem, BacklogPage, page_fields
from tracker.db import get_session
from tracker.permissions import Permission, requires
from tracker.services.suggestions import backlog
from tracker.services.suggestions.backlog import BacklogRow

TAG = "backlog"
_QUERY: dict[str, Query | str] = {
    "q": "Words to search for in title, problem and proposed change",
    "area": "Only this area",
    "status": Query(
        f"A status, or a group: '{backlog.OPEN}' (the default: new, under review, accepted, in"
        f" delivery), '{backlog.CLOSED}' (declined, duplicate, parked, delivered),"
        f" '{backlog.ALL_STATUSES}' (all but merged duplicates) or '{backlog.ANY_STATUS}'"
        " (everything). An unknown value means the default.",
        {"type": "string"},
    ),
    "vendor": Query(
        f"A vendor organisation id, or '{backlog.INTERNAL}' for ideas from internal agents",
        {"anyOf": [ID_SCHEMA, {"type": "string", "enum": [backlog.INTERNAL]}]},
    ),
    "initiative": Query("Only suggestions in this initiative (id)", ID_SCHEMA),
    "submitter": Query(
        "Only ideas from this person (user id, or 'me')",
        {"anyOf": [ID_SCHEMA, {"type": "string", "enum": ["me"]}]},
    ),
    "sort": Query(
        f"Column to sort by (default {backlog.DEFAULT_SORT}); the id breaks ties",
        {"type": "string", "enum": list(backlog.SORTS)},
    ),
    "dir": Query(
        "asc or desc; default: desc, except asc for title",
        {"type": "string", "enum": list(backlog.DIRECTIONS)},
    ),
    **PAGE_QUERY,
}


def _item(row: BacklogRow) -> BacklogItem:
    return BacklogItem(
        **suggestion_public(row.suggestion).model_dump(),
        submitter_name=row.submitter_name,
        vendor_name=row.vendor_name,
    )


@bp.get("/suggestions")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "The backlog: visible open suggestions, filtered, searched and sorted (best score first)",
    response=BacklogPage,
    query=_QUERY,
    tag=TAG,
)
def backlog_list() -> Response:
    user = actor()
    # Ids and the sort (by from_args) and paging are checked, each a 422 naming it; otherwise
    # lenient like the web page, whose URLs people share: an unknown status means the default,
    # and the answer's `filters` says what was applied beyond the defaults.
    filters = backlog.BacklogFilters.from_args(request.args, actor=user)
    page, per_page = page_requested()
    found = backlog.backlog_page(
        get_session(), actor=user, filters=filters, page=page, per_page=per_page
    )
    return to_json(
        BacklogPage(
            **page_fields(found),
            items=[_item(row) for row in found.items],
            filters=filters.as_args(),
        )
    )
