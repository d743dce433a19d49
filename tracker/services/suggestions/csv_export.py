"""CSV export of a backlog list, safe to open in a spreadsheet.

Cells that a spreadsheet would read as a formula are prefixed with a single quote, as the OWASP
guidance on CSV injection advises: https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from tracker.services.suggestions.backlog import BacklogRow

CHUNK_CHARS = 64 * 1024  # send the download in pieces of about this size
BOM = "\ufeff"  # lets Excel recognise UTF-8
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS: Sequence[str] = (
    "id",
    "title",
    "status",
    "area",
    "queue",
    "vendor",
    "submitter",
    "score",
    "score_formula",
    "votes",
    "comments",
    "hours_saved_per_week",
    "weekly_volume",
    "handle_time_minutes",
    "minutes_saved_per_ticket",
    "automation_share",
    "problem",
    "proposed_change",
    "evidence_links",
    "confidential",
    "created_at",
    "url",
)


def safe_cell(value: object) -> str:
    """The value as text, defused if a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def row_cells(row: BacklogRow, base_url: str) -> list[str]:
    s = row.suggestion
    values: list[object] = [
        s.id,
        s.title,
        s.status.label,
        s.area,
        s.queue,
        row.vendor_name,
        row.submitter_name,
        _number(s.score_value),
        s.score_formula,
        s.vote_count,
        s.comment_count,
        _number(row.hours_saved),
        _number(s.weekly_volume),
        _number(s.handle_time_minutes),
        _number(s.minutes_saved_per_ticket),
        _number(s.automation_share),
        s.problem,
        s.proposed_change,
        " ".join(s.evidence_links),
        "yes" if s.confidential else "no",
        s.created_at.isoformat(timespec="seconds"),
        f"{base_url.rstrip('/')}/suggestions/{s.id}",
    ]
    return [safe_cell(value) for value in values]


def export_lines(rows: Iterable[BacklogRow], *, base_url: str) -> Iterator[str]:
    """The CSV text piece by piece: BOM and header first, then one chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield BOM + flush()
    for row in rows:
        writer.writerow(row_cells(row, base_url))
        if buffer.tell() >= CHUNK_CHARS:
            yield flush()
    yield flush()
