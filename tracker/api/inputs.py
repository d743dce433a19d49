"""What an API request brings: its acting user and its JSON body, checked into models.

A body that is not a JSON object (or is nested deeper than MAX_DEPTH) is a 400; a well-formed
object with bad or unknown fields, or with control characters in any key or text, is a 422 whose
`fields` names each one, like the services' own ValidationFailed. Shared by every API module,
like common.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask import request
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from tracker.errors import DomainError, ValidationFailed
from tracker.inputs import clean_text
from tracker.models import User
from tracker.services.suggestions.inputs import SuggestionCreate

M = TypeVar("M", bound=BaseModel)
NOT_AN_OBJECT = "Send a JSON object."
TOO_DEEP = "The JSON body is nested too deeply."
# No request body of ours goes deeper than 4 (an import's rows, each with a list of links);
# the cap leaves room and keeps the walk below, and anything that recurses, shallow.
MAX_DEPTH = 32


def actor() -> User:
    """The token's owner; the permission check has already refused anyone else."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def json_object(*, optional: bool = False) -> dict[str, Any]:
    """The body as a dict; with `optional`, an empty body counts as `{}`.

    DomainError (400) when it is not a JSON object or is nested too deeply; ValidationFailed
    (422) naming the field when a key or text holds control characters (PostgreSQL refuses NUL).
    """
    if optional and not request.get_data(cache=True):
        return {}
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # json.loads gives up with RecursionError (not the ValueError `silent` catches) on a
        # body like `[` x 100,000.
        raise DomainError(TOO_DEEP) from None
    if not isinstance(data, dict):
        raise DomainError(NOT_AN_OBJECT)
    _check_values(data)
    return data


def _check_values(data: dict[str, Any]) -> None:
    """Walk every key and string without recursion: depth within MAX_DEPTH, no control
    characters. A field is named by its path, e.g. `rows.3.title` (rows counted from 1)."""
    pending: list[tuple[Any, str, int]] = [(data, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise DomainError(TOO_DEEP)
        if isinstance(value, str):
            clean_text(value, path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                clean_text(str(key), path or "body")  # the key itself cannot name the field
                name = f"{path}.{key}" if path else str(key)
                pending.append((item, name, depth + 1))
        elif isinstance(value, list):
            pending.extend(
                (item, f"{path}.{number}", depth + 1) for number, item in enumerate(value, 1)
            )


def reject_unknown(data: Mapping[str, Any], known: Mapping[str, Any]) -> None:
    """ValidationFailed naming each key the endpoint does not take, so typos are not ignored."""
    unknown = sorted(key for key in data if key not in known)
    if unknown:
        accepted = ", ".join(known)
        raise ValidationFailed(
            "Some fields are not accepted here.",
            fields=dict.fromkeys(unknown, f"Unknown field; this endpoint takes: {accepted}."),
        )


def parse(model: type[M], data: Mapping[str, Any] | None = None) -> M:
    """The body (or `data`) as `model`; ValidationFailed names every bad or unknown field."""
    raw = json_object() if data is None else data
    reject_unknown(raw, model.model_fields)
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "body"
            message = "This field is required." if error["type"] == "missing" else error["msg"]
            fields.setdefault(name, message.rstrip(".") + ".")
        raise ValidationFailed("Some fields need attention.", fields=fields) from None


def suggestion_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The body's suggestion fields; the service validates values, this only the JSON shape.

    The service also reads evidence links from a text box, so a list is checked here: anything
    else (a number, an object) would otherwise be split or stringified into nonsense.
    """
    reject_unknown(data, SuggestionCreate.model_fields)
    links = data.get("evidence_links")
    if links is not None and (
        not isinstance(links, list) or not all(isinstance(link, str) for link in links)
    ):
        raise ValidationFailed(
            "Some fields need attention.",
            fields={"evidence_links": "Evidence links must be a list of strings."},
        )
    return dict(data)
