"""The one pagination helper: a page of rows plus what the template needs to link pages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.inputs import MAX_INT, int_value

T = TypeVar("T")
MAX_PER_PAGE = 200
# Within the integer column range, so that (page - 1) x per_page fits every database's OFFSET.
MAX_PAGE = MAX_INT
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _lenient(raw: Any, default: int, high: int) -> int:
    """A whole number from 1 to `high`: out of range is clamped, anything else is `default`.

    ASCII digits only ('²'.isdigit() is true, int('²') fails), and a number too long to be a
    page is the last page rather than an OFFSET that overflows the database's integer."""
    text = str(raw).strip()
    negative = text.startswith("-")
    digits = text[1:] if text[:1] in "+-" else text
    if not _DIGITS.fullmatch(digits):
        return default
    if negative:
        return 1
    significant = digits.lstrip("0")
    return high if len(significant) > len(str(high)) else min(high, max(1, int(digits)))


def clamp(page: Any, per_page: Any, default_per_page: int = 25) -> tuple[int, int]:
    """Page number and size from untrusted input, within sane bounds."""
    return _lenient(page, 1, MAX_PAGE), _lenient(per_page, default_per_page, MAX_PER_PAGE)


def requested_page(default_per_page: int = 25, *, strict: bool = False) -> tuple[int, int]:
    """Page number and size from the request's query string (`page`, `per_page`).

    Web pages clamp them (people share and edit those URLs); with `strict`, as the API has it,
    a value that is not a whole number within 1-MAX_PAGE or 1-MAX_PER_PAGE is a
    ValidationFailed naming the parameter."""
    page, per_page = request.args.get("page"), request.args.get("per_page")
    if not strict:
        return clamp(page or 1, per_page or default_per_page, default_per_page)
    return (
        1 if page is None else int_value(page, "page", low=1, high=MAX_PAGE),
        default_per_page
        if per_page is None
        else int_value(per_page, "per_page", low=1, high=MAX_PER_PAGE),
    )


def paginate(session: Session, query: SelectOfScalar[T], page: int, per_page: int) -> Page[T]:
    """Run `query` for one page and count all its rows (ORDER BY dropped for the count)."""
    count_query = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.exec(count_query).one()
    items = session.exec(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, total=total, page=page, per_page=per_page)
