"""Atlassian's OpenAPI document, loaded once per process, and request/response checks
against it. Data Center's /rest/api/2 calls are checked against the /rest/api/3 operation
after turning wiki-markup text fields into minimal ADF docs."""

from __future__ import annotations

import copy
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import MultiDict

from .adf import to_adf

SPEC_ENV = "FAKEJIRA_OPENAPI"
# shared/ sits beside the checkout (on developer machines and in CI alike).
DEFAULT_SPEC = (
    Path(__file__).resolve().parents[3] / "shared" / "jira" / "jira-cloud-platform-v3.openapi.json"
)
# One cached document serves every fake; the port varies, so the server URL is a template.
SERVER = {"url": "http://127.0.0.1:{port}", "variables": {"port": {"default": "80"}}}
TEXT_FIELDS = ("description", "environment")
_lock = threading.Lock()  # openapi-core objects are not documented as thread-safe


@dataclass(frozen=True)
class Contract:
    api: OpenAPI
    operations: tuple[tuple[re.Pattern[str], frozenset[str]], ...]

    def has_operation(self, method: str, path: str) -> bool:
        path = v3_path(path)
        return any(rx.fullmatch(path) and method.lower() in m for rx, m in self.operations)


@cache
def load() -> Contract:
    """Parse the document (about 0.2 s) once; security is checked by the fake itself."""
    doc = json.loads(Path(os.environ.get(SPEC_ENV, DEFAULT_SPEC)).read_text(encoding="utf-8"))
    doc["servers"] = [SERVER]
    doc.pop("security", None)
    operations = []
    for template, item in doc["paths"].items():
        methods = set()
        for method, op in item.items():
            if isinstance(op, dict) and method != "parameters":
                op.pop("security", None)
                methods.add(method)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        operations.append((re.compile(pattern), frozenset(methods)))
    api = OpenAPI.from_dict(doc, config=Config(spec_validator_cls=None))
    return Contract(api, tuple(operations))


def v3_path(path: str) -> str:
    return re.sub(r"^/rest/api/(?:2|latest)/", "/rest/api/3/", path)


def check_request(
    host_url: str,
    method: str,
    path: str,
    query: MultiDict[str, str],
    body: bytes,
    content_type: str | None,
    v2: bool,
) -> str | None:
    """None if the request fits its operation, else a description of what is wrong."""
    if v2:
        query, body = _as_v3(query, body)
    request = MockRequest(
        host_url,
        method,
        v3_path(path),
        args=query,
        data=body,
        content_type=content_type or "application/json",
    )
    with _lock:
        try:
            load().api.validate_request(request)
        except Exception as exc:  # openapi-core raises a family of error types
            return describe(exc)
    return None


def check_response(
    host_url: str, method: str, path: str, status: int, body: Any, v2: bool
) -> str | None:
    """None if a JSON reply fits the operation's documented response."""
    if v2:
        body = _adf_fields(body)
    request = MockRequest(host_url, method, v3_path(path))
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    with _lock:
        try:
            load().api.validate_response(request, response)
        except Exception as exc:
            errors = _schema_errors(exc)
            if errors and all(_known_deviation(e) for e in errors):
                return None
            return describe(exc)
    return None


def _schema_errors(exc: BaseException) -> list[Any]:
    errors: list[Any] = []
    cause: BaseException | None = exc
    while cause is not None:
        errors.extend(getattr(cause, "schema_errors", None) or ())
        cause = cause.__cause__
    return errors


def _known_deviation(err: Any) -> bool:
    """Real Jira answers timestamps as 2024-05-01T10:00:00.000+0000 (not RFC 3339) and
    nulls where the document says string; the fake copies Jira, not the document."""
    return err.instance is None or (
        err.validator == "format" and err.validator_value == "date-time"
    )


def describe(exc: BaseException) -> str:
    errors = _schema_errors(exc)
    text = str(exc).split(": Value ", 1)[0] if errors else str(exc)
    parts = [f"{type(exc).__name__}: {text}"]
    cause = exc.__cause__
    while cause is not None and not errors:
        if str(cause) not in text:
            parts.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__
    for err in errors:
        where = "/".join(str(p) for p in err.absolute_path) or "<body>"
        parts.append(f"{where}: {err.message}")
    return "; ".join(parts)


def _as_v3(query: MultiDict[str, str], body: bytes) -> tuple[MultiDict[str, str], bytes]:
    """Data Center spellings the v3 schema words differently: booleans for validateQuery
    and wiki-markup strings where v3 wants ADF."""
    query = MultiDict(query)
    if "validateQuery" in query:
        query.setlist("validateQuery", [v.lower() for v in query.getlist("validateQuery")])
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return query, body
    if not isinstance(data, dict):
        return query, body
    data = _adf_fields(data)
    if isinstance(data.get("validateQuery"), bool):
        data["validateQuery"] = str(data["validateQuery"]).lower()
    return query, json.dumps(data).encode()


def _adf_fields(data: Any) -> Any:
    """A copy with string text fields (in fields, update ops, issue lists) wrapped as ADF."""
    data = copy.deepcopy(data)
    if not isinstance(data, dict):
        return data
    holders = [data]
    for key in ("issueUpdates", "issues"):
        if isinstance(data.get(key), list):
            holders.extend(h for h in data[key] if isinstance(h, dict))
    for holder in holders:
        fields = holder.get("fields")
        update = holder.get("update")
        for name in TEXT_FIELDS:
            if isinstance(fields, dict) and isinstance(fields.get(name), str):
                fields[name] = to_adf(fields[name])
            ops = update.get(name) if isinstance(update, dict) else None
            for op in ops if isinstance(ops, list) else []:
                if isinstance(op, dict) and isinstance(op.get("set"), str):
                    op["set"] = to_adf(op["set"])
    return data
