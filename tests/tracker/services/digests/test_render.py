"""Digest rendering: the email's HTML and text parts, its subject, and the Markdown export, from
hand-written content (tests/helpers/digest_samples.py) and from a digest built on real data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from typing import Any

import markdown
import pytest
from flask import Flask

from tests.helpers.digest_samples import BASE, EVIL_LINK, EVIL_SCRIPT, JIRA, sample_content
from tests.helpers.journeys import score_and_accept, seed_suggestion
from tracker import db
from tracker.models import Audience, Role
from tracker.services.digests import charts
from tracker.services.digests import content as digest_content
from tracker.services.digests.render import (
    email_subject,
    markdown_escape,
    render_email,
    render_markdown,
)
from tracker.services.email.mailer import OutgoingEmail, build_message

UNSUBSCRIBE = f"{BASE}/unsubscribe/signed-token"
PERMALINK = f"{BASE}/digests/41"


class _Tags(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def attr_values(self, tag: str, attr: str) -> list[str]:
        return [a[attr] or "" for t, a in self.tags if t == tag and attr in a]


def tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def templates_app(make_module_app: Callable[..., Flask]) -> Flask:
    """Rendering reads no data, only the app's templates: one app serves the module."""
    return make_module_app("sqlite")


@pytest.fixture
def render_app(templates_app: Flask) -> Iterator[Flask]:
    with templates_app.app_context():
        yield templates_app


@pytest.fixture
def email(render_app: Flask) -> tuple[str, str]:
    html, text, images = render_email(
        sample_content(), unsubscribe_url=UNSUBSCRIBE, web_url=PERMALINK
    )
    assert images == ()  # charts are table cells, not pictures
    return html, text


# --- subject ------------------------------------------------------------------------------------


def test_subject_names_the_period_the_reader_and_the_counts() -> None:
    subject = email_subject(sample_content(subject_name="Acme\nModeration", audience="vendor"))
    assert subject == (
        "Status digest: 16 Nov - 23 Nov 2026 · Acme Moderation (3 new, 3 decided, 1 delivered)"
    )


def test_a_submitter_subject_does_not_repeat_their_own_name() -> None:
    content = sample_content(audience="submitter", subject_key="user:4", subject_name="Ann Agent")
    assert "Ann Agent" not in email_subject(content)


# --- the email's HTML part ----------------------------------------------------------------------


def test_html_links_every_item_to_the_tracker_and_to_jira(email: tuple[str, str]) -> None:
    hrefs = set(tags(email[0]).attr_values("a", "href"))
    for suggestion_id in (21, 22, 23, 12, 14, 15, 7, 9, 5):
        assert f"{BASE}/suggestions/{suggestion_id}" in hrefs
    for key in ("OPS-12", "OPS-10", "OPS-9", "OPS-5"):
        assert f"{JIRA}/{key}" in hrefs
    assert f"{BASE}/initiatives/3" in hrefs
    assert {UNSUBSCRIBE, PERMALINK} <= hrefs


def test_html_is_inline_styled_with_no_script_stylesheet_or_remote_image(
    email: tuple[str, str],
) -> None:
    html = email[0]
    found = tags(html)
    names = {tag for tag, _ in found.tags}
    assert {"script", "link", "style", "img", "svg", "iframe"}.isdisjoint(names)
    assert "<script" not in html.lower()
    styled = [a for _, a in found.tags if a.get("style")]
    assert len(styled) > 50, "mail clients drop <style>; every element carries its own"
    assert found.attr_values("table", "role").count("presentation") > 5  # table layout
    assert not [s for s in found.attr_values("img", "src") if s.startswith(("http", "//"))]


