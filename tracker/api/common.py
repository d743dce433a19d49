"""What every API module shares: the /api/v1 blueprint, JSON answers, and paging.

Route modules import from here, from inputs.py (request bodies) and openapi.py (`@operation`),
never from each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, jsonify
from pydantic import BaseModel
from werkzeug.wrappers import Response

from tracker.api.schemas.common import SuggestionPublic
from tracker.models import Suggestion
from tracker.pagination import MAX_PER_PAGE

__all__ = [
    "DEFAULT_PER_PAGE",
    "PAGE_QUERY",
    "bp",
    "json_list",
    "suggestion_public",
    "to_json",
]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_PER_PAGE = 25
# Query parameters of every paged list in the API.
PAGE_QUERY = {
    "page": "Page number, from 1",
    "per_page": f"Rows per page, 1-{MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})",
}


def to_json(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def json_list(models: Sequence[BaseModel]) -> Response:
    return jsonify([model.model_dump(mode="json") for model in models])


def suggestion_public(suggestion: Suggestion) -> SuggestionPublic:
    return SuggestionPublic.model_validate(suggestion, from_attributes=True)
