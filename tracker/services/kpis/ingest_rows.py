"""One KPI row checked: its queue, day, metric and value read, or a sentence per bad field.

The shapes a load is made of (KpiRow, Rejection, Unreadable) live here beside the checks so that
ingest.py, which stores the rows, stays short; ingest.py re-exports them. Lookups are cached per
raw value: a file of millions of rows names a few hundred queues and a few thousand days.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.inputs import has_control
from tracker.models import Queue
from tracker.services.kpis import metrics
from tracker.services.kpis.queues import queue_key, tidy_name

FIELDS = ("queue", "day", "metric", "value")


@dataclass(frozen=True, slots=True)
class KpiRow:
    number: int  # row number in reports (CSV: spreadsheet row, header = 1; API and pull: from 1)
    queue: object  # queue name (matched by queues.queue_key) or a queue id (int)
    day: object  # datetime.date or "YYYY-MM-DD"
    metric: object  # a stored metric name of the registry
    value: object  # number (int/float/Decimal) or numeric string


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A cell the reader could not make a value of (a row with stray cells): rejected with
    this sentence."""

    reason: str


@dataclass(frozen=True)
class Rejection:
    number: int
    field: str  # "queue" | "day" | "metric" | "value"
    reason: str  # one sentence naming the problem

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.number, "field": self.field, "reason": self.reason}


# A checked row: queue id, metric, day, value.
Good = tuple[int, str, date, float]
# Rows as the load reads them: a row number, a queue and a day, and the (metric, value) pairs
# that row gives (one for a KpiRow, a metric column each for a line of a wide CSV file).
Record = tuple[int, object, object, Sequence[tuple[object, object]]]
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def _shown(text: str, limit: int = 60) -> str:
    """Text quoted back in a sentence: control characters out, long text cut."""
    clean = "".join(ch for ch in text if not has_control(ch)) if has_control(text) else text
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def number_of(raw: object, max_value: float) -> float | str:
    """A value as a float, or the sentence saying why it is not one: finite, from 0 to
    `max_value`; int, float, Decimal, or text of ASCII digits ("1,200" too)."""
    kind = type(raw)
    if kind is float or kind is int or kind is Decimal:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (OverflowError, ValueError):  # a 400-digit int; Decimal('sNaN')
            return f"The value is too large; at most {max_value:,.0f}."
    elif isinstance(raw, str):
        # The common case at C speed: float() reads ASCII numbers (and "nan", "inf", refused
        # below); it also reads "1_000" and non-ASCII digits, which the regular expressions,
        # on the slow path, do not.
        try:
            if not raw.isascii() or "_" in raw:
                raise ValueError
            value = float(raw)
        except ValueError:
            text = raw.strip()
            if not text:
                return "The value is missing."
            if not _THOUSANDS.fullmatch(text):
                return (
                    f"'{_shown(text)}' is not a number; write it with the digits 0-9, "
                    "such as 812 or 6.5."
                )
            value = float(text.replace(",", ""))
    elif isinstance(raw, Unreadable):
        return raw.reason
    elif raw is None:
        return "The value is missing."
    else:
        return "The value must be a number, such as 812 or 6.5."
    if math.isnan(value):
        return "The value is NaN (not a number); send a number or leave the row out."
    if math.isinf(value):
        return "The value is infinite; send a finite number."
    if value > max_value:
        return f"The value is too large; at most {max_value:,.0f}."
    if value < 0:
        return "The value is negative; KPI values are counts, times or shares of 0 or more."
    return value


