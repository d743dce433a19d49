"""Render a story draft's description the way Jira stores it (pure: no Flask, no DB).

Data Center (REST v2) stores wiki markup, Cloud (REST v3) stores Atlassian Document
Format. Both are rendered from one intermediate block list (``_plan``) so the two
trackers never drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

__all__ = ["Criterion", "StoryDescription", "adf_to_html", "to_adf", "to_wiki"]

AdfNode = dict[str, Any]


@dataclass(frozen=True)
class Criterion:
    given: str
    when: str
    then: str


@dataclass(frozen=True)
class StoryDescription:
    role: str
    want: str
    benefit: str
    context: str = ""
    evidence: tuple[tuple[str, str], ...] = ()  # (label, value)
    acceptance_criteria: tuple[Criterion, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (title, url)
    source_url: str | None = None
    source_title: str | None = None


# --- format-neutral plan ------------------------------------------------------------
# A Run is (text, href, strong); a Line is a list of runs; a Block is (kind, lines) with
# kind "h3" (one line), "p" (lines joined by line breaks), "ul"/"ol" (one line per item).
Run = tuple[str, str | None, bool]
Line = list[Run]
Block = tuple[str, list[Line]]

# Control characters are never intentional in a form field and Jira rejects some of them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# http(s) needs a host so "https:foo" is not treated as a link.
_SAFE_URL = re.compile(r"(?:https?://[^/?#\s]|mailto:\S)", re.IGNORECASE)
_BARE_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
# Sentence punctuation right after a pasted URL belongs to the sentence, not the URL.
_URL_TRAILER = ".,;:!?)]}'\""


def _inline(text: str | None) -> str:
    # Newlines would end a list item, so single-line fields are collapsed to one line.
    return " ".join(_CONTROL.sub("", text or "").split())


def _safe_url(url: object) -> str | None:
    """Return the URL if it may become a link (http, https, mailto), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    # Browsers ignore tabs/newlines inside schemes ("java\tscript:"), so refuse them all.
    unsafe = any(c.isspace() or not c.isprintable() for c in url)
    return None if unsafe or not _SAFE_URL.match(url) else url


def _plain(text: str) -> Line:
    """Text runs in which pasted http(s) URLs become links, as Jira DC auto-links them."""
    runs: Line = []
    pos = 0
    for match in _BARE_URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILER)
        if (href := _safe_url(url)) is None:
            continue
        runs += [(text[pos : match.start()], None, False), (url, href, False)]
        pos = match.start() + len(url)
    return [run for run in [*runs, (text[pos:], None, False)] if run[0]]


def _link(title: str, url: str) -> Line:
    if (href := _safe_url(url)) is None:
        return [(f"{title} ({url})" if title and url else title or url, None, False)]
    return [(title or href, href, False)]


def _labelled(label: str, value: str) -> Line:
    if label and value:
        return [(f"{label}:", None, True), *_plain(f" {value}")]
    return _plain(label or value)


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = [(_inline(first), _inline(second)) for first, second in pairs]
    return [(first, second) for first, second in cleaned if first or second]


def _criterion(c: Criterion) -> Line:
    clauses = [(k, _inline(v)) for k, v in (("Given", c.given), ("When", c.when), ("Then", c.then))]
    line: Line = []
    for label, text in ((k, v) for k, v in clauses if v):
        line += [(" ", None, False)] if line else []
        line += [(label, None, True), *_plain(f" {text}")]
    return line


