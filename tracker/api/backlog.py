"""The ranked backlog over the API: the web page's filters, search and order, one page at a time."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from tracker.api import bp, to_json
from tracker.api.inputs import actor
from tracker.api.openapi import operation
from tracker.api.schemas.planning import BacklogItem, BacklogPage, page_fields
from tracker.api.suggestions import public
from tracker.db import get_session
from tracker.pagination import MAX_PER_PAGE, clamp
from tracker.permissions import Permission, requires
from tracker.services.suggestions import backlog
from tracker.services.suggestions.backlog import BacklogRow

TAG = "backlog"
DEFAULT_PER_PAGE = 25

# Query parameters of every paged list in the API.
PAGE_QUERY = {
    "page": "Page number, from 1",
    "per_page": f"Rows per page, 1-{MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})",
}
_QUERY = {
    "q": "Words to search for in title, problem and proposed change",
    "area": "Only this area",
    "status": f"A status, or '{backlog.ANY_STATUS}' to include merged duplicates (else hidden)",
    "vendor": f"A vendor organisation id, or '{backlog.INTERNAL}' for ideas from internal agents",
    "initiative": "Only suggestions in this initiative (id)",
    "submitter": "Only ideas from this person (user id, or 'me')",
    **PAGE_QUERY,
}


def requested_page() -> tuple[int, int]:
    """Page number and size from the query string, lenient like the web pages."""
    return clamp(request.args.get("page", 1), request.args.get("per_page", DEFAULT_PER_PAGE))


def _item(row: BacklogRow) -> BacklogItem:
    return BacklogItem(
        **public(row.suggestion).model_dump(),
        submitter_name=row.submitter_name,
        vendor_name=row.vendor_name,
    )


@bp.get("/suggestions")
@requires(Permission.VIEW_SUGGESTIONS)
@operation(
    "The ranked backlog: visible suggestions, filtered and searched, best score first",
    response=BacklogPage,
    query=_QUERY,
    tag=TAG,
)
def backlog_list() -> Response:
    user = actor()
    # Lenient like the web page, whose URLs people share: nonsense filters are dropped, and
    # the answer's `filters` says which ones were applied.
    filters = backlog.BacklogFilters.from_args(request.args, actor=user)
    page, per_page = requested_page()
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
