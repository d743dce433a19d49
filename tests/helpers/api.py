"""The JSON API as a client calls it: a valid suggestion body, and calls checked against the
served OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

AREA = "Scams and fraud"


def idea(**overrides: Any) -> dict[str, Any]:
    """A valid suggestion body."""
    body: dict[str, Any] = {
        "title": "Auto-close refund tickets with a receipt attached",
        "problem": "Agents open every refund ticket to check the receipt by hand.",
        "proposed_change": "Close refund tickets automatically when the receipt matches.",
        "area": AREA,
        "queue": "Refunds",
        "weekly_volume": 1200,
        "handle_time_minutes": 6,
        "minutes_saved_per_ticket": 4,
        "evidence_links": ["https://wiki.example.com/refunds", "OPS-123"],
    }
    body.update(overrides)
    return body


class DocumentedCalls:
    """Calls /api/v1 and checks each request and answer against the served OpenAPI document,
    both ways, as a generated client would (openapi-core)."""

    def __init__(self, client: Any) -> None:
        document = client.get("/api/v1/openapi.json").get_json()
        document["servers"] = [{"url": "http://localhost/api/v1"}]
        self.client = client
        self.spec = OpenAPI.from_dict(document)

    def __call__(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        url = f"/api/v1{path}"
        response = self.client.open(
            url, method=method, json=body, query_string=query, headers=headers
        )
        self.spec.validate_request(
            MockRequest(
                "http://localhost",
                method.lower(),
                url,
                args=query or {},
                data=json.dumps(body).encode() if body is not None else b"",
                headers=headers,
                content_type="application/json",
            )
        )
        self.spec.validate_response(
            MockRequest("http://localhost", method.lower(), url, args=query or {}),
            MockResponse(
                response.data, status_code=response.status_code, content_type=response.mimetype
            ),
        )
        return response
