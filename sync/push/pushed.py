"""Jira issues the tracker made already: found again by their unique label (after an unknown
outcome) or by key (to relink a story), and updated when a pushed story is edited ("Update in
Jira", which also puts the story under its initiative's epic).

Nothing here creates an issue; the push engine (sync/push/engine.py) is the only place that does.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlmodel import Session

from sync.jira.client import JiraClient
from sync.jira.errors import JiraNotFound, JiraRejected
from sync.jira.metadata_store import metadata_cache
from sync.mapping.payload import (
    Created,
    browse_url,
    epic_key_in,
    epic_refusal,
    story_edit_fields,
)
from tracker.config import Settings
from tracker.errors import Conflict, NotFound, PermissionDenied
from tracker.models import JiraLink, PushState, Suggestion, User, utcnow
from tracker.permissions import Permission, allowed
from tracker.services.stories import drafts, push_queue

log = logging.getLogger(__name__)


def find_by_labels(
    client: JiraClient,
    project_key: str,
    labels: Collection[str],
    *,
    epic_field: str | None = None,
) -> dict[str, Created]:
    """The issue carrying each label, by label (one JQL search; labels absent from Jira are
    absent here), with the epic it is under read from `epic_field` (SiteMetadata.epic_field)
    in the same search. Should a label be on two issues, the older one wins."""
    wanted = sorted(set(labels))
    if not wanted:
        return {}
    jql = (
        f"project = {_jql_string(project_key)} AND "
        f"labels in ({', '.join(_jql_string(label) for label in wanted)})"
    )
    found: dict[str, Created] = {}
    names = ["labels", epic_field] if epic_field else ["labels"]
    for issue in client.search(jql, names, page_size=max(len(wanted), 10)):
        fields = issue.get("fields")
        carried = fields.get("labels") if isinstance(fields, dict) else None
        if not issue.get("id") or not issue.get("key") or not isinstance(carried, list):
            continue
        assert isinstance(fields, dict)
        created = Created(str(issue["id"]), str(issue["key"]), epic_key_in(fields, epic_field))
        for label in set(wanted).intersection(map(str, carried)):
            earlier = found.get(label)
            if earlier is not None:
                log.warning("Jira has two issues labelled %s: %s and %s", label, earlier, created)
            if earlier is None or _id_order(created) < _id_order(earlier):
                found[label] = created
    return found


def _jql_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _id_order(issue: Created) -> tuple[int, str]:
    return (int(issue.jira_id) if issue.jira_id.isdigit() else 0, issue.jira_id)


def update_pushed_story(
    session: Session, client: JiraClient, *, settings: Settings, actor: User, story_id: int
) -> JiraLink:
    """Bring the story's Jira issue up to date (an edit, never a create): summary, description,
    story points, labels, priority, and the epic of its initiative (see story_edit_fields).
    Records the epic and clears a refused move's reason. Raises NotFound/PermissionDenied,
    Conflict when the story is not in Jira, and the client's JiraError when Jira refuses. Does
    not commit."""
    if not allowed(actor, Permission.MANAGE_STORIES):
        raise PermissionDenied("Only product managers can update stories in Jira.")
    draft = drafts.get_draft(session, actor=actor, draft_id=story_id)
    link = push_queue.link_for_story(session, story_id=story_id)
    if link is None or link.state != PushState.PUSHED or not (link.jira_id or link.jira_key):
        raise Conflict("This story is not in Jira yet; push it first.")
    suggestion = session.get(Suggestion, draft.suggestion_id)
    if suggestion is None:
        raise NotFound(f"Suggestion {draft.suggestion_id} does not exist.")
    site = metadata_cache.get(client, settings.jira)
    epic = _epic_of(session, draft.initiative_id)
    fields = story_edit_fields(
        draft,
        suggestion,
        site=site,
        jira=settings.jira,
        tracker_url=settings.base_url,
        label=link.label,
        epic_key=epic,
        previous_epic=link.epic_key,
    )
    # Added, never set: a label someone put on the issue in Jira stays.
    labels = fields.pop("labels", None)
    update = {"labels": [{"add": name} for name in labels]} if labels else None
    # The id survives a move to another project; the key may not.
    issue = link.jira_id or link.jira_key or ""
    moved = site.epic_field is not None and site.epic_field in fields
    try:
        client.edit_issue(issue, fields, update=update)
    except JiraRejected as exc:
        if site.outdated_by(exc.field_errors):  # the next try discovers the site again
            metadata_cache.forget(client.base_url)
        if not (moved and set(exc.field_errors) == {site.epic_field} and not exc.messages):
            raise
        # Jira refused only the epic (the field is not on the edit screen, the epic is gone):
        # the rest of the update still goes, and the story shows why it is not under its epic.
        link.epic_error = epic_refusal(
            site, exc.field_errors, exc.messages, story_key=link.jira_key or issue, epic_key=epic
        )
        moved = False
        rest = {k: v for k, v in fields.items() if k != site.epic_field}
        client.edit_issue(issue, rest, update=update)
    else:
        link.epic_error = ""
    if moved:
        link.epic_key = epic
    log.info("updated %s from story %s", link.jira_key, story_id)
    link.updated_at = utcnow()
    session.add(link)
    session.flush()
    return link


def _epic_of(session: Session, initiative_id: int | None) -> str | None:
    """The key of the initiative's epic, if it is in Jira."""
    if initiative_id is None:
        return None
    epic = push_queue.link_for_epic(session, initiative_id=initiative_id)
    return epic.jira_key if epic is not None and epic.state == PushState.PUSHED else None


def find_issue_for_relink(client: JiraClient, key: str) -> tuple[str, str, str]:
    """(id, current key, browse URL) of an existing issue, for linking a story to it. Raises
    JiraNotFound if the issue does not exist or the account cannot see it."""
    issue = client.get_issue(key.strip(), ["summary"])
    if not issue.get("id") or not issue.get("key"):
        raise JiraNotFound(f"Jira has no issue {key}.", status=404)
    current = str(issue["key"])
    return str(issue["id"]), current, browse_url(client.base_url, current)
