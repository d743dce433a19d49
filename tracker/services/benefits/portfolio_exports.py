"""The portfolio as a download: CSV (one row per delivered idea, safe to open in a spreadsheet)
and Markdown (the totals and the table, to paste into a report or a wiki page).

CSV cells go through the backlog export's safe_cell (the OWASP CSV-injection advice); Markdown
cells escape what would otherwise become markup, links or extra table columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence

from tracker.services.benefits.portfolio import Group, Portfolio, PortfolioRow, quarter_label
from tracker.services.benefits.reads import figure
from tracker.services.benefits.totals import Total
from tracker.services.suggestions.csv_export import BOM, safe_cell

COLUMNS: Sequence[str] = (
    "id",
    "title",
    "area",
    "queue",
    "organisation",
    "initiative",
    "delivered_on",
    "quarter",
    "state",
    "metric",
    "unit",
    "expected_per_week",
    "measured_per_week",
    "ci_low",
    "ci_high",
    "method",
    "pre_weeks",
    "post_weeks",
    "post_weeks_target",
    "shared_with",
    "share",
    "reason",
    "url",
)
# Markdown's inline punctuation, escaped so a title cannot open a link or an image (no "[" is
# left to start one), emphasis, code or HTML, or break out of its table cell. Cells never start
# a line, so the line-start marks (#, -, +, 1.) need nothing.
_MARKUP = re.compile(r"([\\`*_\[\]<>|~])")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def idea_url(base_url: str, suggestion_id: int) -> str:
    return f"{base_url.rstrip('/')}/suggestions/{suggestion_id}"


def row_cells(row: PortfolioRow, base_url: str) -> list[str]:
    b = row.benefit
    values: list[object] = [
        row.suggestion_id,
        row.title,
        row.area,
        row.queue,
        row.organisation,
        row.initiative,
        row.delivered_on.isoformat() if row.delivered_on else "",
        quarter_label(row.quarter) if row.quarter else "",
        b.state,
        b.metric,
        b.unit,
        _number(b.expected),
        _number(b.measured),
        _number(b.ci_low),
        _number(b.ci_high),
        b.method,
        b.pre_weeks,
        b.post_weeks,
        b.post_weeks_target,
        " ".join(str(i) for i in b.shared_with),
        _number(b.share),
        b.reason,
        idea_url(base_url, row.suggestion_id),
    ]
    return [safe_cell(value) for value in values]


def csv_text(found: Portfolio, *, base_url: str) -> str:
    """The CSV of every idea matching the filters (not only the page), BOM first for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(row_cells(row, base_url) for row in found.rows)
    return BOM + buffer.getvalue()


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: markup escaped, lines joined."""
    return _MARKUP.sub(r"\\\1", " ".join(str(text).split()))


def total_words(total: Total | None, confidence: float) -> str:
    """ "62 h/week (95% CI 41 to 83)", or a dash when nothing is measured."""
    if total is None:
        return "-"
    level = round(confidence * 100)
    return (
        f"{figure(total.measured)} h/week ({level}% CI {figure(total.low)} to {figure(total.high)})"
    )


def _group_lines(title: str, groups: Sequence[Group], confidence: float) -> Iterator[str]:
    if not groups:
        return
    yield f"## By {title}"
    yield ""
    yield f"| {title.capitalize()} | Ideas | Measured | Expected | Counted |"
    yield "|---|---:|---|---:|---:|"
    for group in groups:
        total = group.total
        yield (
            f"| {md_cell(group.label)} | {group.ideas} | {total_words(total, confidence)} | "
            f"{figure(total.expected) if total else '-'} | {total.counted if total else 0} |"
        )
    yield ""


def markdown(found: Portfolio, *, base_url: str, title: str = "Realised benefit") -> str:
    """The portfolio as a Markdown document: headline, groups, then every matching idea."""
    total = found.total
    states = ", ".join(
        f"{count} {state.replace('_', ' ')}" for state, count in found.states.items()
    )
    lines = [f"# {md_cell(title)}", ""]
    if found.filters.active:
        shown = "; ".join(f"{k}: {v}" for k, v in found.filters.as_args().items())
        lines += [f"Filtered by {md_cell(shown)}.", ""]
    lines += [
        f"- Measured agent hours saved: {total_words(total, found.confidence)}",
        f"- Expected by those ideas: {figure(total.expected) + ' h/week' if total else '-'}",
        f"- Delivered ideas: {found.ideas} ({states})",
    ]
    if found.other_metrics:
        lines.append(f"- Measured in other units (not in the hours): {found.other_metrics}")
    lines.append("")
    for name, groups in (
        ("area", found.by_area),
        ("organisation", found.by_organisation),
        ("initiative", found.by_initiative),
        ("quarter", found.by_quarter),
    ):
        lines.extend(_group_lines(name, groups, found.confidence))
    lines += [
        "## Delivered ideas",
        "",
        "| Idea | Queue | Delivered | State | Benefit | Method |",
        "|---|---|---|---|---|---|",
    ]
    for row in found.rows:
        link = f"[{md_cell(row.title)}]({idea_url(base_url, row.suggestion_id)})"
        delivered = row.delivered_on.isoformat() if row.delivered_on else "-"
        lines.append(
            f"| #{row.suggestion_id} {link} | {md_cell(row.queue or '-')} | {delivered} | "
            f"{row.state.label} | {md_cell(row.summary)} | {md_cell(row.benefit.method or '-')} |"
        )
    return "\n".join(lines) + "\n"