def _plan(desc: StoryDescription) -> list[Block]:
    # Drop a trailing full stop so "so that we save time." does not end in "..".
    benefit = _inline(desc.benefit).rstrip(".")
    story: Line = [("As a", None, True), *_plain(f" {_inline(desc.role)}, ")]
    story += [("I want", None, True), *_plain(f" {_inline(desc.want)}, ")]
    story += [("so that", None, True), *_plain(f" {benefit}.")]
    blocks: list[Block] = [("p", [story])]

    context = _CONTROL.sub("", desc.context).replace("\r\n", "\n").replace("\r", "\n")
    # Blank lines separate paragraphs; single newlines stay line breaks.
    paragraphs = [
        [_inline(ln) for ln in block.split("\n")] for block in re.split(r"\n\s*\n", context)
    ]
    sections: list[tuple[str, list[Block]]] = [
        ("Context", [("p", [_plain(ln) for ln in p if ln]) for p in paragraphs if any(p)]),
        ("Evidence", [("ul", [_labelled(k, v) for k, v in _pairs(desc.evidence)])]),
        (
            "Acceptance criteria",
            [("ol", [ln for c in desc.acceptance_criteria if (ln := _criterion(c))])],
        ),
        ("Links", [("ul", [_link(title, url) for title, url in _pairs(desc.links)])]),
    ]
    for title, content in sections:
        if content := [block for block in content if block[1]]:
            blocks += [("h3", [[(title, None, False)]]), *content]
    if source_url := _inline(desc.source_url):
        source = [("Source: ", None, False), *_link(_inline(desc.source_title), source_url)]
        blocks.append(("p", [source]))
    return blocks


# --- wiki markup (Jira Data Center, REST v2) -------------------------------------
#
# Syntax reference: https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa?section=all
# Jira's renderer only honours a backslash before - # * _ + ? ^ ~ | % { } [ ] ( ) ! @
# (before anything else the backslash stays visible), so:
# * { } [ ] | ! @ are always backslash-escaped: macros, links, table cells, images and
#   @template@ form fields are recognised anywhere, even inside words.
# * * _ ? - + ^ ~ (bold, italic, citation, strike, underline, sup, sub) are escaped unless
#   letters/digits sit on both sides: Jira only opens/closes those effects next to a
#   non-word character, so "self-service" and "2024-01-05" stay readable.
# * # is escaped at the start of a line only (numbered list); mid-line it is plain text.
# * A backslash cannot escape itself ("\\" is a forced line break), nor ".", so a literal
#   backslash, a leading "h1."-"h6."/"bq." and emoticon faces such as ":D" are written as
#   numeric HTML entities, which Jira passes through. "&" is written as "&amp;" only where
#   it would otherwise read as an entity.
# * Inside a link title "|", "[", "]" and "!" become entities too: the link parser splits
#   on the first "|" and looks for "!" image markers without honouring backslashes.
# * "(" is escaped only where it would start an emoticon such as (y), (x) or (on).
_ALWAYS = frozenset("{}[]|!@")
_PHRASE = frozenset("*_?-+^~")
_LINK_TITLE_ENTITIES = frozenset("|[]!")
_ENTITY_LIKE = re.compile(r"&#?\w+;")
_EMOTICON = re.compile(r"\((?:[ynix/!+?*-]|on|off|\*[rgby]|flag|flagoff)\)", re.IGNORECASE)
_FACE = re.compile(r"[:;](?:[()]|[pd](?!\w))", re.IGNORECASE)
_BLOCK_MARKER = re.compile(r"(?:h[1-6]|bq)\.", re.IGNORECASE)
# Characters a URL can carry but that would end or split "[title|url]" or start a macro.
_URL_QUOTE = str.maketrans({c: f"%{ord(c):02X}" for c in '|[]{}"<>\\^`'})


def _entity(char: str) -> str:
    return f"&#{ord(char)};"


def _word(char: str) -> bool:
    return char.isalpha() or char.isdecimal()


def _escape(text: str, *, line_start: bool = False, entities: frozenset[str] = frozenset()) -> str:
    out = []
    for i, char in enumerate(text):
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if char == "\\" or char in entities:
            out.append(_entity(char))
        elif char == "&" and _ENTITY_LIKE.match(text, i):
            out.append("&amp;")
        elif char in _ALWAYS or (char in _PHRASE and not (_word(before) and _word(after))):
            out.append("\\" + char)
        elif char == "(" and _EMOTICON.match(text, i):
            out.append("\\(")
        elif char in ":;" and _FACE.match(text, i):
            out.append(_entity(char))
        else:
            out.append(char)
    escaped = "".join(out)
    if line_start and _BLOCK_MARKER.match(escaped):
        return _entity(escaped[0]) + escaped[1:]
    return "\\" + escaped if line_start and escaped.startswith("#") else escaped


