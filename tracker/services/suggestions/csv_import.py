"""CSV import of suggestions: read a spreadsheet export, report on every row, import all or some.

Rows are validated by `suggestions.clean_input`, the same rules as the form and the API, and
stored by `suggestions.create_suggestion`; the caller commits once, so an import is one
transaction. Row numbers are the spreadsheet's: the header is row 1, the first idea row 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session

from tracker.errors import ValidationFailed
from tracker.inputs import has_control
from tracker.models import User
from tracker.services.suggestions import submissions
from tracker.services.suggestions.inputs import SuggestionCreate

MAX_ROWS = 5_000
FIELDS: Sequence[str] = tuple(SuggestionCreate.model_fields)
REQUIRED: Sequence[str] = ("title", "problem", "proposed_change", "area")
_NUMERIC = frozenset(
    {"weekly_volume", "handle_time_minutes", "minutes_saved_per_ticket", "automation_share"}
)
# Headers people write in spreadsheets, beside the field names themselves (compared normalised).
_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("Title", "Idea", "Summary", "Name"),
    "problem": ("Problem today", "Problem", "Current problem", "Pain point"),
    "proposed_change": ("Proposed change", "Proposal", "Change", "Suggestion", "Solution"),
    "area": ("Area", "Policy area", "Category"),
    "queue": ("Queue or workflow", "Queue", "Workflow"),
    "weekly_volume": ("Weekly ticket volume", "Weekly volume", "Tickets per week", "Volume"),
    "handle_time_minutes": ("Average handle time", "Handle time", "AHT", "Handle time minutes"),
    "minutes_saved_per_ticket": ("Minutes saved per ticket", "Minutes saved", "Time saved"),
    "automation_share": ("Share of tickets automated", "Automation share", "Automated share"),
    "evidence_links": ("Evidence links", "Evidence", "Links", "Tickets"),
    "confidential": ("Confidential", "Private"),
}
# Every code point has_control refuses lies below U+00A0.
_CONTROL_CHARACTERS = dict.fromkeys(code for code in range(0xA0) if has_control(chr(code)))
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all"
    VALID_ONLY = "valid"

    @property
    def label(self) -> str:
        if self is ImportMode.ALL_OR_NOTHING:
            return "All rows or nothing: if any row has an error, import none"
        return "Only valid rows: import the good rows and list the rest"


def _normalise(header: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", header.lower()))


_HEADER_TO_FIELD: dict[str, str] = {
    _normalise(alias): name
    for name, aliases in _ALIASES.items()
    for alias in (name, name.replace("_", " "), *aliases)
}


@dataclass(frozen=True)
class CsvFile:
    """A parsed upload: which column holds which field, and the non-empty rows."""

    columns: dict[str, str]  # field name -> the header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, field -> cell)
    ignored_columns: list[str]
    overlong_rows: dict[int, int]  # row number -> cells found beyond the header's columns
    delimiter: str = ","


@dataclass
class RowResult:
    row: int
    title: str
    errors: list[str] = field(default_factory=list)  # each "column: sentence"
    suggestion_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportReport:
    rows: list[RowResult]
    ignored_columns: list[str]
    committed: bool  # whether any suggestion was created

    @property
    def valid(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def invalid(self) -> int:
        return len(self.rows) - self.valid

    @property
    def imported(self) -> int:
        return sum(1 for row in self.rows if row.suggestion_id is not None)


def _file_error(sentence: str) -> ValidationFailed:
    return ValidationFailed("The file cannot be imported.", fields={"file": sentence})


def decode(data: bytes) -> str:
    """The upload as text: UTF-8 with or without a byte-order mark, control characters dropped
    (the dry run sends this text back in a form field, where the input guard refuses them)."""
    try:
        return _printable(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _file_error(
            "The file is not UTF-8 text. In Excel use Save As > 'CSV UTF-8 (comma delimited)'."
        ) from None


def _printable(text: str) -> str:
    """`text` without the control characters no one types (tracker/inputs.py): broken exports
    carry NUL, which PostgreSQL refuses in text columns. Tab and line breaks stay."""
    return text.translate(_CONTROL_CHARACTERS)


def _delimiter(text: str) -> str:
    """Comma or semicolon (Excel in many European locales), judged by the header line."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def parse(text: str) -> CsvFile:
    """Map the header to fields and read the rows; ValidationFailed names any file problem."""
    text = _printable(text.lstrip("\ufeff"))
    if not text.strip():
        raise _file_error("The file is empty. Start from the template.")
    delimiter = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _file_error(f"The file is not valid CSV: {exc}.") from None
    header, body = records[0], records[1:]
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    ignored: list[str] = []
    for position, raw_header in enumerate(header):
        name = _HEADER_TO_FIELD.get(_normalise(raw_header))
        if name is None:
            if raw_header.strip():
                ignored.append(raw_header.strip())
            continue
        if name in columns:
            raise _file_error(
                f"Columns '{columns[name]}' and '{raw_header.strip()}' both mean {name}; keep one."
            )
        columns[name] = raw_header.strip()
        positions[position] = name
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise _file_error(
            "The first row must name the columns; missing: "
            + ", ".join(missing)
            + ". Download the template to see them."
        )
    rows: list[tuple[int, dict[str, str]]] = []
    overlong: dict[int, int] = {}
    for index, record in enumerate(body):
        if not any(cell.strip() for cell in record):
            continue  # spreadsheets often end with blank lines
        number = index + 2
        values = {positions[i]: cell for i, cell in enumerate(record) if i in positions}
        extra = [cell for cell in record[len(header) :] if cell.strip()]
        if extra:
            overlong[number] = len(extra)
        rows.append((number, values))
    if not rows:
        raise _file_error("The file has a header but no rows of ideas.")
    if len(rows) > MAX_ROWS:
        raise _file_error(
            f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at a time "
            "(split the file and import each part)."
        )
    return CsvFile(columns, rows, ignored, overlong, delimiter)


