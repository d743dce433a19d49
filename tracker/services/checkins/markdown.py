"""A check-in pack as Markdown, to paste into a meeting page or send ahead: the sections of the
page in the same order, people's words escaped (services/digests/render.markdown_escape) so a
title with pipes, brackets or a leading # cannot break a link, a table or a heading."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tracker.services.benefits.reads import figure
from tracker.services.checkins.pack import (
    Decision,
    Delivery,
    Listed,
    Pack,
    PastCheckIn,
    Question,
)
from tracker.services.checkins.trends import Trend
from tracker.services.digests.render import markdown_escape

EXCERPT = 200
# Line starts that make a list, a quote or a heading of a line of notes.
_BLOCK_START = re.compile(r"^(\d+)([.)])|^([-+=])")


def text(value: object) -> str:
    """People's words on one line, inert in Markdown."""
    return markdown_escape(value)


def block_line(value: str) -> str:
    """One line of multi-line notes: escaped, and not a list item or a heading by its start."""
    escaped = text(value)
    return _BLOCK_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", escaped
    )


def slug(name: str, fallback: str) -> str:
    """A file-name part from a name: ASCII letters and digits joined by hyphens."""
    found = re.sub(r"[^a-z0-9]+", "-", name.casefold(), flags=re.ASCII).strip("-")
    return found[:60].strip("-") or fallback


class _Writer:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def heading(self, title: str, level: int = 2) -> None:
        if self.lines and self.lines[-1] != "":
            self.add("")
        self.add(f"{'#' * level} {title}", "")

    def idea(self, suggestion_id: int | None, title: str) -> str:
        return f"[#{suggestion_id} {text(title)}]({self.base}/suggestions/{suggestion_id})"

    def items(self, listed: Listed[Any], lines: Iterable[str], empty: str) -> None:
        written = list(lines)
        self.add(*(f"- {line}" for line in written))
        if not written:
            self.add(f"_{empty}_")
        if listed.more:
            self.add(f"- … and more: see the pack in the tracker ({len(listed.items)} shown).")


def _delivery(w: _Writer, row: Delivery) -> str:
    idea = row.suggestion
    line = w.idea(idea.id, idea.title)
    if idea.delivered_at is not None:
        line += f", delivered {idea.delivered_at.date().isoformat()}"
    return f"{line}: {text(row.summary)}"


def _trend(trend: Trend) -> str:
    unit = f" ({text(trend.unit)})" if trend.unit and trend.unit != "%" else ""
    suffix = "%" if trend.unit == "%" else ""

    def shown(value: float | None) -> str:
        return f"{figure(value)}{suffix}" if value is not None else "-"

    return (
        f"| {text(trend.label)}{unit} | {shown(trend.recent)} | {shown(trend.before)} | "
        f"{trend.change_text} |"
    )


def _past(w: _Writer, past: PastCheckIn) -> None:
    checkin = past.checkin
    w.add(f"- {checkin.held_on.isoformat()}, recorded by {text(past.recorded_by)}")
    for line in checkin.notes.splitlines():
        if line.strip():
            w.add(f"  > {block_line(line)}")
    for question in past.questions:
        w.add(f"  - Asked: {text(question)}")


def _decision(w: _Writer, row: Decision) -> str:
    day = row.change.created_at.date().isoformat()
    line = f"{day} · {w.idea(row.suggestion.id, row.suggestion.title)}: {row.label}"
    line += f" by {text(row.decided_by)}"
    reason = row.change.reason
    return f"{line}: {text(reason)}" if reason.strip() else line


def _question(w: _Writer, row: Question) -> str:
    body = row.comment.body
    excerpt = text(body[:EXCERPT]) + ("…" if len(body) > EXCERPT else "")
    return (
        f"{w.idea(row.suggestion.id, row.suggestion.title)}: {text(row.asked_by)} asked on "
        f"{row.comment.created_at.date().isoformat()}: “{excerpt}”"
    )


def _period(found: Pack) -> str:
    if found.last is not None:
        return f"Since the check-in of {found.since.isoformat()}, to {found.today.isoformat()}."
    return (
        f"No check-in recorded yet: the last {(found.today - found.since).days} days, "
        f"from {found.since.isoformat()} to {found.today.isoformat()}."
    )


def _deliveries(w: _Writer, found: Pack) -> None:
    w.heading("Delivered and measured")
    w.heading("Delivered in this period", 3)
    w.items(found.delivered, (_delivery(w, row) for row in found.delivered.items), "None.")
    w.heading("Measurements settled in this period", 3)
    if found.total is not None:
        total = found.total
        w.add(
            f"Together {figure(total.measured)} h/week, interval {figure(total.low)} to "
            f"{figure(total.high)}, over {total.counted} measured ideas "
            f"(expected {figure(total.expected)} h/week).",
            "",
        )
    w.items(found.settled, (_delivery(w, row) for row in found.settled.items), "None.")
    w.heading("Still measuring", 3)
    w.items(found.measuring, (_delivery(w, row) for row in found.measuring.items), "None.")


def _queues(w: _Writer, found: Pack) -> None:
    w.heading("Queues")
    if not found.queues:
        w.add("_No queues are recorded as worked by this organisation._")
    for row in found.queues:
        queue = row.queue
        w.heading(f"[{text(queue.name)}]({w.base}/queues/{queue.id})", 3)
        w.add("| Figure | Last 4 weeks | 8 weeks before | Change |", "|---|--:|--:|--:|")
        w.add(*(_trend(trend) for trend in row.trends))
        if row.signals:
            w.add("")
        w.add(*(f"- {text(line.text)}" for line in row.signals))


def _questions(w: _Writer, found: Pack) -> None:
    w.heading("Open questions")
    w.heading("From the last check-in", 3)
    asked = found.open_questions
    w.add(*(f"- {text(question)}" for question in asked))
    if not asked:
        w.add("_None recorded._")
    w.heading("Ideas waiting on an answer from them", 3)
    w.items(found.questions, (_question(w, row) for row in found.questions.items), "None.")


def render(found: Pack, *, base_url: str) -> str:
    """The pack as Markdown with absolute links under `base_url`."""
    w = _Writer(base_url)
    w.add(f"# Check-in pack: {text(found.organisation.name)}", "", _period(found))
    w.heading(f"Ideas submitted ({len(found.ideas.items)})")
    w.items(
        found.ideas,
        (f"{w.idea(s.id, s.title)} · {s.status.label}" for s in found.ideas.items),
        "No ideas submitted in this period.",
    )
    w.heading("Decisions")
    w.items(
        found.decisions,
        (_decision(w, row) for row in found.decisions.items),
        "No decisions on their ideas in this period.",
    )
    _deliveries(w, found)
    _queues(w, found)
    _questions(w, found)
    w.heading("Past check-ins")
    for past in found.past:
        _past(w, past)
    if not found.past:
        w.add("_None recorded yet._")
    return "\n".join(w.lines).strip() + "\n"
