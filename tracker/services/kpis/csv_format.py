"""KPI rows from CSV: the long layout (`queue,date,metric,value`) or the wide one
(`queue,date,incoming,manual_incoming,...`), told apart by the header.

Headers are compared without case or surrounding space, inner spaces read as `_` ("Manual
incoming" is manual_incoming) and "day" means "date". Row numbers are the spreadsheet's: the
header is row 1. Empty cells of the wide layout are skipped (a queue without that metric that
day); in the long layout an empty value is a rejected row. Files exported by Excel in locales
that separate with `;` are read too, with a decimal comma ("6,5") in their values.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from tracker.config import Settings
from tracker.errors import ValidationFailed
from tracker.models import LoadChannel, User
from tracker.services.kpis import ingest, metrics
from tracker.services.kpis.ingest_rows import KpiRow, Record, Unreadable

LONG = ("queue", "date", "metric", "value")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")
_EXPECTED = (
    "The first row must name the columns: queue,date,metric,value (one value a row), or "
    "queue,date followed by metric names such as {metrics} (one column a metric)."
)


def load_csv(
    session: Session,
    *,
    data: bytes | str,
    settings: Settings,
    actor: User | None,
    mode: Literal["all", "valid"] = "all",
    dry_run: bool = False,
    source: str = "",
) -> ingest.LoadReport:
    """Read a CSV file (bytes: UTF-8, BOM or not) and load its values as channel csv, as the
    import page, `tracker kpis import` and the benchmark do. ValidationFailed naming `file`
    when it cannot be read; PermissionDenied as ingest.load_rows."""
    text = decode(data) if isinstance(data, bytes) else data
    parsed = parse(text, registry=metrics.registry(settings))
    return ingest.load_records(
        session,
        records=parsed.records(),
        channel=LoadChannel.CSV,
        settings=settings,
        actor=actor,
        mode=mode,
        dry_run=dry_run,
        source=source,
    )


def _file_error(sentence: str) -> ValidationFailed:
    return ValidationFailed("The file cannot be imported.", fields={"file": sentence})


def decode(data: bytes) -> str:
    """The upload as text: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            "The file is not UTF-8 text. In Excel use Save As > 'CSV UTF-8 (comma delimited)'."
        ) from None


def _column(header: str) -> str:
    name = "_".join(header.strip().lower().split())
    return "date" if name == "day" else name


@dataclass(frozen=True)
class KpiCsv:
    """A CSV file whose header has been read: its layout and which column holds what."""

    layout: Literal["long", "wide"]
    text: str
    delimiter: str
    positions: dict[str, int]  # queue, date (and metric, value in the long layout) -> column
    metric_columns: tuple[tuple[int, str], ...]  # wide: (column, metric name)
    width: int

    def rows(self) -> Iterator[KpiRow]:
        """The file's values, a KpiRow each."""
        for number, queue, day, pairs in self.records():
            for metric, value in pairs:
                yield KpiRow(number, queue, day, metric, value)

    def records(self) -> Iterator[Record]:
        """The file's lines for ingest.load_records: each line's queue, day and (metric,
        value) pairs. ValidationFailed naming `file` if the CSV breaks off unreadably."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        next(reader)  # the header
        queue_at, date_at, width = self.positions["queue"], self.positions["date"], self.width
        long = self.layout == "long"
        metric_at, value_at = self.positions.get("metric", 0), self.positions.get("value", 0)
        columns = self.metric_columns
        comma = self.delimiter == ";"
        try:
            for number, record in enumerate(reader, start=2):
                if len(record) != width:
                    if not any(cell.strip() for cell in record):
                        continue  # spreadsheets often end with blank lines
                    extra = sum(1 for cell in record[width:] if cell.strip())
                    record = record[:width] + [""] * (width - len(record))
                    if extra:
                        reason = (
                            f"The row has {extra} cell(s) beyond the last named column; "
                            "check for a stray delimiter."
                        )
                        metric = record[metric_at] if long else columns[0][1]
                        yield (
                            number,
                            record[queue_at],
                            record[date_at],
                            ((metric, Unreadable(reason)),),
                        )
                        continue
                if long:
                    value = record[value_at]
                    pair = ((record[metric_at], _tidy(value) if comma else value),)
                    yield number, record[queue_at], record[date_at], pair
                    continue
                pairs = [
                    (metric, _tidy(record[at]) if comma else record[at])
                    for at, metric in columns
                    if record[at] and not record[at].isspace()
                ]
                if pairs:  # a queue and day with no values have nothing to load
                    yield number, record[queue_at], record[date_at], pairs
        except csv.Error as exc:
            raise _file_error(f"The file is not valid CSV: {exc}.") from None


def _tidy(value: str) -> str:
    """6,5 -> 6.5 in a file separated by semicolons."""
    text = value.strip()
    return text.replace(",", ".") if _DECIMAL_COMMA.fullmatch(text) else value


def parse(text: str, *, registry: Mapping[str, metrics.Metric]) -> KpiCsv:
    """The file's layout from its header; ValidationFailed naming `file` with what was
    expected when the header is neither layout or names a column that is no metric."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise _file_error("The file is empty. " + _expected(registry))
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _file_error(f"The file is not valid CSV: {exc}.") from None
    names = [_column(cell) for cell in header]
    while names and not names[-1]:
        names.pop()  # a trailing delimiter after the last header
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _file_error(f"The header names {', '.join(repeated)} more than once; keep one.")
    positions = {name: at for at, name in enumerate(names)}
    if "queue" not in positions or "date" not in positions:
        raise _file_error(_expected(registry))
    if set(names) == set(LONG):
        return KpiCsv("long", text, delimiter, positions, (), len(names))
    others = [(at, name) for at, name in enumerate(names) if name not in ("queue", "date")]
    unknown = [
        header[at].strip() or f"column {at + 1}" for at, name in others if name not in registry
    ]
    if unknown or not others:
        raise _file_error(_wide_problem(unknown, registry))
    return KpiCsv("wide", text, delimiter, positions, tuple(others), len(names))


def _expected(registry: Mapping[str, metrics.Metric]) -> str:
    return _EXPECTED.format(metrics=",".join(list(registry)[:3]))


def _wide_problem(unknown: list[str], registry: Mapping[str, metrics.Metric]) -> str:
    if not unknown:
        return _expected(registry)
    derived = [name for name in unknown if _column(name) in metrics.INPUTS]
    if derived:
        name = _column(derived[0])
        first, second = metrics.INPUTS[name]
        return f"{name} is computed from {first} and {second}; send those columns instead."
    return (
        f"Not a metric: {', '.join(unknown)}. The columns after queue and date must be "
        f"metrics: {', '.join(registry)}. For one value a row use queue,date,metric,value."
    )
