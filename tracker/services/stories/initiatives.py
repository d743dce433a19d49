"""Initiatives: named cross-functional goals grouping accepted suggestions and their stories.

An initiative becomes a Jira epic in the push issue. Suggestions join only once accepted (or
in delivery), and their story drafts follow them in and out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.models import (
    Health,
    Initiative,
    InitiativeStakeholder,
    StoryDraft,
    Suggestion,
    User,
    utcnow,
)
from tracker.permissions import Permission, allowed, require, roles_with
from tracker.services.stories import push_execution
from tracker.services.stories.drafts import STORY_READY_STATUSES
from tracker.services.suggestions import visibility
from tracker.services.suggestions.submissions import get_suggestion

NAME_MAX = 120
GOAL_MAX = 10_000
HEALTH_NOTE_MAX = 500
_MANAGE_DENIED = "Only product managers can change initiatives."


@dataclass(frozen=True)
class InitiativeInput:
    name: str
    goal: str
    owner_id: int | None
    target_date: date | None
    stakeholder_ids: Sequence[int] = ()


@dataclass(frozen=True)
class InitiativeRow:
    """One line of the initiatives list: counts cover only what the viewer may see."""

    initiative: Initiative
    owner: User | None
    suggestion_count: int
    story_count: int

    @property
    def health(self) -> Health:
        return Health(self.initiative.health)


def get_initiative(session: Session, *, initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(f"Initiative {initiative_id} does not exist.")
    return initiative


def _suggestion_counts(session: Session, actor: User) -> dict[int, int]:
    initiative = col(Suggestion.initiative_id)
    rows = session.exec(
        select(initiative, func.count())
        .where(initiative.is_not(None), visibility.visible_clause(actor))
        .group_by(initiative)
    ).all()
    return {initiative_id: count for initiative_id, count in rows if initiative_id is not None}


def _story_counts(session: Session, actor: User) -> dict[int, int]:
    initiative = col(StoryDraft.initiative_id)
    rows = session.exec(
        select(initiative, func.count())
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .where(initiative.is_not(None), visibility.visible_clause(actor))
        .group_by(initiative)
    ).all()
    return {initiative_id: count for initiative_id, count in rows if initiative_id is not None}


def list_initiatives(session: Session, *, actor: User) -> list[InitiativeRow]:
    """Every initiative, soonest target date first (undated last), with visible counts."""
    initiatives = session.exec(
        select(Initiative).order_by(
            col(Initiative.target_date).is_(None),
            col(Initiative.target_date),
            func.lower(Initiative.name),
        )
    ).all()
    owner_ids = {i.owner_id for i in initiatives if i.owner_id is not None}
    owners = {
        user.id: user
        for user in session.exec(select(User).where(col(User.id).in_(owner_ids))).all()
    }
    suggestions = _suggestion_counts(session, actor)
    stories = _story_counts(session, actor)
    return [
        InitiativeRow(
            initiative=initiative,
            owner=owners.get(initiative.owner_id) if initiative.owner_id else None,
            suggestion_count=suggestions.get(initiative.id or 0, 0),
            story_count=stories.get(initiative.id or 0, 0),
        )
        for initiative in initiatives
    ]


def owner_candidates(session: Session) -> Sequence[User]:
    """Active product managers and administrators, who may own an initiative."""
    return session.exec(
        select(User)
        .where(
            col(User.role).in_(roles_with(Permission.MANAGE_INITIATIVES)),
            col(User.is_active).is_(True),
        )
        .order_by(func.lower(User.display_name))
    ).all()


def stakeholder_candidates(session: Session) -> Sequence[User]:
    """Active people who can see initiatives (vendor staff cannot, so they are not offered)."""
    return session.exec(
        select(User)
        .where(
            col(User.role).in_(roles_with(Permission.VIEW_INITIATIVES)),
            col(User.is_active).is_(True),
        )
        .order_by(func.lower(User.display_name))
    ).all()


def all_initiatives(session: Session) -> Sequence[Initiative]:
    """Every initiative by name, for filters and pickers."""
    return session.exec(select(Initiative).order_by(func.lower(Initiative.name))).all()


def owner_of(session: Session, *, initiative: Initiative) -> User | None:
    return session.get(User, initiative.owner_id) if initiative.owner_id is not None else None


def stakeholders_of(session: Session, *, initiative: Initiative) -> Sequence[User]:
    return session.exec(
        select(User)
        .join(InitiativeStakeholder, col(InitiativeStakeholder.user_id) == col(User.id))
        .where(InitiativeStakeholder.initiative_id == initiative.id)
        .order_by(func.lower(User.display_name))
    ).all()


def _check(session: Session, data: InitiativeInput, current: Initiative | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Give the initiative a name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Name must be at most {NAME_MAX} characters."
    else:
        # The database's lower() on both sides, as in the unique index: SQLite folds A-Z only,
        # so Python's lower() here would miss "ÜÜ" clashing with "ÜÜ".
        clash = session.exec(
            select(Initiative).where(func.lower(Initiative.name) == func.lower(name))
        ).first()
        if clash is not None and (current is None or clash.id != current.id):
            errors["name"] = (
                f"An initiative called '{clash.name}' already exists; choose another name."
            )
    if len(data.goal) > GOAL_MAX:
        errors["goal"] = f"Goal must be at most {GOAL_MAX:,} characters."
    owner = session.get(User, data.owner_id) if data.owner_id is not None else None
    if owner is None or not owner.is_active:
        errors["owner_id"] = "Choose the product manager who owns this initiative."
    elif not allowed(owner, Permission.MANAGE_INITIATIVES):
        errors["owner_id"] = (
            f"The owner must be a product manager or an administrator; "
            f"{owner.display_name} is {owner.role.label.lower()}."
        )
    for user_id in data.stakeholder_ids:
        person = session.get(User, user_id)
        if person is None or not person.is_active:
            errors["stakeholder_ids"] = "One of the chosen stakeholders no longer exists."
        elif not allowed(person, Permission.VIEW_INITIATIVES):
            errors["stakeholder_ids"] = (
                f"{person.display_name} is vendor staff, who cannot see initiatives."
            )
    return errors


def _save(session: Session, initiative: Initiative, data: InitiativeInput) -> Initiative:
    initiative.name = data.name.strip()
    initiative.goal = data.goal.strip()
    initiative.owner_id = data.owner_id
    initiative.target_date = data.target_date
    initiative.updated_at = utcnow()
    session.add(initiative)
    session.flush()
    wanted = set(data.stakeholder_ids)
    existing = session.exec(
        select(InitiativeStakeholder).where(InitiativeStakeholder.initiative_id == initiative.id)
    ).all()
    for link in existing:
        if link.user_id not in wanted:
            session.delete(link)
    assert initiative.id is not None
    for user_id in wanted - {link.user_id for link in existing}:
        session.add(InitiativeStakeholder(initiative_id=initiative.id, user_id=user_id))
    session.flush()
    return initiative


def create_initiative(session: Session, *, actor: User, data: InitiativeInput) -> Initiative:
    """A new initiative; ValidationFailed names each bad field (duplicate name, owner not a PM)."""
    require(actor, Permission.MANAGE_INITIATIVES, _MANAGE_DENIED)
    if errors := _check(session, data, None):
        raise ValidationFailed("Some fields need attention.", fields=errors)
    return _save(session, Initiative(name=data.name.strip()), data)


def update_initiative(
    session: Session, *, actor: User, initiative_id: int, data: InitiativeInput
) -> Initiative:
    require(actor, Permission.MANAGE_INITIATIVES, _MANAGE_DENIED)
    initiative = get_initiative(session, initiative_id=initiative_id)
    if errors := _check(session, data, initiative):
        raise ValidationFailed("Some fields need attention.", fields=errors)
    return _save(session, initiative, data)


def set_health(
    session: Session, *, actor: User, initiative_id: int, health: str, note: str
) -> Initiative:
    """Record how the initiative is doing; at risk and off track need a note saying why."""
    require(actor, Permission.MANAGE_INITIATIVES, _MANAGE_DENIED)
    initiative = get_initiative(session, initiative_id=initiative_id)
    try:
        state = Health(health)
    except ValueError:
        choices = ", ".join(h.label.lower() for h in Health)
        raise ValidationFailed(
            "Unknown health.", fields={"health": f"Choose one of: {choices}."}
        ) from None
    note = " ".join(note.split())
    if len(note) > HEALTH_NOTE_MAX:
        raise ValidationFailed(
            "The note is too long.",
            fields={"note": f"Keep the note to {HEALTH_NOTE_MAX} characters."},
        )
    if state is not Health.ON_TRACK and not note:
        raise ValidationFailed(
            "Say why.",
            fields={"note": f"Say what makes it {state.label.lower()}; stakeholders read this."},
        )
    initiative.health = state.value
    initiative.health_note = note
    initiative.updated_at = utcnow()
    session.add(initiative)
    session.flush()
    return initiative


def suggestions_in(session: Session, *, actor: User, initiative_id: int) -> Sequence[Suggestion]:
    """The initiative's suggestions this user may see, best score first."""
    return session.exec(
        select(Suggestion)
        .where(Suggestion.initiative_id == initiative_id, visibility.visible_clause(actor))
        .order_by(col(Suggestion.score_value).is_(None), col(Suggestion.score_value).desc())
    ).all()


