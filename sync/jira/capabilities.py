"""What a Jira site has shown it answers, learnt from its answers rather than its version alone.

Real sites differ: Server/Data Center before 8.4 has only the old createmeta
(`GET /issue/createmeta?projectKeys=..&expand=projects.issuetypes.fields`), 9.0 removed it in
favour of the paged `/issue/createmeta/{project}/issuetypes`; a reverse proxy or WAF may refuse
`POST /search` (405) while `GET /search` works, or refuse bulk create; and some sites answer an
`id in (...)` search with issues that were not asked for. Each fact starts unknown (None), is
settled by the first answer that shows it, and is stored per site (sync/jira/sites.py) so no
process pays to find it out again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from typing import Any, Literal

__all__ = ["Capabilities", "CreateMeta", "SearchMethod", "createmeta_for_version"]

SearchMethod = Literal["post", "get"]
CreateMeta = Literal["paged", "legacy"]
# The paged createmeta endpoints arrived in Jira Server/Data Center 8.4.
PAGED_CREATEMETA_SINCE = (8, 4)


@dataclass
class Capabilities:
    search: SearchMethod | None = None
    createmeta: CreateMeta | None = None
    bulk_create: bool | None = None
    id_in: bool | None = None  # honours `id in (...)` in JQL
    changed: bool = field(default=False, compare=False, repr=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False, init=False
    )

    def learn(self, **facts: Any) -> bool:
        """Record facts (e.g. search="get"); True if any differs from what was known."""
        names = {f.name for f in fields(self)} - {"changed", "_lock"}
        unknown = set(facts) - names
        if unknown:
            raise TypeError(f"unknown capabilities: {sorted(unknown)}")
        with self._lock:
            new = any(getattr(self, name) != value for name, value in facts.items())
            for name, value in facts.items():
                setattr(self, name, value)
            self.changed = self.changed or new
        return new

    def to_json(self) -> dict[str, Any]:
        return {
            "search": self.search,
            "createmeta": self.createmeta,
            "bulk_create": self.bulk_create,
            "id_in": self.id_in,
        }

    @classmethod
    def from_json(cls, data: Any) -> Capabilities:
        data = data if isinstance(data, dict) else {}
        made = cls()
        if data.get("search") in ("post", "get"):
            made.search = data["search"]
        if data.get("createmeta") in ("paged", "legacy"):
            made.createmeta = data["createmeta"]
        for name in ("bulk_create", "id_in"):
            if isinstance(data.get(name), bool):
                setattr(made, name, data[name])
        return made


def version_tuple(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if "0" <= ch <= "9")
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def createmeta_for_version(version: str, cloud: bool) -> CreateMeta:
    """The createmeta a site of this version most likely answers (tried first; the other is
    the fallback)."""
    if cloud:
        return "paged"
    numbers = version_tuple(version)
    return "legacy" if numbers and numbers[:2] < PAGED_CREATEMETA_SINCE else "paged"