def test_html_shows_counts_sections_and_chart_bars(email: tuple[str, str]) -> None:
    html = email[0]
    for heading in ("Summary", "New ideas (3)", "Decisions", "Pushed to Jira", "Delivered"):
        assert heading in html
    for heading in ("Jira status changes", "Stalled", "Initiatives", "Top of the backlog"):
        assert heading in html
    assert "Lead times" in html
    assert "2.5 d" in html
    assert "6.0 d" in html
    assert "12.5 h/week" in html
    assert "The queue tool cannot colour rows" in html  # the decline reason
    assert "Waiting on the appeals API." in html
    widths = tags(html).attr_values("td", "width")
    assert "220" in widths
    assert "110" in widths


def test_html_escapes_hostile_titles(email: tuple[str, str]) -> None:
    html = email[0]
    assert EVIL_SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert EVIL_LINK in html  # shown as the words typed: HTML does not read Markdown
    assert not [h for h in tags(html).attr_values("a", "href") if "evil" in h]


# --- the email's text part ----------------------------------------------------------------------


def test_text_part_carries_the_same_facts_and_links(email: tuple[str, str]) -> None:
    text = email[1]
    assert text.startswith("Status digest: 16 Nov - 23 Nov 2026\n=")
    assert "For All PMs, Mon 16 Nov 2026 09:00 to Mon 23 Nov 2026 09:00 GMT" in text
    for line in ("- New ideas: 3", "- Accepted: 1", "- Declined: 1", "- Merged: 1"):
        assert line in text
    assert "- Hours saved / week: 12.5" in text
    assert "- Content spam: 2" in text
    assert "- Acme Moderation: 1" in text
    assert f"#12 Prefill the appeal reason <{BASE}/suggestions/12> · OPS-12 <{JIRA}/OPS-12>" in text
    assert f"into #7 Auto-close duplicate tickets <{BASE}/suggestions/7>" in text
    assert "Reason: The queue tool cannot colour rows; see the vendor roadmap." in text
    assert "To Do -> In Progress" in text
    assert "In Review for 24 days (since 30 Oct 2026)" in text
    assert "At risk, 38% done (2 of 5 stories, 5 of 13 points), 1 stuck" in text
    assert "- Submitted to decided: 2.5 d / 6.0 d over 3 ideas" in text
    assert "- Submitted to done: no ideas yet" in text
    assert f"Unsubscribe: {UNSUBSCRIBE}" in text
    assert PERMALINK in text
    assert "\n\n\n" not in text


def test_text_part_keeps_hostile_titles_as_typed_on_one_line(render_app: Flask) -> None:
    content = sample_content()
    content["new_suggestions"]["items"][0]["title"] = "Two\nlines <b>bold</b>"
    _, text, _ = render_email(content, unsubscribe_url=UNSUBSCRIBE)
    assert f"- #21 Two lines <b>bold</b> <{BASE}/suggestions/21> (Content spam)" in text
    assert f"#22 Macro for {EVIL_LINK} refunds" in text  # plain text: nothing to inject


# --- Markdown -----------------------------------------------------------------------------------


def test_markdown_has_headings_bullets_and_links(render_app: Flask) -> None:
    md = render_markdown(sample_content(), web_url=PERMALINK)
    lines = md.splitlines()
    assert lines[0] == "# Status digest: 16 Nov - 23 Nov 2026"
    assert "## Decisions" in lines
    assert "## Lead times (median / 90th percentile)" in lines
    assert (
        f"- Accepted: [#12 Prefill the appeal reason]({BASE}/suggestions/12) · "
        f"[OPS-12]({JIRA}/OPS-12) (18 Nov 2026)"
    ) in lines
    assert f"- [OPS-10]({JIRA}/OPS-10) Faster appeals: To Do -> In Progress" in md
    assert f"1. [#7 Auto-close duplicate tickets]({BASE}/suggestions/7) (score 42.0)" in lines
    assert f"[this digest in the tracker]({PERMALINK})" in md
    assert "Unsubscribe" not in md  # an export, not an email


