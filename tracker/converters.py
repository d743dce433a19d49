"""How the app reads values off the wire and writes them back: ids in URL paths bounded to the
id column, and JSON without NaN or Infinity either way.

- `IdConverter` replaces Werkzeug's `int` converter for every route (pages and API): ASCII
  digits only (Werkzeug's `\\d+` also matches '٣'), from 1 to MAX_ID, so `/suggestions/2147483648`
  is an ordinary 404 instead of an integer overflow in PostgreSQL.
- `StrictJSONProvider` refuses NaN and Infinity, which Python's json module reads and writes by
  default although they are not JSON (RFC 8259 section 6): a body carrying them is not JSON, and
  an answer carrying them is a server error rather than a document no client can parse.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

from tracker.inputs import MAX_ID

__all__ = ["IdConverter", "StrictJSONProvider"]


def _up_to(limit: int) -> str:
    """A regular expression for the whole numbers 1 to `limit`, without leading zeros.

    For 2147483647: up to nine digits, or ten digits below it position by position."""
    top = str(limit)
    shorter = [f"[1-9][0-9]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    same_length = [
        f"{top[:i]}[{'1' if i == 0 else '0'}-{int(top[i]) - 1}][0-9]{{{len(top) - i - 1}}}"
        for i in range(len(top))
        if int(top[i]) > (1 if i == 0 else 0)
    ]
    return "(?:" + "|".join([*shorter, *same_length, top]) + ")"


class IdConverter(IntegerConverter):
    """`<int:name>` as a row id: 1 to MAX_ID in ASCII digits; anything else matches no route.

    The bound is in the regular expression, not only in `to_python`: Werkzeug answers 405
    instead of 404 when a path's converter refuses a value that another method's rule shares."""

    regex = _up_to(MAX_ID)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's provider without NaN and Infinity (`allow_nan=False` out, refused in)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        return super().loads(s, **kwargs)
