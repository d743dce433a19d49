"""Behaviour of the Jira description renderers (wiki for Data Center, ADF for Cloud)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from markupsafe import Markup

from sync.mapping.description import Criterion, StoryDescription, adf_to_html, to_adf, to_wiki

SAMPLE = StoryDescription(
    role="fraud ops lead",
    want="scam appeals routed straight to the specialist queue",
    benefit="agents stop re-routing tickets by hand",
    context=(
        "Scam appeals land in the general queue.\n"
        "Agents move them manually.\n"
        "\n"
        "The specialist team has spare capacity."
    ),
    evidence=(
        ("Queue", "Scam appeals"),
        ("Weekly tickets", "1,200"),
        ("Expected saving", "80 agent hours/week"),
    ),
    acceptance_criteria=(
        Criterion("an appeal tagged as scam", "it is submitted", "it lands in the Scam queue"),
        Criterion("the Scam queue is full", "an appeal arrives", "it waits in the overflow queue"),
    ),
    links=(("Scam dashboard", "https://grafana.example.com/d/scam"),),
    source_url="https://tracker.example.com/suggestions/42",
    source_title="Suggestion 42",
)

MINIMAL = StoryDescription(role="agent", want="a shortcut", benefit="I save time")

# ---------------------------------------------------------------------------------
# Helpers


def jira_unescape(wiki: str) -> str:
    """What Jira displays for escaped plain text: backslash escapes and entities resolved."""
    text = re.sub(r"\\([-#*_+?^~|%{}\[\]()!@])", r"\1", wiki)
    return html.unescape(text)


def sentence_field(wiki: str, start: str, end: str) -> str:
    line = wiki.splitlines()[0]
    return line.split(start, 1)[1].split(end, 1)[0]


BLOCK_TYPES = {"paragraph", "heading", "bulletList", "orderedList"}
INLINE_TYPES = {"text", "hardBreak"}
CHILDREN = {
    "doc": BLOCK_TYPES,
    "paragraph": INLINE_TYPES,
    "heading": INLINE_TYPES,
    "bulletList": {"listItem"},
    "orderedList": {"listItem"},
    "listItem": {"paragraph", "bulletList", "orderedList"},
}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def validate_adf(node: Any, *, root: bool = True) -> None:
    """Structural checks mirroring what Jira Cloud's ADF validator rejects."""
    assert isinstance(node, dict), node
    kind = node.get("type")
    if root:
        assert kind == "doc"
        assert node.get("version") == 1
    if kind == "text":
        assert set(node) <= {"type", "text", "marks"}, node
        assert isinstance(node["text"], str)
        assert node["text"], "ADF rejects empty text nodes"
        if "marks" in node:
            marks = node["marks"]
            assert isinstance(marks, list)
            assert marks
            assert len({m["type"] for m in marks}) == len(marks), "duplicate marks"
            for mark in marks:
                validate_mark(mark)
        return
    if kind == "hardBreak":
        assert set(node) == {"type"}
        return
    assert kind in CHILDREN, f"unexpected node type {kind!r}"
    if kind == "heading":
        assert node["attrs"] == {"level": 3}
    elif kind == "orderedList" and "attrs" in node:
        assert isinstance(node["attrs"]["order"], int)
        assert node["attrs"]["order"] >= 1
    else:
        assert "attrs" not in node or kind == "doc"
    content = node["content"]
    assert isinstance(content, list)
    assert content, f"{kind} without content"
    if kind == "listItem":
        assert content[0]["type"] == "paragraph"
    for child in content:
        assert child["type"] in CHILDREN[kind], f"{child['type']} inside {kind}"
        validate_adf(child, root=False)


def validate_mark(mark: Any) -> None:
    assert isinstance(mark, dict)
    if mark["type"] == "strong":
        assert mark == {"type": "strong"}
    elif mark["type"] == "link":
        assert set(mark) == {"type", "attrs"}
        assert set(mark["attrs"]) == {"href"}
        assert mark["attrs"]["href"].lower().startswith(SAFE_SCHEMES)
    else:
        pytest.fail(f"unexpected mark {mark!r}")


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("content", []):
        found += walk(child)
    return found


