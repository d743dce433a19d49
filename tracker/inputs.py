"""The input boundary: the few rules every value from outside (form, query string, path, JSON
body, CSV, webhook) passes before it reaches a service or the database.

- Text: no NUL and no control characters other than tab, newline and carriage return
  (PostgreSQL refuses NUL outright; the others only hide text from readers).
- Ids: ASCII digits only ('²'.isdigit() is true, int('²') fails; '٣' is a digit to int() but no
  id anyone typed), from 1 to the largest PostgreSQL integer, the smallest id column we have.
- Whole numbers: bounded to the column they go to.
- Decimals: finite and within a documented range, so no score or formula can overflow.

Each refusal is a ValidationFailed (422) naming the field, so forms re-render with the message
beside it and the API answers `{"error", "fields": {name: sentence}}`.
"""

from __future__ import annotations

import math
import re
from typing import Any, TypeVar

from tracker.errors import ValidationFailed

__all__ = [
    "MAX_ID",
    "MAX_INT",
    "clean_text",
    "finite_number",
    "has_control",
    "id_value",
    "int_value",
    "optional_id",
    "without_nul",
]

_Json = TypeVar("_Json", dict[str, Any], list[Any])
# PostgreSQL's `integer`, the narrowest whole-number column the tracker has.
MAX_INT = 2**31 - 1
MAX_ID = MAX_INT
# Control characters a person never means: C0 except tab, newline, carriage return; DEL; C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _refuse(field: str, sentence: str) -> ValidationFailed:
    return ValidationFailed(sentence, fields={field: sentence})


def has_control(text: str) -> bool:
    """Whether `text` holds NUL or another control character no one types."""
    return _CONTROL.search(text) is not None


def clean_text(text: str, field: str) -> str:
    """`text` unchanged, or ValidationFailed naming `field` if it holds control characters."""
    if has_control(text):
        raise _refuse(field, f"{_label(field)} contains control characters; remove them.")
    return text


def id_value(raw: object, field: str) -> int:
    """An id: ASCII digits (an int is taken as it is), from 1 to MAX_ID."""
    text = str(raw).strip() if not isinstance(raw, int) or isinstance(raw, bool) else str(raw)
    if isinstance(raw, bool) or not _ASCII_DIGITS.fullmatch(text):
        raise _refuse(field, f"{_label(field)} must be a number such as 42.")
    # Length first: int() refuses more than 4,300 digits with a ValueError (a 500).
    if _too_long(text, MAX_ID) or not 1 <= (value := int(text)) <= MAX_ID:
        raise _refuse(field, f"{_label(field)} must be between 1 and {MAX_ID}.")
    return value


def optional_id(raw: object, field: str) -> int | None:
    """`id_value`, or None for an empty value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return id_value(raw, field)


def int_value(raw: object, field: str, *, low: int = 0, high: int = MAX_INT) -> int:
    """A whole number of ASCII digits (optionally signed) within [low, high]."""
    text = str(raw).strip()
    digits = text[1:] if text[:1] in "+-" else text
    if isinstance(raw, bool) or not _ASCII_DIGITS.fullmatch(digits):
        raise _refuse(field, f"{_label(field)} must be a whole number.")
    if _too_long(digits, low, high) or not low <= (value := int(text)) <= high:
        raise _refuse(field, f"{_label(field)} must be between {low} and {high}.")
    return value


def finite_number(raw: object, field: str, *, low: float, high: float) -> float:
    """A finite decimal within [low, high]; refuses NaN, infinities and numbers too long to
    read (a 400-digit integer)."""
    if isinstance(raw, bool):
        raise _refuse(field, f"{_label(field)} must be a number.")
    try:
        value = float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
    except (TypeError, ValueError, OverflowError):
        raise _refuse(field, f"{_label(field)} must be a number.") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _refuse(field, f"{_label(field)} must be between {low:g} and {high:g}.")
    return value


def _too_long(digits: str, *bounds: int) -> bool:
    """Whether `digits` has more significant digits than any of `bounds`: out of range unread."""
    return len(digits.lstrip("0")) > max(len(str(abs(bound))) for bound in bounds)


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def without_nul(data: _Json) -> _Json:
    """`data` (parsed JSON) with NUL taken out of every string value in it, in place.

    For data from Jira, not from people: a status or assignee name someone typed there with a
    NUL (sent as \\u0000) is Jira's own, and PostgreSQL refuses it in text, so the NULs go and
    the data stays. A loop rather than recursion: the body may nest as deep as the JSON reader
    allows."""
    pending: list[Any] = [data]
    while pending:
        node = pending.pop()
        entries = list(node.items() if isinstance(node, dict) else enumerate(node))
        for key, value in entries:
            if isinstance(value, str) and "\x00" in value:
                node[key] = value.replace("\x00", "")
            elif isinstance(value, dict | list):
                pending.append(value)
    return data
