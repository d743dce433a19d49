"""The roadmap as a Markdown document stakeholders paste into a wiki page or a message: the same
columns, cards and filters as the page, people's words escaped so a title cannot inject links,
emphasis or HTML."""

from __future__ import annotations

from urllib.parse import urlencode

from tracker.services.digests.render import markdown_escape
from tracker.services.roadmap.board import Column, IdeaCard, InitiativeCard, Roadmap

LATER_NOTE = "Parked ideas are kept here: nothing is planned for them yet."
LATER_INITIATIVES = "Initiatives without an accepted idea wait here too."


def later_note(roadmap: Roadmap) -> str:
    """What "Later" means, said on the page and in the export (parked is a decision, not a date)."""
    return f"{LATER_NOTE} {LATER_INITIATIVES}" if roadmap.shows_initiatives else LATER_NOTE


def permalink(base_url: str, roadmap: Roadmap) -> str:
    """The page's address with its filters: the link people bookmark."""
    query = urlencode(roadmap.filters.as_args())
    return f"{base_url.rstrip('/')}/roadmap" + (f"?{query}" if query else "")


def score_words(card: IdeaCard) -> str:
    """ "RICE 32" : a score always names its framework, so two scales never read as one."""
    if card.score is None:
        return "not scored"
    return f"{card.framework.upper() or 'score'} {card.score:g}"


def idea_facts(card: IdeaCard, column: Column) -> str:
    """The line under an idea: its area and what the column says about it."""
    facts = [card.area]
    if column is Column.NEXT:
        facts.append(score_words(card))
    if card.stories.words:
        facts.append(card.stories.words)
    if column is Column.DELIVERED and card.delivered_at is not None:
        facts.append(f"delivered {card.delivered_at:%Y-%m-%d}")
    if card.benefit:
        facts.append(card.benefit)
    return "; ".join(facts)


def _idea_line(card: IdeaCard, base_url: str, column: Column, indent: str = "") -> str:
    url = f"{base_url.rstrip('/')}/suggestions/{card.id}"
    facts = markdown_escape(idea_facts(card, column))
    return f"{indent}- [{markdown_escape(card.title)}]({url}): {facts}"


def _initiative_lines(card: InitiativeCard, base_url: str) -> list[str]:
    url = f"{base_url.rstrip('/')}/initiatives/{card.id}"
    facts = [card.health.replace("_", " ")]
    if card.target:
        facts.append(f"target {card.target}")
    if card.progress_words:
        facts.append(card.progress_words)
    head = f"- **Initiative** [{markdown_escape(card.name)}]({url}): {'; '.join(facts)}"
    ideas = [
        _idea_line(idea, base_url, idea.column, indent="  ") + f" ({idea.status.label.lower()})"
        for idea in card.ideas
    ]
    return [head, *ideas]


def markdown(roadmap: Roadmap, *, base_url: str) -> str:
    """The whole roadmap, column by column."""
    lines = ["# Roadmap", ""]
    if roadmap.filters.area:
        lines.append(f"Area: {markdown_escape(roadmap.filters.area)}")
    lines.append(
        f"Generated {roadmap.generated_at:%Y-%m-%d %H:%M} UTC from {permalink(base_url, roadmap)}"
    )
    for column in roadmap.columns:
        lines += ["", f"## {column.label}", ""]
        if column is Column.LATER:
            lines += [later_note(roadmap), ""]
        if column is Column.DELIVERED:
            lines += [f"Delivered in the last {roadmap.recent_weeks} weeks.", ""]
        entries: list[str] = []
        for initiative in roadmap.initiatives.get(column, []):
            entries += _initiative_lines(initiative, base_url)
        entries += [_idea_line(idea, base_url, column) for idea in roadmap.ideas.get(column, [])]
        lines += entries or ["Nothing here."]
    return "\n".join(lines) + "\n"