def _wiki_line(line: Line, *, line_start: bool = False) -> str:
    parts = []
    for index, (text, href, strong) in enumerate(line):
        if href is not None:
            url = href.translate(_URL_QUOTE)
            title = _escape(text, entities=_LINK_TITLE_ENTITIES)
            parts.append(f"[{url}]" if text == href else f"[{title}|{url}]")
        elif strong:
            parts.append(f"*{_escape(text)}*")
        else:
            parts.append(_escape(text, line_start=line_start and index == 0))
    return "".join(parts)


def to_wiki(desc: StoryDescription) -> str:
    """Jira Data Center wiki markup for the REST v2 ``description`` field."""
    chunks: list[str] = []
    after_heading = False
    for kind, lines in _plan(desc):
        if kind == "h3":
            chunks.append(f"h3. {_wiki_line(lines[0])}")
        else:
            prefix = {"ul": "* ", "ol": "# "}.get(kind, "")
            body = "\n".join(prefix + _wiki_line(ln, line_start=not prefix) for ln in lines)
            if after_heading:
                chunks[-1] += "\n" + body
            else:
                chunks.append(body)
        after_heading = kind == "h3"
    return "\n\n".join(chunks) + "\n"


# --- Atlassian Document Format (Jira Cloud, REST v3) -------------------------------


def _adf_line(line: Line) -> list[AdfNode]:
    nodes: list[AdfNode] = []
    for text, href, strong in line:
        # ADF rejects empty text nodes.
        if not text:
            continue
        marks: list[AdfNode] = [{"type": "strong"}] if strong else []
        marks += [{"type": "link", "attrs": {"href": href}}] if href else []
        nodes.append({"type": "text", "text": text, **({"marks": marks} if marks else {})})
    return nodes


def _adf_block(kind: str, lines: list[Line]) -> AdfNode:
    if kind == "h3":
        return {"type": "heading", "attrs": {"level": 3}, "content": _adf_line(lines[0])}
    if kind == "p":
        content: list[AdfNode] = []
        for line in lines:
            content += ([{"type": "hardBreak"}] if content else []) + _adf_line(line)
        return {"type": "paragraph", "content": content}
    items = [{"type": "listItem", "content": [_adf_block("p", [line])]} for line in lines]
    if kind == "ol":
        return {"type": "orderedList", "attrs": {"order": 1}, "content": items}
    return {"type": "bulletList", "content": items}


def to_adf(desc: StoryDescription) -> AdfNode:
    """Atlassian Document Format for the REST v3 ``description`` field."""
    content = [_adf_block(kind, lines) for kind, lines in _plan(desc)]
    return {"type": "doc", "version": 1, "content": content}


# --- ADF -> HTML preview -------------------------------------------------------------

_HTML_TAGS = {"paragraph": "p", "bulletList": "ul", "orderedList": "ol", "listItem": "li"}


def _render_text(node: Mapping[str, Any]) -> Markup:
    text = node.get("text")
    html = escape(text if isinstance(text, str) else "")
    marks = node.get("marks")
    for mark in marks if isinstance(marks, list) else []:
        if not isinstance(mark, Mapping):
            continue
        if mark.get("type") == "strong":
            html = Markup("<strong>{}</strong>").format(html)
        elif mark.get("type") == "link":
            attrs = mark.get("attrs")
            href = _safe_url(attrs.get("href") if isinstance(attrs, Mapping) else None)
            if href is not None:
                html = Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(href, html)
    return html


def _render(node: object) -> Markup:
    if not isinstance(node, Mapping):
        return Markup("")
    kind = node.get("type")
    if kind == "text":
        return _render_text(node)
    if kind == "hardBreak":
        return Markup("<br>")
    children = node.get("content")
    inner = Markup("").join(map(_render, children if isinstance(children, list) else []))
    if kind == "heading":
        attrs = node.get("attrs")
        level = attrs.get("level") if isinstance(attrs, Mapping) else None
        tag = f"h{level}" if type(level) is int and 1 <= level <= 6 else "h3"
    elif isinstance(kind, str) and kind in _HTML_TAGS:
        tag = _HTML_TAGS[kind]
    else:
        # doc and node types we do not know: keep their (escaped) text, drop structure.
        return inner
    return Markup("<{0}>{1}</{0}>").format(tag, inner)


def adf_to_html(adf: Mapping[str, Any]) -> Markup:
    """Safe HTML preview of the ADF subset produced by ``to_adf``."""
    return _render(adf)