def plain_text(node: dict[str, Any]) -> str:
    return "".join(n.get("text", "") for n in walk(node))


def link_hrefs(adf: dict[str, Any]) -> list[str]:
    return [
        mark["attrs"]["href"]
        for node in walk(adf)
        for mark in node.get("marks", [])
        if mark["type"] == "link"
    ]


# ---------------------------------------------------------------------------------
# Wiki markup (Data Center)


def test_wiki_renders_story_sentence_and_sections() -> None:
    wiki = to_wiki(SAMPLE)
    lines = wiki.splitlines()

    assert lines[0] == (
        "*As a* fraud ops lead, *I want* scam appeals routed straight to the specialist "
        "queue, *so that* agents stop re-routing tickets by hand."
    )
    assert (
        "h3. Context\nScam appeals land in the general queue.\nAgents move them manually.\n\n"
        "The specialist team has spare capacity.\n"
    ) in wiki
    assert (
        "h3. Evidence\n"
        "* *Queue:* Scam appeals\n"
        "* *Weekly tickets:* 1,200\n"
        "* *Expected saving:* 80 agent hours/week\n"
    ) in wiki
    assert (
        "h3. Acceptance criteria\n"
        "# *Given* an appeal tagged as scam *When* it is submitted "
        "*Then* it lands in the Scam queue\n"
        "# *Given* the Scam queue is full *When* an appeal arrives "
        "*Then* it waits in the overflow queue\n"
    ) in wiki
    assert "h3. Links\n* [Scam dashboard|https://grafana.example.com/d/scam]\n" in wiki
    assert lines[-1] == "Source: [Suggestion 42|https://tracker.example.com/suggestions/42]"


def test_wiki_does_not_double_the_full_stop() -> None:
    desc = StoryDescription(role="agent", want="macros", benefit="replies are faster.")
    assert to_wiki(desc).splitlines()[0].endswith("*so that* replies are faster.")


@pytest.mark.parametrize(
    ("user_text", "escaped"),
    [
        ("*bold*", r"\*bold\*"),
        ("[link|http://x]", r"\[link\|[http://x]\]"),
        ("{code}", r"\{code\}"),
        ("a|b", r"a\|b"),
        ("_italic_ and -strike- and +under+", r"\_italic\_ and \-strike\- and \+under\+"),
        ("!image.png!", r"\!image.png\!"),
        ("{{mono}} ^sup^ ~sub~ ??cite??", r"\{\{mono\}\} \^sup\^ \~sub\~ \?\?cite\?\?"),
        ("@param@", r"\@param\@"),
        ("C:\\temp\\", "C:&#92;temp&#92;"),
        ("(y) (x) :D", r"\(y) \(x) &#58;D"),
    ],
)
def test_wiki_escapes_markup_in_user_text(user_text: str, escaped: str) -> None:
    desc = StoryDescription(role="agent", want=user_text, benefit="it renders literally")
    field = sentence_field(to_wiki(desc), "*I want* ", ", *so that*")

    assert field == escaped
    # Jira displays exactly what the user typed (the URL is additionally a link).
    assert jira_unescape(field).replace("[http://x]", "http://x") == user_text


def test_wiki_leaves_hyphenated_words_and_dates_readable() -> None:
    desc = StoryDescription(role="agent", want="a self-service form by 2025-01-31", benefit="x")
    assert "*I want* a self-service form by 2025-01-31," in to_wiki(desc)


def test_wiki_neutralises_block_markup_at_line_start() -> None:
    context = (
        "h1. Not a heading\n# not a list\n* not a bullet\n----\nbq. not a quote\n|| not | table"
    )
    wiki = to_wiki(StoryDescription(role="a", want="b", benefit="c", context=context))
    body = wiki.split("h3. Context\n", 1)[1].splitlines()[:6]

    assert body == [
        "&#104;1. Not a heading",
        r"\# not a list",
        r"\* not a bullet",
        r"\-\-\-\-",
        "&#98;q. not a quote",
        r"\|\| not \| table",
    ]
    assert [jira_unescape(line) for line in body] == context.splitlines()


