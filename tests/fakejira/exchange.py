"""One HTTP exchange as handlers see it: the parsed request (Ctx) and the answer (Reply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:
    from .fake import FakeJira
    from .faults import Fault
    from .state import State


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable; None means no body
    headers: dict[str, str] = field(default_factory=dict)
    checked: bool = True  # False: a known spot where Jira differs from its own document

    def __post_init__(self) -> None:
        if self.body is None or isinstance(self.body, bytes):
            self.checked = False


def error(status: int, *messages: str, errors: dict[str, str] | None = None) -> Reply:
    """Jira's ErrorCollection shape."""
    return Reply(status, {"errorMessages": list(messages), "errors": errors or {}})


@dataclass
class Ctx:
    fake: FakeJira
    method: str
    path: str
    query: MultiDict[str, str]
    body: Any
    api: str  # "2" or "3": which REST version the request used
    args: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None

    @property
    def state(self) -> State:
        return self.fake.state

    @property
    def cloud(self) -> bool:
        return self.fake.flavour == "cloud"

    def url(self, suffix: str) -> str:
        return f"{self.fake.url}/rest/api/{self.api}/{suffix}"

    def violation(self, message: str) -> None:
        self.fake.record_violation(f"{self.method} {self.path}: {message}")

    def params(self) -> dict[str, Any]:
        """GET query (lists kept for repeatable params) or the POST body, as one dict."""
        if self.method == "POST":
            return dict(self.body) if isinstance(self.body, dict) else {}
        out: dict[str, Any] = {k: self.query.get(k) for k in self.query}
        for name in ("fields", "properties", "reconcileIssues"):
            if name in self.query:
                out[name] = self.query.getlist(name)
        return out