class RowChecker:
    """Checks rows against the queues and the metric registry as they are when it is made."""

    def __init__(
        self,
        session: Session,
        *,
        registry: Mapping[str, metrics.Metric],
        first_day: date,
        last_day: date,
        max_value: float,
    ) -> None:
        self._by_key: dict[str, int] = {
            key: queue_id
            for queue_id, key in session.execute(select(col(Queue.id), col(Queue.key)))
        }
        self._ids = set(self._by_key.values())
        self._registry = registry
        self._first_day, self._last_day, self._max_value = first_day, last_day, max_value
        # Raw value -> the checked one, or the sentence refusing it (by type: True == 1).
        self._queue_names: dict[str, int | str] = {}
        self._day_texts: dict[str, date | str] = {}
        self._metric_names: dict[str, tuple[str, str]] = {}  # raw -> (name, "") or ("", reason)

    def queue(self, raw: object) -> int | str:
        """The queue's id, or the sentence refusing it."""
        if type(raw) is str:
            found = self._queue_names.get(raw)
            if found is not None:
                return found
        return self._queue(raw)

    def day(self, raw: object) -> date | str:
        """The day, or the sentence refusing it."""
        if type(raw) is str:
            found = self._day_texts.get(raw)
            if found is not None:
                return found
        return self._day(raw)

    def metric(self, raw: object) -> tuple[str, str]:
        """(the metric's name, "") or ("", the sentence refusing it)."""
        if type(raw) is str:
            found = self._metric_names.get(raw)
            if found is not None:
                return found
        return self._metric(raw)

    def _queue(self, raw: object) -> int | str:
        if type(raw) is int:
            if raw in self._ids:
                return raw
            return f"No queue with id {raw}; send its name or an id from GET /api/v1/queues."
        if isinstance(raw, Unreadable):
            return raw.reason
        if not isinstance(raw, str):
            return "The queue must be a queue's name or its id."
        found: int | str
        key = queue_key(raw)
        if has_control(raw):
            found = "The queue's name contains control characters; remove them."
        elif not key:
            found = "The queue is missing; name one of the queues."
        elif key in self._by_key:
            found = self._by_key[key]
        else:
            found = (
                f"No queue named '{_shown(tidy_name(raw))}'; add it on the Queues page "
                "or with `tracker queues create`."
            )
        self._queue_names[raw] = found
        return found

    def _day(self, raw: object) -> date | str:
        if type(raw) is datetime:
            raw = raw.date()
        if type(raw) is date:
            return self._in_range(raw)
        if isinstance(raw, Unreadable):
            return raw.reason
        if not isinstance(raw, str):
            return "The day must be a date written YYYY-MM-DD, such as 2026-11-30."
        text = raw.strip()
        found: date | str
        if not text:
            found = "The day is missing; write it as YYYY-MM-DD, such as 2026-11-30."
        elif not _DAY.fullmatch(text):
            found = f"'{_shown(text)}' is not a day; write it as YYYY-MM-DD, such as 2026-11-30."
        else:
            try:
                found = self._in_range(date.fromisoformat(text))
            except ValueError:
                found = f"{text} is not a day of the calendar."
        self._day_texts[raw] = found
        return found

    def _in_range(self, day: date) -> date | str:
        if day < self._first_day:
            return (
                f"{day.isoformat()} is before {self._first_day.isoformat()}, the first day taken."
            )
        if day > self._last_day:
            return f"{day.isoformat()} is in the future; days up to tomorrow (UTC) are taken."
        return day

    def _metric(self, raw: object) -> tuple[str, str]:
        if isinstance(raw, Unreadable):
            return "", raw.reason
        if not isinstance(raw, str):
            return "", "The metric must be a metric's name, such as incoming."
        name = "_".join(raw.split()).lower()
        found: tuple[str, str]
        if name in self._registry:
            found = (name, "")
        elif name in metrics.INPUTS:
            first, second = metrics.INPUTS[name]
            found = ("", f"{name} is computed from {first} and {second}; send those instead.")
        elif not name:
            found = ("", "The metric is missing; name one such as incoming.")
        else:
            known = ", ".join(self._registry)
            found = ("", f"No metric named '{_shown(raw.strip())}'; the metrics are: {known}.")
        self._metric_names[raw] = found
        return found
