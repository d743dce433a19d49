"""How a digest points at a suggestion: a Ref with its tracker link and its Jira issue.

Ref = {"id", "title", "url", "area", "status", "status_label", "jira_key", "jira_url"}. A
suggestion's Jira issue is its first pushed story. Sections carry bare suggestion ids until
`load` fetches every Ref of the digest at once (two queries, whatever the number of items).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from tracker.models import JiraLink, Status, StoryDraft, Suggestion
from tracker.services.digests.scope import DigestScope, Links
from tracker.services.digests.standing import PUSHED, jira_url
from tracker.services.suggestions import visibility


def load(
    session: Session, scope: DigestScope, links: Links, wanted: Iterable[int | None]
) -> dict[int, dict[str, Any]]:
    """A Ref per suggestion id the reader may see, with its first pushed story's Jira issue."""
    ids = sorted({suggestion_id for suggestion_id in wanted if suggestion_id is not None})
    if not ids:
        return {}
    found = session.exec(
        select(
            col(Suggestion.id), col(Suggestion.title), col(Suggestion.area), col(Suggestion.status)
        ).where(col(Suggestion.id).in_(ids), visibility.visible_clause(scope.viewer))
    ).all()
    issues: dict[int, tuple[str | None, str | None]] = {}
    for story_of, story_key, browse_url in session.exec(
        select(col(StoryDraft.suggestion_id), col(JiraLink.jira_key), col(JiraLink.browse_url))
        .join(JiraLink, col(JiraLink.story_id) == col(StoryDraft.id))
        .where(col(StoryDraft.suggestion_id).in_(ids), col(JiraLink.state) == PUSHED)
        .order_by(col(JiraLink.pushed_at), col(JiraLink.id))
    ).all():
        issues.setdefault(story_of, (story_key, jira_url(browse_url)))
    refs = {}
    for suggestion_id, title, area, status in found:
        assert suggestion_id is not None
        key, url = issues.get(suggestion_id, (None, None))
        refs[suggestion_id] = {
            "id": suggestion_id,
            "title": title,
            "url": links.suggestion(suggestion_id),
            "area": area,
            "status": Status(status).value,
            "status_label": Status(status).label,
            "jira_key": key,
            "jira_url": url,
        }
    return refs


def ref(refs: dict[int, dict[str, Any]], suggestion_id: int | None) -> dict[str, Any] | None:
    return None if suggestion_id is None else refs.get(suggestion_id)


def with_refs(items: list[dict[str, Any]], refs: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The items with their suggestion id swapped for its Ref (items without one are dropped)."""
    return [
        {**item, "suggestion": refs[item["suggestion"]]}
        for item in items
        if item["suggestion"] in refs
    ]
