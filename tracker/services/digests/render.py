"""Stored digest content (tracker.services.digests.content, version 1) as an email, a Markdown
export and the context of its web page.

Rendering uses the app's templates, so callers provide an app context (the scheduler and the CLI
open one; requests have one). Every link is checked here once: a URL that is not http(s) is
dropped and its item shown without a link. Titles, reasons and names are people's own words:
autoescaping covers HTML, `MarkdownFormat.text` covers Markdown so a title cannot add links,
formatting or Slack mentions, and all formats flatten line breaks so a title stays on one line.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import render_template

from tracker.services.digests import charts
from tracker.services.email.mailer import InlineImage

# Lists cut at a limit carry "<section>_more": how many were left out.
SECTIONS_WITH_MORE = (
    "decisions",
    "pushed",
    "status_changes",
    "delivered",
    "stalled",
    "queues_moved",
    "measured",
)
LEAD_TIME_STEPS = (
    ("submitted_to_decided", "Submitted to decided"),
    ("decided_to_in_jira", "Decided to in Jira"),
    ("in_jira_to_done", "In Jira to done"),
    ("submitted_to_done", "Submitted to done"),
)
SUMMARY_LABELS = (
    ("new", "New ideas"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("merged", "Merged"),
    ("pushed", "Pushed to Jira"),
    ("status_changes", "Jira status changes"),
    ("delivered", "Delivered"),
    ("hours_saved_per_week", "Hours saved / week"),
    ("stalled", "Stalled"),
)
# Who a digest is for, as a PM reads it in a list ("Submitter: Dev Rao").
AUDIENCE_LABELS = {
    "pm": "Portfolio (PMs)",
    "stakeholder": "Stakeholder",
    "vendor": "Vendor",
    "submitter": "Submitter",
}
# A submitter's digest as that submitter reads it: about them, so no name.
OWN_SUBMITTER_LABEL = "Your ideas"


# --- the content, made safe and complete --------------------------------------------------------


def safe_url(value: Any) -> str | None:
    """The URL when it is an absolute http(s) URL, else None (no javascript:, data: or junk)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def one_line(value: Any) -> str:
    """Text on one line: runs of whitespace (newlines included) become one space."""
    return " ".join(str(value if value is not None else "").split())


