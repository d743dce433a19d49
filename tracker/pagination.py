"""The one pagination helper: a page of rows plus what the template needs to link pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")
MAX_PER_PAGE = 200


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


def clamp(page: Any, per_page: Any, default_per_page: int = 25) -> tuple[int, int]:
    """Page number and size from untrusted input, within sane bounds."""
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    try:
        size = min(MAX_PER_PAGE, max(1, int(per_page)))
    except (TypeError, ValueError):
        size = default_per_page
    return number, size


def requested_page(default_per_page: int = 25) -> tuple[int, int]:
    """Page number and size from the request's query string (`page`, `per_page`), clamped."""
    return clamp(request.args.get("page", 1), request.args.get("per_page", default_per_page))


def paginate(session: Session, query: SelectOfScalar[T], page: int, per_page: int) -> Page[T]:
    """Run `query` for one page and count all its rows (ORDER BY dropped for the count)."""
    count_query = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.exec(count_query).one()
    items = session.exec(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, total=total, page=page, per_page=per_page)
