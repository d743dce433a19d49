"""Story drafts and initiatives as Jira fields, and Jira's create answers mapped back to the
items sent (pure: no HTTP, no database).

Cloud (REST v3) takes the description as Atlassian Document Format and puts a story under its
epic with `parent`; Data Center (REST v2) takes wiki markup and the site's Epic Link field, and
an epic there also needs its Epic Name. Fields missing from the create screen are left out,
because Jira refuses a create that sets one ("cannot be set ... not on the appropriate screen").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync.jira.client import CLOUD, Flavour
from sync.jira.discovery import NOT_ON_SCREEN, SiteMetadata
from sync.mapping.description import AdfNode, Criterion, StoryDescription, to_adf, to_wiki
from tracker.config import JiraSettings
from tracker.models import Initiative, StoryDraft, Suggestion
from tracker.services.stories.drafts import suggestion_url

__all__ = [
    "Created",
    "Outcome",
    "Refused",
    "Unknown",
    "Unsent",
    "browse_url",
    "bulk_outcomes",
    "description_for",
    "epic_edit_fields",
    "epic_fields",
    "epic_key_in",
    "epic_refusal",
    "refusal_reason",
    "rendered",
    "site_label",
    "story_edit_fields",
    "story_fields",
    "story_labels",
]


# ---- what happened to one item sent -------------------------------------------------------------
@dataclass(frozen=True)
class Created:
    jira_id: str
    key: str
    # The epic the issue is under, where the answer shows it (a label search does; a create's
    # answer does not, the fields sent say it).
    epic_key: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Refused:
    """Jira refused the item; nothing was created. `reason` quotes Jira; `field_errors` holds
    its complaints by field id (a field the site's metadata put in may have gone away)."""

    reason: str
    field_errors: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Unknown:
    """Jira may or may not have created the item; look for its label before sending again."""

    reason: str


@dataclass(frozen=True)
class Unsent:
    """Jira certainly did not take the item (it refused the call without acting on it, or the
    call never left); it can go back to the queue as it was."""

    reason: str


Outcome = Created | Refused | Unknown | Unsent


# ---- descriptions -------------------------------------------------------------------------------
def description_for(draft: StoryDraft, suggestion: Suggestion, base_url: str) -> StoryDescription:
    """The Jira description of a draft, linking back to its suggestion.

    The evidence figures and links live in the draft's editable context, so they are not repeated
    in the renderer's evidence and links sections.
    """
    assert suggestion.id is not None
    return StoryDescription(
        role=draft.role,
        want=draft.want,
        benefit=draft.benefit,
        context=draft.context,
        acceptance_criteria=tuple(
            Criterion(
                given=str(row.get("given") or ""),
                when=str(row.get("when") or ""),
                then=str(row.get("then") or ""),
            )
            for row in draft.acceptance_criteria
        ),
        source_url=suggestion_url(base_url, suggestion.id),
        source_title=f"Suggestion #{suggestion.id}: {suggestion.title}",
    )


def rendered(description: StoryDescription, flavour: Flavour) -> str | AdfNode:
    """ADF for Cloud, wiki markup for Data Center."""
    return to_adf(description) if flavour == CLOUD else to_wiki(description)


def initiative_url(base_url: str, initiative_id: int) -> str:
    return f"{base_url.rstrip('/')}/initiatives/{initiative_id}"


def _epic_description(url: str, flavour: Flavour) -> str | AdfNode:
    # Only our own text and the URL: the initiative's name is the summary already, and free
    # text would need the wiki escaping sync/mapping/description.py does for stories.
    lead = "Initiative in the tracker: "
    if flavour != CLOUD:
        return f"{lead}[{url}]\n"
    link = {"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]}
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": lead}, link]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def browse_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/browse/{key}"


# ---- create and edit fields ---------------------------------------------------------------------
def _unique(*groups: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(name for group in groups for name in group if name))


def site_label(site_id: str) -> str:
    """The label every issue the tracker pushes to this site carries (beside its unique one):
    the status sync's incremental JQL selects the tracked issues by it."""
    return f"trk-{site_id}"


def story_labels(
    configured: Sequence[str], draft_labels: Sequence[str], unique: str, site: str = ""
) -> list[str]:
    """Configured labels, then the draft's, then the site label and the unique label that
    finds the issue again."""
    return _unique(configured, draft_labels, [site, unique])


def _text_fields(
    draft: StoryDraft, suggestion: Suggestion, site: SiteMetadata, tracker_url: str
) -> dict[str, Any]:
    fields: dict[str, Any] = {"summary": draft.summary.strip()}
    if site.on_story_screen("description"):
        description = description_for(draft, suggestion, tracker_url)
        fields["description"] = rendered(description, site.flavour)
    if draft.story_points is not None and site.on_story_screen(site.story_points_field):
        assert site.story_points_field is not None
        fields[site.story_points_field] = draft.story_points
    return fields


def _priority(draft: StoryDraft, site: SiteMetadata, jira: JiraSettings) -> dict[str, Any]:
    if draft.priority and site.on_story_screen("priority"):
        return {"priority": {"name": jira.priority_map.get(draft.priority, draft.priority)}}
    return {}


def story_fields(
    draft: StoryDraft,
    suggestion: Suggestion,
    *,
    site: SiteMetadata,
    jira: JiraSettings,
    tracker_url: str,
    label: str,
    epic_key: str | None = None,
) -> dict[str, Any]:
    """The create fields of a story; `label` is its unique label, `epic_key` its epic's key."""
    fields: dict[str, Any] = {
        "project": {"key": site.project_key},
        "issuetype": {"id": site.story_type_id},
        **_text_fields(draft, suggestion, site, tracker_url),
        # Always sent, even off-screen: without its label an issue cannot be found again after
        # a lost answer, so a refusal is better than a create that might be repeated.
        "labels": story_labels(jira.labels, draft.labels, label, site_label(jira.site_id)),
        **_priority(draft, site, jira),
    }
    components = _unique(jira.components, draft.components)
    if components and site.on_story_screen("components"):
        fields["components"] = [{"name": name} for name in components]
    if epic_key and site.on_story_screen(site.epic_field):
        fields.update(epic_edit_fields(site, epic_key))
    return fields


def story_edit_fields(
    draft: StoryDraft,
    suggestion: Suggestion,
    *,
    site: SiteMetadata,
    jira: JiraSettings,
    tracker_url: str,
    label: str,
    epic_key: str | None = None,
    previous_epic: str | None = None,
) -> dict[str, Any]:
    """What "Update in Jira" sets on a pushed story's issue: summary, description, story
    points, labels (its unique and site labels kept), priority and its epic, each only if on
    the story screen. `epic_key` is the epic it belongs under (None: none), `previous_epic` the
    one the tracker last put it under; with neither, the epic field is left out, so an epic
    set by hand in Jira stays. Components are left alone: one removed from the project since
    the create would fail the whole edit.

    The labels are the tracker's (its unique and site labels among them: the status sync finds
    the issue by them); update_pushed_story adds them, so labels added in Jira stay."""
    fields = _text_fields(draft, suggestion, site, tracker_url)
    if site.on_story_screen("labels"):
        fields["labels"] = story_labels(jira.labels, draft.labels, label, site_label(jira.site_id))
    fields.update(_priority(draft, site, jira))
    if (epic_key or previous_epic) and site.on_story_screen(site.epic_field):
        fields.update(epic_edit_fields(site, epic_key))
    return fields


# ---- the epic a story is under ------------------------------------------------------------------
def epic_edit_fields(site: SiteMetadata, epic_key: str | None) -> dict[str, Any]:
    """The field that puts a story under the epic `epic_key`, or with None out of its epic:
    `parent` on Cloud, the site's Epic Link field on Data Center (empty if the site has none).
    Jira clears either when given null."""
    if site.flavour == CLOUD:
        return {"parent": {"key": epic_key} if epic_key else None}
    if site.epic_link_field is None:
        return {}
    return {site.epic_link_field: epic_key}


def epic_key_in(fields: Mapping[str, Any], epic_field: str | None) -> str | None:
    """The key of the epic these fields put a story under: create fields as sent, or an issue's
    fields as Jira returns them (`parent` is an object with the key on Cloud, the Epic Link a
    plain key on Data Center). `epic_field` is SiteMetadata.epic_field. None when they name no
    epic."""
    value = fields.get(epic_field) if epic_field else None
    if isinstance(value, Mapping):
        value = value.get("key")
    return value if isinstance(value, str) and value else None


def epic_refusal(
    site: SiteMetadata,
    field_errors: Mapping[str, str],
    messages: Sequence[str],
    *,
    story_key: str,
    epic_key: str | None,
) -> str:
    """Why Jira would not put a story's issue under its epic (or take it out of one), worded
    as what the PM or a Jira admin should change."""
    if epic_key:
        doing = f"put {story_key} under the epic {epic_key}"
    else:
        doing = f"take {story_key} out of its epic"
    if site.epic_field is None:
        return (
            f"Jira cannot {doing}: the tracker found no Epic Link field on the site; set "
            "jira.epic_link_field to its id, then use Update in Jira on the story."
        )
    name = site.field_names.get(site.epic_field) or (
        "Parent" if site.flavour == CLOUD else "Epic Link"
    )
    complaint = field_errors.get(site.epic_field, "").casefold()
    if any(words in complaint for words in NOT_ON_SCREEN):
        return (
            f"Jira would not {doing}: the {name} field is not on the edit screen of "
            f"{site.project_key}'s stories. A Jira admin should add it to that screen; then "
            "use Update in Jira on the story."
        )
    said = refusal_reason(messages, field_errors, site.field_names)
    said = said.removeprefix("Jira refused the issue: ").rstrip(".")
    return (
        f"Jira would not {doing}: {said}. Change that in Jira (or the story's initiative), "
        "then use Update in Jira on the story."
    )


# ---- an initiative's epic -----------------------------------------------------------------------
def epic_fields(
    initiative: Initiative,
    *,
    site: SiteMetadata,
    jira: JiraSettings,
    tracker_url: str,
    label: str,
) -> dict[str, Any]:
    """The create fields of an initiative's epic. Raises ValueError if the site has no epic
    issue type (discovery found none under jira.epic_issue_type)."""
    if site.epic_type_id is None:
        raise ValueError(
            f"Project {site.project_key} has no issue type '{jira.epic_issue_type}' for epics; "
            "set jira.epic_issue_type."
        )
    assert initiative.id is not None
    fields: dict[str, Any] = {
        "project": {"key": site.project_key},
        "issuetype": {"id": site.epic_type_id},
        "summary": initiative.name.strip(),
        "labels": _unique(jira.labels, [site_label(jira.site_id), label]),
    }
    if "description" in site.epic_fields:
        url = initiative_url(tracker_url, initiative.id)
        fields["description"] = _epic_description(url, site.flavour)
    if site.epic_name_field and site.epic_name_field in site.epic_fields:
        fields[site.epic_name_field] = initiative.name.strip()
    return fields


# ---- Jira's answers -----------------------------------------------------------------------------
def refusal_reason(
    messages: Sequence[str], field_errors: Mapping[str, str], field_names: Mapping[str, str]
) -> str:
    """Jira's own words about a refused create, fields named as Jira shows them."""
    parts = [m.strip().rstrip(".") for m in messages if m and m.strip()]
    parts += [
        f"{field_names.get(fid, fid)}: {text.strip().rstrip('.')}"
        for fid, text in field_errors.items()
    ]
    said = "; ".join(parts) or "no reason given"
    return f"Jira refused the issue: {said}."


def _element_refusal(element: Mapping[str, Any], field_names: Mapping[str, str]) -> Refused:
    inner = element.get("elementErrors")
    inner = inner if isinstance(inner, Mapping) else {}
    raw_messages = inner.get("errorMessages")
    messages = [str(m) for m in raw_messages] if isinstance(raw_messages, list) else []
    raw_errors = inner.get("errors")
    errors = (
        {str(k): str(v) for k, v in raw_errors.items()} if isinstance(raw_errors, Mapping) else {}
    )
    return Refused(refusal_reason(messages, errors, field_names), errors)


def _created(item: Any) -> Created | None:
    if isinstance(item, Mapping) and item.get("id") and item.get("key"):
        return Created(str(item["id"]), str(item["key"]))
    return None


def bulk_outcomes(
    answer: Mapping[str, Any], count: int, field_names: Mapping[str, str]
) -> list[Outcome]:
    """What happened to each of the `count` issues of a bulk create, in the order sent.

    Jira lists the created issues in input order, skipping the failed ones, and names each
    failure by its index (`failedElementNumber`). If the answer does not add up, nothing is
    guessed: every item is Unknown and its label decides (a wrong "refused" would let a later
    push create the issue a second time).
    """
    issues = answer.get("issues")
    errors = answer.get("errors")
    issues = issues if isinstance(issues, list) else []
    errors = errors if isinstance(errors, list) else []
    failed: dict[int, Refused] = {}
    for element in errors:
        number = element.get("failedElementNumber") if isinstance(element, Mapping) else None
        if isinstance(number, int) and 0 <= number < count and number not in failed:
            failed[number] = _element_refusal(element, field_names)
    created = [_created(item) for item in issues]
    consistent = (
        len(failed) == len(errors)
        and len(created) + len(failed) == count
        and all(c is not None for c in created)
    )
    if not consistent:
        return [
            Unknown("Jira's answer to the bulk create did not account for every issue.")
        ] * count
    made = iter(created)
    outcomes: list[Outcome] = []
    for index in range(count):
        if index in failed:
            outcomes.append(failed[index])
        else:
            done = next(made)
            assert done is not None
            outcomes.append(done)
    return outcomes