def test_wiki_collapses_newlines_in_single_line_fields() -> None:
    desc = StoryDescription(
        role="agent",
        want="x",
        benefit="y",
        acceptance_criteria=(Criterion("a\nh1. b", "c", "d"),),
    )
    assert "# *Given* a h1. b *When* c *Then* d\n" in to_wiki(desc)


def test_wiki_link_cannot_break_out_of_brackets() -> None:
    desc = StoryDescription(
        role="a",
        want="b",
        benefit="c",
        links=(("Weekly | [v2]!", "https://dash.example.com/a|b]c{d}"),),
    )
    links = to_wiki(desc).split("h3. Links\n", 1)[1].splitlines()[0]

    assert links == "* [Weekly &#124; &#91;v2&#93;&#33;|https://dash.example.com/a%7Cb%5Dc%7Bd%7D]"
    url = links.split("|", 1)[1]
    assert "|" not in url[:-1]
    assert "]" not in url[:-1]


def test_wiki_pasted_urls_become_links() -> None:
    desc = StoryDescription(
        role="a", want="b", benefit="c", context="See https://grafana.example.com/d/x_y-z."
    )
    assert "See [https://grafana.example.com/d/x_y-z]." in to_wiki(desc)


# ---------------------------------------------------------------------------------
# ADF (Cloud)


def test_adf_is_valid_and_serialisable() -> None:
    adf = to_adf(SAMPLE)
    validate_adf(adf)
    assert json.loads(json.dumps(adf)) == adf


def test_adf_contains_story_and_sections() -> None:
    content = to_adf(SAMPLE)["content"]

    assert plain_text(content[0]) == (
        "As a fraud ops lead, I want scam appeals routed straight to the specialist "
        "queue, so that agents stop re-routing tickets by hand."
    )
    strong = [n["text"] for n in walk(content[0]) if {"type": "strong"} in n.get("marks", [])]
    assert strong == ["As a", "I want", "so that"]
    headings = [plain_text(n) for n in content if n["type"] == "heading"]
    assert headings == ["Context", "Evidence", "Acceptance criteria", "Links"]


def test_adf_context_keeps_paragraphs_and_line_breaks() -> None:
    content = to_adf(SAMPLE)["content"]
    start = next(i for i, n in enumerate(content) if plain_text(n) == "Context") + 1
    first, second = content[start], content[start + 1]

    assert [n["type"] for n in first["content"]] == ["text", "hardBreak", "text"]
    assert plain_text(second) == "The specialist team has spare capacity."


def test_adf_acceptance_criteria_are_an_ordered_list() -> None:
    lists = [n for n in to_adf(SAMPLE)["content"] if n["type"] == "orderedList"]

    assert len(lists) == 1
    items = [plain_text(item) for item in lists[0]["content"]]
    assert items == [
        "Given an appeal tagged as scam When it is submitted Then it lands in the Scam queue",
        "Given the Scam queue is full When an appeal arrives Then it waits in the overflow queue",
    ]


def test_adf_keeps_user_markup_as_literal_text() -> None:
    desc = StoryDescription(role="a", want="*bold* {code} a|b", benefit="c")
    assert "*bold* {code} a|b" in plain_text(to_adf(desc))


def test_adf_never_emits_empty_text_nodes() -> None:
    desc = StoryDescription(
        role="",
        want="",
        benefit="",
        context="\n\n  \n",
        evidence=(("", "value only"), ("label only", ""), ("", "")),
        acceptance_criteria=(Criterion("", "only when", ""), Criterion("", "", "")),
        links=(("", "https://example.com"), ("title only", "")),
        source_url="https://tracker.example.com/s/1",
        source_title="",
    )
    adf = to_adf(desc)
    validate_adf(adf)
    criteria = next(n for n in adf["content"] if n["type"] == "orderedList")
    assert [plain_text(item) for item in criteria["content"]] == ["When only when"]


# ---------------------------------------------------------------------------------
# Unsafe links


UNSAFE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example.com",
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_unsafe_urls_are_never_links(url: str) -> None:
    desc = StoryDescription(
        role="a",
        want="b",
        benefit="c",
        links=(("Click me", url),),
        source_url=url,
        source_title="Source",
    )
    adf = to_adf(desc)
    validate_adf(adf)
    assert link_hrefs(adf) == []
    assert "Click me" in plain_text(adf)

    preview = adf_to_html(adf)
    assert "<a " not in preview
    assert "<script>" not in preview

    wiki = to_wiki(desc)
    assert "|" + url.strip() not in wiki
    assert "[Click me" not in wiki


