"""The API's OpenAPI document, built from what each route declares with `@operation`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing.converters import BaseConverter, NumberConverter

from tracker.api.schemas.common import ErrorPublic

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "_tracker_operation"


@dataclass(frozen=True)
class Query:
    """A query parameter: what it means and the JSON schema of the values the route takes."""

    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Operation:
    summary: str
    response: type[BaseModel] | None = None
    many: bool = False
    body: type[BaseModel] | None = None
    status: int = 200
    query: dict[str, Query | str] = field(default_factory=dict)
    tag: str = "general"


def operation(
    summary: str,
    *,
    response: type[BaseModel] | None = None,
    many: bool = False,
    body: type[BaseModel] | None = None,
    status: int = 200,
    query: dict[str, Query | str] | None = None,
    tag: str = "general",
) -> Callable[[F], F]:
    """Describe a route for the document; every API route must carry one (tested)."""
    spec = Operation(summary, response, many, body, status, query or {}, tag)

    def mark(view: F) -> F:
        setattr(view, _ATTR, spec)
        return view

    return mark


def operation_for(view: Callable[..., Any]) -> Operation | None:
    found: Operation | None = getattr(view, _ATTR, None)
    return found


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_schema(converter: BaseConverter) -> dict[str, Any]:
    """An id's bounds come from the converter (tracker/converters.py), so they cannot drift."""
    if not isinstance(converter, NumberConverter):
        return {"type": "string"}
    schema: dict[str, Any] = {"type": "integer"}
    if converter.min is not None:
        schema["minimum"] = converter.min
    if converter.max is not None:
        schema["maximum"] = converter.max
    return schema


def _query_parameter(name: str, query: Query | str) -> dict[str, Any]:
    found = query if isinstance(query, Query) else Query(query)
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": found.description,
        "schema": found.schema,
    }


def _strict_bodies(
    definitions: dict[str, Any], bodies: set[type[BaseModel]], *, areas: list[str]
) -> None:
    """Request bodies as the endpoints check them: no unknown fields (parse() and
    suggestion_fields() refuse them, whatever the model's own config), and `area` one of the
    configured areas, which only the running app knows."""
    for model in bodies:
        schema = definitions[model.__name__]
        schema["additionalProperties"] = False
        area = schema.get("properties", {}).get("area")
        if area is not None:
            branches = area.get("anyOf", [area])
            for branch in branches:
                if branch.get("type") == "string":
                    branch["enum"] = list(areas)


def build_document(app: Flask, prefix: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {ErrorPublic}
    bodies: set[type[BaseModel]] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        spec = operation_for(app.view_functions[rule.endpoint])
        if spec is None:
            continue
        path = rule.rule.removeprefix(prefix)
        parameters: list[dict[str, Any]] = []
        for argument in sorted(rule.arguments):
            path = path.replace(f"<int:{argument}>", f"{{{argument}}}").replace(
                f"<{argument}>", f"{{{argument}}}"
            )
            parameters.append(
                {
                    "name": argument,
                    "in": "path",
                    "required": True,
                    "schema": _path_schema(rule._converters[argument]),
                }
            )
        parameters += [_query_parameter(name, query) for name, query in spec.query.items()]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            entry: dict[str, Any] = {
                "summary": spec.summary,
                "operationId": rule.endpoint.replace(".", "_") + "_" + method.lower(),
                "tags": [spec.tag],
                "parameters": parameters,
                "responses": {
                    "default": {
                        "description": "An error",
                        "content": {"application/json": {"schema": _ref(ErrorPublic)}},
                    }
                },
            }
            ok: dict[str, Any] = {"description": "Success"}
            if spec.response is not None:
                models.add(spec.response)
                schema: dict[str, Any] = _ref(spec.response)
                if spec.many:
                    schema = {"type": "array", "items": schema}
                ok["content"] = {"application/json": {"schema": schema}}
            entry["responses"][str(spec.status)] = ok
            if spec.body is not None:
                bodies.add(spec.body)
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(spec.body)}},
                }
            paths.setdefault(path, {})[method.lower()] = entry
    _, schemas = models_json_schema(
        [(model, "serialization") for model in sorted(models, key=lambda m: m.__name__)]
        + [(model, "validation") for model in sorted(bodies, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    definitions: dict[str, Any] = schemas.get("$defs", {})
    _strict_bodies(definitions, bodies, areas=app.config["SETTINGS"].suggestions.areas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Initiative Tracker API", "version": "1"},
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": definitions,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
