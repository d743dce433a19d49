"""The ranked backlog over the API: the web page's filters, search and order, one page at a time."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from tracker.api.common import PAGE_QUERY, bp, suggestion_public, to_json
from tracker.api.inputs import actor
from tracker.api.openapi import operation
from tracker.api.schemas.planning import BacklogItem, BacklogPage, page_fields
from tracker.db import get_session
from tracker.pagination import requested_page
from tracker.permissions import Permission, requires
from tracker.services.suggestions import backlog
from tracker.services.suggestions.backlog import BacklogRow

TAG = "backlog"
_QUERY = {
    "q": "Words to search for in title, problem and proposed change",
    "area": "Only this area",
    "status": f"A status, or '{backlog.ANY_STATUS}' to include merged duplicates (else hidden)",
    "vendor": f"A vendor organisation id, or '{backlog.INTERNAL}' for ideas from internal agents",
    "initiative": "Only suggestions in this initiative (id)",
    "submitter": "Only ideas from this person (user id, or 'me')",
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