def test_markdown_titles_cannot_inject_links_formatting_or_html(render_app: Flask) -> None:
    content = sample_content()
    content["new_suggestions"]["items"][2]["title"] = "*loud* _x_ `code` <!here> & co"
    md = render_markdown(content)
    assert "[x](http://evil)" not in md
    assert "<script>" not in md
    assert "<!here>" not in md
    assert r"\[x\]\(http://evil\)" in md
    # What a Markdown reader makes of it: only our own links, the titles as written.
    html = markdown.markdown(md)
    hrefs = tags(html).attr_values("a", "href")
    assert not [h for h in hrefs if "evil" in h]
    assert {t for t, _ in tags(html).tags}.isdisjoint({"script", "em", "strong", "code"})
    assert "Macro for [x](http://evil) refunds" in html
    assert "Block spam &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "*loud* _x_ `code` &lt;!here&gt; &amp; co" in html


def test_a_second_story_is_shown_with_its_own_key_not_the_ideas_first(render_app: Flask) -> None:
    # Idea #12's first issue is OPS-12; OPS-13 is another of its stories.
    content = sample_content()
    summary = "As an agent I want the reason kept"
    second = {"jira_key": "OPS-13", "jira_url": f"{JIRA}/OPS-13", "summary": summary}
    content["pushed"][0].update(second)
    content["status_changes"][0].update(second)
    html, text, _ = render_email(content, unsubscribe_url=UNSUBSCRIBE)
    md = render_markdown(content)
    idea_text = f"#12 Prefill the appeal reason <{BASE}/suggestions/12>"
    idea_md = f"[#12 Prefill the appeal reason]({BASE}/suggestions/12)"
    text_lines, md_lines = (
        [line for line in rendered.splitlines() if "OPS-13" in line] for rendered in (text, md)
    )
    assert text_lines == [
        f"- OPS-13 <{JIRA}/OPS-13> {summary}, from {idea_text} (18 Nov 2026)",
        f"- OPS-13 <{JIRA}/OPS-13> {summary}: To Do -> In Progress, idea {idea_text}"
        " (Fri 20 Nov 09:00)",
    ]
    assert md_lines == [
        f"- [OPS-13]({JIRA}/OPS-13) {summary}, from {idea_md} (18 Nov 2026)",
        f"- [OPS-13]({JIRA}/OPS-13) {summary}: To Do -> In Progress, idea {idea_md}"
        " (Fri 20 Nov 09:00)",
    ]
    # The idea's own line (its decision) still names its first issue, in every format.
    assert f"{idea_text} · OPS-12 <{JIRA}/OPS-12>" in text
    assert f"{idea_md} · [OPS-12]({JIRA}/OPS-12)" in md
    assert f"{JIRA}/OPS-13" in tags(html).attr_values("a", "href")


def test_markdown_escape_flattens_lines_and_escapes_specials() -> None:
    assert markdown_escape("a\n# b") == r"a \# b"
    assert markdown_escape("[a](b) *c* <d> & |e| ~f~") == (
        r"\[a\]\(b\) \*c\* &lt;d&gt; &amp; \|e\| \~f\~"
    )


# --- robustness ---------------------------------------------------------------------------------


def test_links_that_are_not_http_are_dropped_everywhere(render_app: Flask) -> None:
    content = sample_content()
    content["new_suggestions"]["items"][0]["url"] = "javascript:alert(1)"
    content["pushed"][0]["jira_url"] = "data:text/html,<b>x</b>"
    html, text, _ = render_email(content, unsubscribe_url=UNSUBSCRIBE)
    md = render_markdown(content)
    for rendered in (html, text, md):
        assert "javascript:" not in rendered
        assert "data:text" not in rendered
    assert "#21 Block spam" in text  # the item stays, without its link