def test_safe_urls_become_links_everywhere() -> None:
    adf = to_adf(SAMPLE)
    assert link_hrefs(adf) == [
        "https://grafana.example.com/d/scam",
        "https://tracker.example.com/suggestions/42",
    ]
    desc = StoryDescription(role="a", want="b", benefit="c", links=(("Mail", "mailto:ops@x.io"),))
    assert link_hrefs(to_adf(desc)) == ["mailto:ops@x.io"]
    assert "* [Mail|mailto:ops@x.io]" in to_wiki(desc)


# ---------------------------------------------------------------------------------
# HTML preview


def test_adf_to_html_renders_the_sample() -> None:
    preview = adf_to_html(to_adf(SAMPLE))

    assert isinstance(preview, Markup)
    assert preview.startswith("<p><strong>As a</strong> fraud ops lead, <strong>I want</strong>")
    assert "<h3>Acceptance criteria</h3><ol><li><p><strong>Given</strong>" in preview
    assert "queue.<br>Agents move them manually.</p>" in preview
    assert (
        '<a href="https://grafana.example.com/d/scam" rel="noopener noreferrer">Scam dashboard</a>'
    ) in preview


def test_adf_to_html_escapes_script() -> None:
    desc = StoryDescription(
        role='<img src=x onerror="alert(1)">',
        want="<script>alert(1)</script>",
        benefit="c",
        links=(('"><script>x</script>', 'https://example.com/"><script>'),),
    )
    preview = adf_to_html(to_adf(desc))

    assert "<script>" not in preview
    assert "<img" not in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview
    assert 'href="https://example.com/&#34;&gt;&lt;script&gt;"' in preview


def test_adf_to_html_is_defensive_about_foreign_adf() -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "panel", "content": [{"type": "text", "text": "<b>panel</b>"}]},
            {"type": "heading", "attrs": {"level": "1><script>"}, "content": []},
            {
                "type": "paragraph",
                "content": [
                    {
                        "type": "text",
                        "text": "x",
                        "marks": [{"type": "link", "attrs": {"href": "javascript:alert(1)"}}],
                    },
                    {"type": "text", "text": "y", "marks": [{"type": "em"}, "junk"]},
                    "not a node",
                    {"type": "text", "text": 42},
                ],
            },
        ],
    }
    preview = adf_to_html(adf)

    assert preview == "&lt;b&gt;panel&lt;/b&gt;<h3></h3><p>xy</p>"


# ---------------------------------------------------------------------------------
# Optional sections


def test_empty_optional_sections_are_omitted() -> None:
    assert to_wiki(MINIMAL) == "*As a* agent, *I want* a shortcut, *so that* I save time.\n"

    adf = to_adf(MINIMAL)
    validate_adf(adf)
    assert [n["type"] for n in adf["content"]] == ["paragraph"]
    assert "<h3>" not in adf_to_html(adf)


def test_blank_optional_values_count_as_empty() -> None:
    desc = StoryDescription(
        role="agent",
        want="a shortcut",
        benefit="I save time",
        context=" \n\n \t",
        evidence=(("", " "),),
        acceptance_criteria=(Criterion(" ", "", "\n"),),
        links=(("", ""),),
        source_url="  ",
        source_title="Ignored without a URL",
    )
    assert to_wiki(desc) == to_wiki(MINIMAL)
    assert to_adf(desc) == to_adf(MINIMAL)


def test_only_present_sections_are_rendered() -> None:
    desc = StoryDescription(role="a", want="b", benefit="c", evidence=(("Queue", "Scam"),))
    wiki = to_wiki(desc)

    assert wiki == "*As a* a, *I want* b, *so that* c.\n\nh3. Evidence\n* *Queue:* Scam\n"
    headings = [plain_text(n) for n in to_adf(desc)["content"] if n["type"] == "heading"]
    assert headings == ["Evidence"]
