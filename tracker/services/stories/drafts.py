"""Story drafts: generated from accepted suggestions, edited by PMs, linted, marked ready.

Editing a ready draft keeps it ready only while it still passes lint; the moment an edit breaks
a rule it goes back to draft, so "ready" always means "passes lint" (a later push issue pushes
only ready drafts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.config import StorySettings
from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.models import (
    DraftState,
    JiraLink,
    PushState,
    Status,
    StoryDraft,
    Suggestion,
    User,
    utcnow,
)
from tracker.pagination import Page, paginate
from tracker.permissions import Permission, require
from tracker.services.stories.readiness import (
    CRITERION_PARTS,
    criterion_is_blank,
    label_problem,
    lint,
    problems_by_field,
)
from tracker.services.stories.templates import context_text, story_text
from tracker.services.suggestions import score_inputs, scoring, visibility
from tracker.services.suggestions.submissions import get_suggestion

# Suggestions a story can be made from (and that can join an initiative).
STORY_READY_STATUSES = (Status.ACCEPTED, Status.IN_DELIVERY)
# Column limits of StoryDraft; lint applies Jira's stricter summary limit before "ready".
_SUMMARY_MAX = 400
_ROLE_MAX = 200
_PRIORITY_MAX = 40

_MANAGE_DENIED = "Only product managers can change story drafts."


def split_names(text: str | None) -> list[str]:
    """Labels or components from comma-separated text, trimmed, blanks and repeats dropped."""
    names: list[str] = []
    for part in (text or "").split(","):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


def priority_for(
    session: Session, *, actor: User, suggestion: Suggestion, priorities: Sequence[str]
) -> str:
    """Jira priority by score rank among accepted and in-delivery scored suggestions.

    The ranked list is split evenly across `priorities`, best first; equal scores share a rank.
    An unscored suggestion gets the middle priority.
    """
    if suggestion.score_value is None:
        return priorities[len(priorities) // 2]
    ranked = (
        select(func.count())
        .select_from(Suggestion)
        .where(
            col(Suggestion.status).in_(STORY_READY_STATUSES),
            col(Suggestion.score_value).is_not(None),
            visibility.visible_clause(actor),
        )
    )
    better = session.exec(ranked.where(col(Suggestion.score_value) > suggestion.score_value)).one()
    total = session.exec(ranked).one()
    return priorities[min(len(priorities) - 1, better * len(priorities) // max(total, 1))]


def story_points_for(suggestion: Suggestion, points_scale: Sequence[int]) -> int | None:
    """Points from the score's effort input, or None when unscored (lint then asks for them)."""
    if not suggestion.score_framework:
        return None
    try:
        return scoring.story_points_for_effort(
            suggestion.score_framework, suggestion.score_inputs, scale=points_scale
        )
    except (score_inputs.ScoreInputError, ValueError):
        return None


def generate_draft(
    session: Session, *, actor: User, suggestion_id: int, settings: StorySettings
) -> StoryDraft:
    """A new draft from an accepted suggestion; ValidationFailed names a broken config template."""
    require(actor, Permission.MANAGE_STORIES, _MANAGE_DENIED)
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    if suggestion.status not in STORY_READY_STATUSES:
        raise Conflict(
            f"Only accepted suggestions become stories; #{suggestion_id} is "
            f"{suggestion.status.label.lower()}."
        )
    text = story_text(suggestion, settings)
    assert suggestion.id is not None
    draft = StoryDraft(
        suggestion_id=suggestion.id,
        initiative_id=suggestion.initiative_id,
        summary=text.summary[:_SUMMARY_MAX],
        role=text.role[:_ROLE_MAX],
        want=text.want,
        benefit=text.benefit,
        context=context_text(suggestion),
        acceptance_criteria=text.criteria,
        story_points=story_points_for(suggestion, settings.points_scale),
        labels=list(settings.labels),
        components=list(settings.components),
        priority=priority_for(
            session, actor=actor, suggestion=suggestion, priorities=settings.priorities
        ),
        created_by_id=actor.id,
    )
    session.add(draft)
    session.flush()
    return draft


def get_draft(session: Session, *, actor: User, draft_id: int) -> StoryDraft:
    """The draft if its suggestion is visible to this user; NotFound otherwise."""
    draft = session.get(StoryDraft, draft_id)
    missing = NotFound(f"Story draft {draft_id} does not exist or is not shared with you.")
    if draft is None:
        raise missing
    suggestion = session.get(Suggestion, draft.suggestion_id)
    if suggestion is None or not visibility.can_view(actor, suggestion):
        raise missing
    return draft


def _visible_drafts(actor: User) -> SelectOfScalar[StoryDraft]:
    return (
        select(StoryDraft)
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .where(visibility.visible_clause(actor))
    )


