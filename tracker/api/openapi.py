"""The API's OpenAPI document, built from what each route declares with `@operation`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from tracker.api.schemas.common import ErrorPublic

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "_tracker_operation"


@dataclass(frozen=True)
class Operation:
    summary: str
    response: type[BaseModel] | None = None
    many: bool = False
    body: type[BaseModel] | None = None
    status: int = 200
    query: dict[str, str] = field(default_factory=dict)
    tag: str = "general"


def operation(
    summary: str,
    *,
    response: type[BaseModel] | None = None,
    many: bool = False,
    body: type[BaseModel] | None = None,
    status: int = 200,
    query: dict[str, str] | None = None,
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


def build_document(app: Flask, prefix: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {ErrorPublic}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        spec = operation_for(app.view_functions[rule.endpoint])
        if spec is None:
            continue
        path = rule.rule.removeprefix(prefix)
        parameters: list[dict[str, Any]] = []
        for argument in sorted(rule.arguments):
            converter = rule._converters[argument].__class__.__name__
            path = path.replace(f"<int:{argument}>", f"{{{argument}}}").replace(
                f"<{argument}>", f"{{{argument}}}"
            )
            kind = "integer" if converter == "IntegerConverter" else "string"
            parameters.append(
                {"name": argument, "in": "path", "required": True, "schema": {"type": kind}}
            )
        for name, description in spec.query.items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "description": description,
                    "schema": {"type": "string"},
                }
            )
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
                models.add(spec.body)
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(spec.body)}},
                }
            paths.setdefault(path, {})[method.lower()] = entry
    _, schemas = models_json_schema(
        [(model, "serialization") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Initiative Tracker API", "version": "1"},
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
