"""Jira issues the tracker made already: found again by their unique label (after an unknown
outcome) or by key (to relink a story), and updated when a pushed story is edited.

Nothing here creates an issue; the push engine (sync/push/engine.py) is the only place that does.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlmodel import Session

from sync.jira.client import JiraClient
from sync.jira.errors import JiraNotFound, JiraRejected
from sync.jira.metadata_store import metadata_cache
from sync.mapping.payload import Created, browse_url, story_edit_fields
from tracker.config import Settings
from tracker.errors import Conflict, NotFound, PermissionDenied
from tracker.models import JiraLink, PushState, Suggestion, User, utcnow
from tracker.permissions import Permission, allowed
from tracker.services.stories import drafts, push_queue

log = logging.getLogger(__name__)


def find_by_labels(
    client: JiraClient, project_key: str, labels: Collection[str]
) -> dict[str, Created]:
    """The issue carrying each label, by label (one JQL search; labels absent from Jira are
    absent here). Should a label be on two issues, the older one wins."""
    wanted = sorted(set(labels))
    if not wanted:
        return {}
    jql = (
        f"project = {_jql_string(project_key)} AND "
        f"labels in ({', '.join(_jql_string(label) for label in wanted)})"
    )
    found: dict[str, Created] = {}
    for issue in client.search(jql, ["labels"], page_size=max(len(wanted), 10)):
        fields = issue.get("fields")
        carried = fields.get("labels") if isinstance(fields, dict) else None
        if not issue.get("id") or not issue.get("key") or not isinstance(carried, list):
            continue
        created = Created(str(issue["id"]), str(issue["key"]))
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
    """Send the draft's summary, description and story points to its Jira issue (an edit,
    never a create). Raises NotFound/PermissionDenied, Conflict when the story is not in Jira,
    and the client's JiraError when Jira refuses. Does not commit."""
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
    fields = story_edit_fields(draft, suggestion, site=site, tracker_url=settings.base_url)
    try:
        # The id survives a move to another project; the key may not.
        client.edit_issue(link.jira_id or link.jira_key or "", fields)
    except JiraRejected as exc:
        if site.outdated_by(exc.field_errors):  # the next try discovers the site again
            metadata_cache.forget(client.base_url)
        raise
    log.info("updated %s from story %s", link.jira_key, story_id)
    link.updated_at = utcnow()
    session.add(link)
    session.flush()
    return link


def find_issue_for_relink(client: JiraClient, key: str) -> tuple[str, str, str]:
    """(id, current key, browse URL) of an existing issue, for linking a story to it. Raises
    JiraNotFound if the issue does not exist or the account cannot see it."""
    issue = client.get_issue(key.strip(), ["summary"])
    if not issue.get("id") or not issue.get("key"):
        raise JiraNotFound(f"Jira has no issue {key}.", status=404)
    current = str(issue["key"])
    return str(issue["id"]), current, browse_url(client.base_url, current)