def test_a_quiet_period_and_missing_sections_render(render_app: Flask) -> None:
    content: dict[str, Any] = {
        "title": "Status digest: 1 Jun - 8 Jun 2026",
        "timezone": "Not/AZone",
        "period": {"start": "2026-06-01T08:00:00+00:00", "end": "2026-06-08T08:00:00+00:00"},
    }
    html, text, _ = render_email(content, unsubscribe_url=UNSUBSCRIBE)
    assert "Nothing new happened in this period." in text
    assert "Nothing new happened in this period." in html
    assert "Mon 01 Jun 2026 08:00 to Mon 08 Jun 2026 08:00 UTC" in text
    assert "Decisions" not in text
    assert "## Decisions" not in render_markdown(content)


def test_initiatives_withheld_from_a_reader_show_their_names_only(render_app: Flask) -> None:
    content = sample_content(audience="vendor", subject_key="org:3", subject_name="Acme")
    withheld = "url jira_key jira_url health health_label percent stories_done stories_total"
    content["initiatives"] = [
        {"id": 3, "name": "Faster appeals", **dict.fromkeys(withheld.split()), "detail": False}
    ]
    html, text, _ = render_email(content, unsubscribe_url=UNSUBSCRIBE)
    assert "- Faster appeals\n" in text
    assert "% done" not in text
    assert "None" not in text
    assert "None" not in html


def test_the_rendered_email_goes_through_the_mailer_as_multipart(email: tuple[str, str]) -> None:
    html, text = email
    message = build_message(
        OutgoingEmail(
            to="ann@example.com", subject=email_subject(sample_content()), text=text, html=html
        ),
        from_address="tracker@example.com",
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    plain = parsed.get_body(preferencelist=("plain",))
    rich = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert rich is not None
    assert "- Delivered: 1" in plain.get_content()
    assert "Unsubscribe from digests" in rich.get_content()


# --- charts -------------------------------------------------------------------------------------


def test_bars_scale_to_the_largest_value() -> None:
    result = charts.bars([("a", 4), ("b", 1), ("c", 0)], width_px=200)
    assert [(b.percent, b.px) for b in result] == [(100, 200), (25, 50), (0, 0)]
    assert charts.bars([("a", 1), ("b", 1000)], width_px=200)[0].px == 2  # still visible
    assert charts.bars([]) == []
    assert charts.percent(1, 3) == 33
    assert charts.percent(5, 0) == 0
    assert charts.split_px(38, width_px=200) == (76, 124)


# --- a digest built from real data -------------------------------------------------------------


def test_a_digest_built_from_the_database_renders(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    pm = make_user(Role.PM)
    agent = make_user(Role.SUBMITTER)
    start = datetime.now(UTC) - timedelta(days=1)
    hostile = seed_suggestion(app, agent, title=f"Block {EVIL_SCRIPT} and {EVIL_LINK}")
    accepted = seed_suggestion(app, agent, title="Prefill the refund reason")
    inputs = {"reach": "400", "impact": "2", "confidence": "80", "effort": "1"}
    score_and_accept(app, pm, accepted, inputs)
    settings = app.config["SETTINGS"]
    with db.session_scope(app) as session:
        content = digest_content.build(
            session,
            audience=Audience.PM,
            subject_key="all",
            period_start=start,
            period_end=datetime.now(UTC) + timedelta(seconds=1),
            settings=settings,
        )
    with app.app_context():
        html, text, _ = render_email(content, unsubscribe_url=UNSUBSCRIBE)
        md = render_markdown(content)
    base = settings.base_url.rstrip("/")
    assert "- New ideas: 2" in text
    assert "- Accepted: 1" in text
    assert f"Accepted: #{accepted.id} Prefill the refund reason <{base}/suggestions/" in text
    assert f'href="{base}/suggestions/{hostile.id}"' in html
    new_line = (
        f"- #{hostile.id} Block {EVIL_SCRIPT} and {EVIL_LINK} <{base}/suggestions/{hostile.id}>"
    )
    assert f"{new_line} (Content spam)" in text
    assert EVIL_SCRIPT not in html
    assert "[x](http://evil)" not in md
    assert f"Accepted: [#{accepted.id} Prefill the refund reason]({base}/suggestions/" in md