def list_drafts(
    session: Session,
    *,
    actor: User,
    initiative_id: int | None = None,
    state: DraftState | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[StoryDraft]:
    query = _visible_drafts(actor)
    if initiative_id is not None:
        query = query.where(col(StoryDraft.initiative_id) == initiative_id)
    if state is not None:
        query = query.where(col(StoryDraft.state) == state.value)
    query = query.order_by(col(StoryDraft.created_at).desc(), col(StoryDraft.id).desc())
    return paginate(session, query, page, per_page)


def drafts_for_initiative(
    session: Session, *, actor: User, initiative_id: int
) -> Sequence[StoryDraft]:
    query = _visible_drafts(actor).where(col(StoryDraft.initiative_id) == initiative_id)
    drafts: Sequence[StoryDraft] = session.exec(query.order_by(col(StoryDraft.id))).all()
    return drafts


def suggestions_by_id(session: Session, ids: Sequence[int]) -> dict[int, Suggestion]:
    """Suggestions of drafts already checked for visibility, for showing their titles."""
    if not ids:
        return {}
    found = session.exec(select(Suggestion).where(col(Suggestion.id).in_(set(ids)))).all()
    return {suggestion.id: suggestion for suggestion in found if suggestion.id is not None}


def suggestions_without_drafts(session: Session, *, actor: User) -> Sequence[Suggestion]:
    """Accepted (or in-delivery) suggestions nobody has drafted a story from yet."""
    drafted = select(StoryDraft.suggestion_id)
    return session.exec(
        select(Suggestion)
        .where(
            col(Suggestion.status).in_(STORY_READY_STATUSES),
            col(Suggestion.id).not_in(drafted),
            visibility.visible_clause(actor),
        )
        .order_by(
            col(Suggestion.score_value).is_(None),
            col(Suggestion.score_value).desc(),
            col(Suggestion.id),
        )
    ).all()


@dataclass(frozen=True)
class DraftEdit:
    """A full edit of a draft as typed; labels and components already split on commas."""

    summary: str
    role: str
    want: str
    benefit: str
    context: str
    acceptance_criteria: list[dict[str, str]]
    story_points: int | None
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    priority: str = "Medium"


def _clean_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    # Clearing all three cells of a row removes it; a half-filled row stays for lint to flag.
    return [
        {part: " ".join(str(row.get(part) or "").split()) for part in CRITERION_PARTS}
        for row in rows
        if not criterion_is_blank(row)
    ]


def _edit_errors(draft: StoryDraft, edit: DraftEdit, settings: StorySettings) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(edit.summary.strip()) > _SUMMARY_MAX:
        errors["summary"] = f"Summary must be at most {_SUMMARY_MAX} characters."
    if len(edit.role.strip()) > _ROLE_MAX:
        errors["role"] = f"Role must be at most {_ROLE_MAX} characters."
    if sentence := label_problem(edit.labels):
        errors["labels"] = sentence
    # A value outside today's config is only kept if the draft already had it (config changed).
    points_ok = edit.story_points in (None, draft.story_points, *settings.points_scale)
    if not points_ok:
        scale = ", ".join(str(points) for points in settings.points_scale)
        errors["story_points"] = f"Choose story points from the scale {scale}."
    if edit.priority not in (draft.priority, *settings.priorities) or (
        len(edit.priority) > _PRIORITY_MAX
    ):
        errors["priority"] = "Choose one of: " + ", ".join(settings.priorities) + "."
    return errors


def _saved(session: Session, draft: StoryDraft) -> StoryDraft:
    draft.updated_at = utcnow()
    session.add(draft)
    session.flush()
    return draft


def update_draft(
    session: Session, *, actor: User, draft_id: int, edit: DraftEdit, settings: StorySettings
) -> StoryDraft:
    """Save a full edit. A ready draft that no longer passes lint goes back to draft."""
    require(actor, Permission.MANAGE_STORIES, _MANAGE_DENIED)
    draft = get_draft(session, actor=actor, draft_id=draft_id)
    if errors := _edit_errors(draft, edit, settings):
        raise ValidationFailed("Some fields need attention.", fields=errors)
    draft.summary = " ".join(edit.summary.split())
    draft.role = " ".join(edit.role.split())
    draft.want = edit.want.strip()
    draft.benefit = edit.benefit.strip()
    draft.context = edit.context.strip()
    draft.acceptance_criteria = _clean_rows(edit.acceptance_criteria)
    draft.story_points = edit.story_points
    draft.labels = list(edit.labels)
    draft.components = list(edit.components)
    draft.priority = edit.priority
    if draft.state == DraftState.READY.value and lint(draft, points_scale=settings.points_scale):
        draft.state = DraftState.DRAFT.value
    return _saved(session, draft)


def mark_ready(
    session: Session, *, actor: User, draft_id: int, settings: StorySettings
) -> StoryDraft:
    """Mark the draft ready for Jira; ValidationFailed lists every lint problem by field."""
    require(actor, Permission.MANAGE_STORIES, _MANAGE_DENIED)
    draft = get_draft(session, actor=actor, draft_id=draft_id)
    if problems := lint(draft, points_scale=settings.points_scale):
        raise ValidationFailed(
            f"Not ready yet: {len(problems)} problem(s) to fix first.",
            fields=problems_by_field(problems),
        )
    draft.state = DraftState.READY.value
    return _saved(session, draft)


def delete_draft(session: Session, *, actor: User, draft_id: int) -> StoryDraft:
    """Delete a draft that never went to Jira; Conflict once a push has started or finished."""
    require(actor, Permission.MANAGE_STORIES, _MANAGE_DENIED)
    draft = get_draft(session, actor=actor, draft_id=draft_id)
    link = session.exec(select(JiraLink).where(JiraLink.story_id == draft_id)).first()
    if link is not None:
        if link.state in (PushState.PUSHED, PushState.SENDING):
            raise Conflict("This story is in Jira (or on its way); unlink it before deleting.")
        session.delete(link)
    session.delete(draft)
    session.flush()
    return draft


def suggestion_url(base_url: str, suggestion_id: int) -> str:
    return f"{base_url.rstrip('/')}/suggestions/{suggestion_id}"
