"""What every API module shares: the /api/v1 blueprint, JSON answers, and paging.

Route modules import from here, from inputs.py (request bodies) and openapi.py (`@operation`),
never from each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, jsonify, request
from pydantic import BaseModel
from werkzeug.wrappers import Response

from tracker.api.openapi import Query
from tracker.api.schemas.common import SuggestionPublic
from tracker.inputs import MAX_ID, optional_id
from tracker.models import Suggestion
from tracker.pagination import MAX_PAGE, MAX_PER_PAGE, requested_page

__all__ = [
    "DEFAULT_PER_PAGE",
    "ID_SCHEMA",
    "PAGE_QUERY",
    "bp",
    "json_list",
    "page_requested",
    "query_id",
    "suggestion_public",
    "to_json",
]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_PER_PAGE = 25
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# Query parameters of every paged list in the API.
PAGE_QUERY: dict[str, Query | str] = {
    "page": Query("Page number, from 1", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    "per_page": Query(
        f"Rows per page, 1-{MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    ),
}


def page_requested() -> tuple[int, int]:
    """`page` and `per_page` of the query string; a 422 names either if out of its range."""
    return requested_page(DEFAULT_PER_PAGE, strict=True)


def query_id(name: str) -> int | None:
    """An id from the query string, or None if absent; a 422 names it if it is not an id."""
    return optional_id(request.args.get(name), name)


def to_json(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def json_list(models: Sequence[BaseModel]) -> Response:
    return jsonify([model.model_dump(mode="json") for model in models])


def suggestion_public(suggestion: Suggestion) -> SuggestionPublic:
    return SuggestionPublic.model_validate(suggestion, from_attributes=True)
