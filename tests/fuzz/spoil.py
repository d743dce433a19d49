"""A valid baseline request with one value spoiled: in the path, the query string, a body field
at any depth, or the whole body.

Slots are named `path:{name}`, `query:name`, `body:a.b[0]`, `body` (the whole body) and
`form:name`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from tests.fuzz.hostile import Hostile
from tests.fuzz.routes import Form, JsonRoute

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SENTINEL = "\ue000spoiled\ue000"
Step = str | int


def fill(value: Any, ids: dict[str, str], *, numbers: bool) -> Any:
    """The baseline with {placeholders} replaced by the world's ids (ints in JSON)."""
    if isinstance(value, str):
        match = _PLACEHOLDER.fullmatch(value)
        if match:
            filled = ids[match.group(1)]
            return int(filled) if numbers and filled.isdigit() else filled
        return value
    if isinstance(value, list):
        return [fill(item, ids, numbers=numbers) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids, numbers=numbers) for key, item in value.items()}
    return value


def _leaves(value: Any, trail: tuple[Step, ...] = ()) -> list[tuple[Step, ...]]:
    """Every position in a body: each container and each leaf (the first item of a list)."""
    found = [trail] if trail else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*trail, key))
    elif isinstance(value, list) and value:
        found += _leaves(value[0], (*trail, 0))
    return found


def _name(trail: tuple[Step, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in trail)[1:]


def path_slots(url: str) -> list[str]:
    return [f"path:{name}" for name in _PLACEHOLDER.findall(url)]


def json_slots(route: JsonRoute) -> list[str]:
    slots = path_slots(route.path) + [f"query:{name}" for name in route.query]
    if route.body is not None:
        slots += [f"body:{_name(trail)}" for trail in _leaves(route.body)]
    if route.method != "GET":
        slots.append("body")
    return [*slots, "query:unexpected"]


def form_slots(form: Form) -> list[str]:
    return path_slots(form.url) + [f"form:{name}" for name in form.fields] + ["form:unexpected"]


def url_for(template: str, ids: dict[str, str], slot: str, value: Hostile) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if slot == f"path:{name}":
            return quote(value.text, safe="")
        return quote(ids[name], safe="")

    return _PLACEHOLDER.sub(one, template)


def _set(body: Any, trail: tuple[Step, ...], replacement: Any) -> Any:
    if not trail:
        return replacement
    head, rest = trail[0], trail[1:]
    if isinstance(body, dict):
        return {**body, str(head): _set(body[head], rest, replacement)}
    copy = list(body)
    copy[int(head)] = _set(copy[int(head)], rest, replacement)
    return copy


def _trail(name: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", name):
        steps.append(int(part[1:-1]) if part.startswith("[") else part)
    return tuple(steps)


def json_request(
    route: JsonRoute, ids: dict[str, str], slot: str, value: Hostile
) -> tuple[str, dict[str, str], bytes | None]:
    """(url, query, body bytes) for `route` with `value` at `slot`."""
    url = route.prefix + url_for(route.path, ids, slot, value)
    query = {name: fill(raw, ids, numbers=False) for name, raw in route.query.items()}
    if slot.startswith("query:"):
        query[slot.removeprefix("query:")] = value.text
    if slot == "body":
        return url, query, value.fragment.encode()
    if route.body is None:
        return url, query, None
    body = fill(route.body, ids, numbers=True)
    if slot.startswith("body:"):
        body = _set(body, _trail(slot.removeprefix("body:")), _SENTINEL)
        text = json.dumps(body).replace(json.dumps(_SENTINEL), value.fragment)
        return url, query, text.encode()
    return url, query, json.dumps(body).encode()


def form_request(
    form: Form, ids: dict[str, str], slot: str, value: Hostile
) -> tuple[str, dict[str, Any]]:
    """(url, fields) for `form` with `value` at `slot`; a list field gets it as its first item."""
    url = url_for(form.url, ids, slot, value)
    fields: dict[str, Any] = fill(dict(form.fields), ids, numbers=False)
    name = slot.removeprefix("form:")
    if slot.startswith("form:"):
        current = fields.get(name)
        fields[name] = [value.text, *current[1:]] if isinstance(current, list) else value.text
    return url, fields