def _clean_urls(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: safe_url(value) if key.endswith("url") else _clean_urls(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_clean_urls(item) for item in node]
    return node


def normalise(content: dict[str, Any]) -> dict[str, Any]:
    """A copy with every section present (empty when missing) and only http(s) URLs."""
    c: dict[str, Any] = _clean_urls(copy.deepcopy(content))
    c.setdefault("title", "Status digest")
    c.setdefault("subject_name", "")
    c.setdefault("audience", "")
    c.setdefault("timezone", "UTC")
    c.setdefault("period", {})
    c["lead_time_window_days"] = c.get("lead_time_window_days")
    c["summary"] = {key: (c.get("summary") or {}).get(key, 0) for key, _ in SUMMARY_LABELS}
    new = c.get("new_suggestions") or {}
    c["new_suggestions"] = {
        "total": new.get("total", 0),
        "by_area": new.get("by_area") or [],
        "by_source": new.get("by_source") or [],
        "items": [item for item in new.get("items") or [] if item],
    }
    for key in (
        "decisions",
        "pushed",
        "status_changes",
        "delivered",
        "stalled",
        "initiatives",
        "queues_moved",
        "measured",
    ):
        c[key] = c.get(key) or []
    for key in SECTIONS_WITH_MORE:
        c[f"{key}_more"] = int(c.get(f"{key}_more") or 0)
    c["backlog_top"] = c.get("backlog_top") or []
    # "Measured this period": the total line is the PMs' and stakeholders' (None for others).
    c["measured_total"] = c.get("measured_total") or None
    lead = c.get("lead_times") or {}
    empty = {"count": 0, "median_days": None, "p90_days": None}
    c["lead_times"] = {key: lead.get(key) or empty for key, _ in LEAD_TIME_STEPS}
    for initiative in c["initiatives"]:
        # Readers who may not open initiatives get names only (detail False, figures None).
        initiative["detail"] = bool(initiative.get("detail", True)) and (
            initiative.get("percent") is not None
        )
    return c


def is_quiet(c: dict[str, Any]) -> bool:
    """Nothing happened in the period (the standing sections may still have rows)."""
    happened = (
        c[key] for key in ("decisions", "pushed", "status_changes", "delivered", "measured")
    )
    return not any((c["new_suggestions"]["total"], *happened))


# --- formatting shared by all formats -----------------------------------------------------------


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _parse(iso: Any) -> datetime | None:
    if not isinstance(iso, str) or not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DigestFormat:
    """Dates in the digest's time zone, numbers and labels; the HTML templates use this as is."""

    def __init__(self, content: dict[str, Any]) -> None:
        self.zone = _zone(content.get("timezone") or "UTC")

    def when(self, iso: Any) -> str:
        moment = _parse(iso)
        return moment.astimezone(self.zone).strftime("%a %d %b %H:%M") if moment else ""

    def day(self, iso: Any) -> str:
        moment = _parse(iso)
        return moment.astimezone(self.zone).strftime("%d %b %Y") if moment else ""

    def period(self, period: dict[str, Any]) -> str:
        start, end = _parse(period.get("start")), _parse(period.get("end"))
        if start is None or end is None:
            return ""
        start, end = start.astimezone(self.zone), end.astimezone(self.zone)
        return f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} {end.tzname() or ''}".rstrip()

    @staticmethod
    def days(value: Any) -> str:
        if value is None:
            return "-"
        return f"{float(value):.1f} d"

    @staticmethod
    def hours(value: Any) -> str:
        if value is None:
            return "-"
        return f"{float(value):,.1f} h/week"

    @staticmethod
    def number(value: Any) -> str:
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.1f}"
        return f"{int(value or 0):,}"

    @staticmethod
    def score(value: Any) -> str:
        return "not scored" if value is None else f"{float(value):,.1f}"

    @staticmethod
    def decision(entry: dict[str, Any]) -> str:
        return {"accepted": "Accepted", "declined": "Declined", "merged": "Merged"}.get(
            str(entry.get("decision")), one_line(entry.get("decision")).capitalize()
        )

    @staticmethod
    def audience(value: Any) -> str:
        return AUDIENCE_LABELS.get(str(value), one_line(value))

    def for_whom(self, audience: Any, subject_name: Any, *, own: bool = False) -> str:
        """Whom a digest is for: "Your ideas" when `own` (the reader is the submitter it is
        about), else the audience and its subject, e.g. "Submitter: Dev Rao"."""
        if own and str(audience) == "submitter":
            return OWN_SUBMITTER_LABEL
        label = self.audience(audience)
        name = one_line(subject_name)
        return f"{label}: {name}" if name else label

    @staticmethod
    def plural(count: int, one: str, many: str) -> str:
        return f"{count:,} {one if count == 1 else many}"

    def summary(self, c: dict[str, Any]) -> list[tuple[str, str]]:
        return [(label, self.number(c["summary"][key])) for key, label in SUMMARY_LABELS]

    def lead_times(self, c: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [(label, c["lead_times"][key]) for key, label in LEAD_TIME_STEPS]

    @staticmethod
    def area_bars(c: dict[str, Any]) -> list[charts.Bar]:
        rows = c["new_suggestions"]["by_area"]
        return charts.bars((one_line(r.get("area")), r.get("count", 0)) for r in rows)

    @staticmethod
    def source_bars(c: dict[str, Any]) -> list[charts.Bar]:
        rows = c["new_suggestions"]["by_source"]
        return charts.bars((one_line(r.get("source")), r.get("count", 0)) for r in rows)

    @staticmethod
    def split_px(share_percent: int) -> tuple[int, int]:
        return charts.split_px(share_percent)


class TextFormat(DigestFormat):
    """Plain text: people's words as they wrote them (on one line), links as <url>."""

    def text(self, value: Any) -> str:
        return one_line(value)

    def link(self, label: str, url: str | None) -> str:
        return f"{label} <{url}>" if url else label

    def heading(self, title: str, level: int = 2) -> str:
        return f"{title}\n{('=' if level == 1 else '-') * len(title)}"

    def ref(self, ref: dict[str, Any] | None, *, with_jira: bool = True) -> str:
        """An idea with its tracker link, then its Jira issue with its link when pushed.

        `with_jira=False` leaves the idea's (first) Jira issue out, for lines that already name
        another issue of the idea (a pushed story, a status change)."""
        if not ref:
            return ""
        label = self.link(f"#{ref.get('id')} {self.text(ref.get('title'))}", ref.get("url"))
        if with_jira and ref.get("jira_key"):
            label += " · " + self.link(self.text(ref["jira_key"]), ref.get("jira_url"))
        return label

    def named(self, thing: dict[str, Any] | None) -> str:
        """An initiative or other named thing with its link."""
        if not thing:
            return ""
        return self.link(self.text(thing.get("name")), thing.get("url"))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#|~])")


def markdown_escape(value: Any) -> str:
    """People's words made inert in Markdown (CommonMark, Slack, Confluence): no links, emphasis,
    code, HTML or mentions; `<`, `>` and `&` become entities, which all three show as written."""
    text = one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown_url(url: str) -> str:
    # Our URLs never hold these, but a Jira browse URL is Jira's; keep the link syntax intact.
    return quote(url, safe=":/?#@!$&'*+,;=%-._~[]")


class MarkdownFormat(TextFormat):
    """Markdown for Slack or Confluence: headings, bullet lists and [label](url) links."""

    def text(self, value: Any) -> str:
        return markdown_escape(value)

    def link(self, label: str, url: str | None) -> str:
        return f"[{label}]({_markdown_url(url)})" if url else label

    def heading(self, title: str, level: int = 2) -> str:
        return f"{'#' * level} {title}"


def digest_url(base_url: str, digest_id: int) -> str:
    """The digest's permalink, absolute (for emails and exports read outside the tracker)."""
    return f"{base_url.rstrip('/')}/digests/{digest_id}"


# --- the three formats --------------------------------------------------------------------------


def email_subject(content: dict[str, Any]) -> str:
    """The subject line: the digest's title, for whom, and how much happened."""
    c = normalise(content)
    subject = one_line(c["title"])
    if c["subject_name"] and c["audience"] != "submitter":
        subject += f" · {one_line(c['subject_name'])}"
    summary = c["summary"]
    decided = sum(int(summary[key] or 0) for key in ("accepted", "declined", "merged"))
    facts = [f"{int(summary['new'] or 0)} new", f"{decided} decided"]
    if summary["delivered"]:
        facts.append(f"{int(summary['delivered'])} delivered")
    return f"{subject} ({', '.join(facts)})"


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _render_text(content: dict[str, Any], fmt: TextFormat, **extra: Any) -> str:
    c = normalise(content)
    return _tidy(render_template("email/digest.txt", c=c, fmt=fmt, quiet=is_quiet(c), **extra))


def render_markdown(content: dict[str, Any], *, web_url: str | None = None) -> str:
    """The digest as Markdown to paste into Slack or Confluence."""
    return _render_text(content, MarkdownFormat(content), web_url=safe_url(web_url))


def render_email(
    content: dict[str, Any], *, unsubscribe_url: str, web_url: str | None = None
) -> tuple[str, str, tuple[InlineImage, ...]]:
    """(html, text, inline images) of one digest email. Both parts carry the same facts and the
    unsubscribe link; `web_url`, when given, is the digest's permalink. Charts are table cells,
    so there are no images today; the tuple is for the mailer's multipart/related part."""
    c = normalise(content)
    extra = {"unsubscribe_url": safe_url(unsubscribe_url), "web_url": safe_url(web_url)}
    html = render_template(
        "email/digest.html",
        c=c,
        fmt=DigestFormat(c),
        quiet=is_quiet(c),
        subject=email_subject(c),
        **extra,
    )
    text = _render_text(content, TextFormat(c), **extra)
    return html, text, ()


def page_context(content: dict[str, Any]) -> dict[str, Any]:
    """What templates/digests/page.html needs besides the Digest row itself."""
    c = normalise(content)
    return {"c": c, "fmt": DigestFormat(c), "quiet": is_quiet(c)}