def _tidy_number(cell: str, *, semicolons: bool) -> str:
    """Spreadsheet number formats to plain ones: 1,200 -> 1200; 2,5 -> 2.5 in semicolon files."""
    value = cell.strip().removesuffix("%").strip()
    if semicolons and _DECIMAL_COMMA.fullmatch(value):
        return value.replace(",", ".")
    if _THOUSANDS.fullmatch(value):
        return value.replace(",", "")
    return value


def _raw_values(
    values: Mapping[str, str], areas: Sequence[str], semicolons: bool
) -> dict[str, str]:
    raw = dict(values)
    for name in _NUMERIC & raw.keys():
        raw[name] = _tidy_number(raw[name], semicolons=semicolons)
    area = raw.get("area", "").strip()
    by_lower = {known.lower(): known for known in areas}
    raw["area"] = by_lower.get(area.lower(), area)  # "scams and fraud" means the known area
    return raw


def check(csv_file: CsvFile, *, areas: Sequence[str]) -> list[RowResult]:
    """A result per row with every error named by its column; nothing is stored."""
    semicolons = csv_file.delimiter == ";"
    results = []
    for number, values in csv_file.rows:
        result = RowResult(row=number, title=values.get("title", "").strip()[:200])
        if number in csv_file.overlong_rows:
            result.errors.append(
                f"row: {csv_file.overlong_rows[number]} cell(s) beyond the last named column; "
                "check for a stray delimiter."
            )
        try:
            submissions.clean_input(_raw_values(values, areas, semicolons), areas=areas)
        except ValidationFailed as exc:
            for name, sentence in exc.fields.items():
                result.errors.append(f"{csv_file.columns.get(name, name)}: {sentence}")
        results.append(result)
    return results


def import_rows(
    session: Session,
    *,
    actor: User,
    csv_file: CsvFile,
    areas: Sequence[str],
    mode: ImportMode,
) -> ImportReport:
    """Create the rows' suggestions: all or nothing, or only the valid ones. Flushes only."""
    results = check(csv_file, areas=areas)
    semicolons = csv_file.delimiter == ";"
    if mode is ImportMode.ALL_OR_NOTHING and any(not result.ok for result in results):
        return ImportReport(results, csv_file.ignored_columns, committed=False)
    by_row = dict(csv_file.rows)
    for result in results:
        if result.ok:
            raw = _raw_values(by_row[result.row], areas, semicolons)
            created = submissions.create_suggestion(session, actor=actor, raw=raw, areas=areas)
            result.suggestion_id = created.id
    return ImportReport(
        results, csv_file.ignored_columns, committed=any(r.suggestion_id for r in results)
    )


def template_csv() -> str:
    """A header-only CSV with every column, BOM first so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(FIELDS)
    return "\ufeff" + buffer.getvalue()