def joinable_suggestions(session: Session, *, actor: User) -> Sequence[Suggestion]:
    """Accepted or in-delivery suggestions that belong to no initiative yet."""
    return session.exec(
        select(Suggestion)
        .where(
            col(Suggestion.status).in_(STORY_READY_STATUSES),
            col(Suggestion.initiative_id).is_(None),
            visibility.visible_clause(actor),
        )
        .order_by(col(Suggestion.id))
    ).all()


def _assign(session: Session, suggestion: Suggestion, initiative_id: int | None) -> Suggestion:
    """Move the suggestion, and the story drafts made from it, into (or out of) an initiative.
    Their issues in Jira follow: the push worker's sweep moves each pushed story under the new
    initiative's epic (or out of the old one), trying again even where Jira refused before."""
    suggestion.initiative_id = initiative_id
    suggestion.updated_at = utcnow()
    session.add(suggestion)
    drafts = session.exec(select(StoryDraft).where(StoryDraft.suggestion_id == suggestion.id)).all()
    for draft in drafts:
        draft.initiative_id = initiative_id
        session.add(draft)
    session.flush()
    push_execution.forget_epic_errors(
        session, story_ids=[draft.id for draft in drafts if draft.id is not None]
    )
    return suggestion


def add_suggestion(
    session: Session, *, actor: User, initiative_id: int, suggestion_id: int
) -> Suggestion:
    """Add an accepted suggestion (and its drafts); Conflict for any other status or initiative."""
    require(actor, Permission.MANAGE_INITIATIVES, _MANAGE_DENIED)
    initiative = get_initiative(session, initiative_id=initiative_id)
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    if suggestion.initiative_id == initiative.id:
        return suggestion
    if suggestion.status not in STORY_READY_STATUSES:
        raise Conflict(
            f"Only accepted suggestions can join an initiative; #{suggestion_id} is "
            f"{suggestion.status.label.lower()}."
        )
    if suggestion.initiative_id is not None:
        other = session.get(Initiative, suggestion.initiative_id)
        raise Conflict(
            f"#{suggestion_id} already belongs to the initiative "
            f"'{other.name if other else suggestion.initiative_id}'; remove it there first."
        )
    return _assign(session, suggestion, initiative.id)


def remove_suggestion(
    session: Session, *, actor: User, initiative_id: int, suggestion_id: int
) -> Suggestion:
    require(actor, Permission.MANAGE_INITIATIVES, _MANAGE_DENIED)
    initiative = get_initiative(session, initiative_id=initiative_id)
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    if suggestion.initiative_id != initiative.id:
        raise Conflict(f"#{suggestion_id} is not part of '{initiative.name}'.")
    return _assign(session, suggestion, None)
