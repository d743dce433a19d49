"""What one digest is about: the suggestions and initiatives of its audience and subject.

- pm ("all"): everything.
- stakeholder ("user:<id>"): suggestions in the areas they follow or in the initiatives they
  follow, among those they may see; the initiatives they follow.
- vendor ("org:<id>"): the organisation's own suggestions that every member may see (so not the
  confidential ones), nothing else; initiatives only by name, those holding its suggestions.
- submitter ("user:<id>"): their own ideas and those they voted on, among those they may see;
  the initiatives holding them.

Visibility is visibility.visible_clause for the person (for a vendor organisation: for any of
its members), so a digest never shows an item its reader could not open in the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import Session, col, select

from tracker.errors import NotFound, ValidationFailed
from tracker.inputs import id_value
from tracker.models import (
    AreaSubscription,
    Audience,
    Initiative,
    InitiativeStakeholder,
    Organisation,
    Role,
    Suggestion,
    User,
    Vote,
)
from tracker.permissions import Permission, allowed
from tracker.services.suggestions import visibility

PM_SUBJECT = "all"
PM_SUBJECT_NAME = "All PMs"


@dataclass(frozen=True)
class DigestScope:
    audience: Audience
    subject_key: str
    subject_name: str
    # Whose visibility applies to anything shown, in scope or not (a merge target, say).
    viewer: User
    suggestions: ColumnElement[bool]  # WHERE clause on Suggestion
    initiatives: ColumnElement[bool]  # WHERE clause on Initiative
    # Progress, health and links of initiatives; otherwise their names only.
    initiative_detail: bool
    # Jira status changes of initiative epics (only where initiatives are what is followed).
    epic_events: bool


class Links:
    """Absolute tracker links; initiative pages only for readers who may open them."""

    def __init__(self, base_url: str, scope: DigestScope) -> None:
        self.base = base_url.rstrip("/")
        self.initiative_pages = scope.initiative_detail

    def suggestion(self, suggestion_id: int) -> str:
        return f"{self.base}/suggestions/{suggestion_id}"

    def initiative(self, initiative_id: int) -> str | None:
        return f"{self.base}/initiatives/{initiative_id}" if self.initiative_pages else None


def _nobody(role: Role, organisation_id: int | None, name: str) -> User:
    """A reader standing for a group (all PMs, a vendor organisation); never stored."""
    return User(
        role=role, organisation_id=organisation_id, display_name=name, email="", password_hash=""
    )


def _subject_id(subject_key: str, prefix: str) -> int:
    kind, _, number = subject_key.partition(":")
    try:
        subject_id: int | None = id_value(number, "subject_key")
    except ValidationFailed:
        subject_id = None
    if kind != prefix or subject_id is None:
        raise ValueError(f"subject key {subject_key!r} is not '{prefix}:<id>'")
    return subject_id


def _person(session: Session, subject_key: str) -> User:
    user_id = _subject_id(subject_key, "user")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def resolve(session: Session, *, audience: Audience, subject_key: str) -> DigestScope:
    """The scope of one digest; NotFound when its person or organisation no longer exists.

    Raises ValueError for a subject key that does not fit the audience.
    """
    audience = Audience(audience)
    if audience is Audience.PM:
        if subject_key != PM_SUBJECT:
            raise ValueError(f"the PM digest's subject is {PM_SUBJECT!r}, not {subject_key!r}")
        everyone = _nobody(Role.PM, None, PM_SUBJECT_NAME)
        return _scope(audience, subject_key, everyone, true(), initiatives=true(), epics=True)
    if audience is Audience.VENDOR:
        org_id = _subject_id(subject_key, "org")
        organisation = session.get(Organisation, org_id)
        if organisation is None:
            raise NotFound(f"Organisation {org_id} does not exist.")
        # Any member of the organisation and nobody in particular: what all of them may see.
        # (With no id, visible_clause's "their own" part matches no suggestion.)
        member = _nobody(Role.VENDOR, org_id, organisation.name)
        own = col(Suggestion.organisation_id) == org_id
        return _scope(audience, subject_key, member, and_(own, visibility.visible_clause(member)))
    user = _person(session, subject_key)
    seen = visibility.visible_clause(user)
    if audience is Audience.STAKEHOLDER:
        areas = select(AreaSubscription.area).where(AreaSubscription.user_id == user.id)
        followed = select(InitiativeStakeholder.initiative_id).where(
            InitiativeStakeholder.user_id == user.id
        )
        in_followed = col(Suggestion.initiative_id).in_(followed.scalar_subquery())
        in_areas = col(Suggestion.area).in_(areas.scalar_subquery())
        return _scope(
            audience,
            subject_key,
            user,
            and_(seen, or_(in_areas, in_followed)),
            initiatives=col(Initiative.id).in_(followed.scalar_subquery()),
            epics=True,
        )
    voted = select(Vote.suggestion_id).where(Vote.user_id == user.id)
    theirs = or_(
        col(Suggestion.submitter_id) == user.id, col(Suggestion.id).in_(voted.scalar_subquery())
    )
    return _scope(audience, subject_key, user, and_(seen, theirs))


def _scope(
    audience: Audience,
    subject_key: str,
    viewer: User,
    suggestions: ColumnElement[bool],
    *,
    initiatives: ColumnElement[bool] | None = None,
    epics: bool = False,
) -> DigestScope:
    """The scope; initiatives default to those holding the suggestions."""
    if initiatives is None:
        holders = select(Suggestion.initiative_id).where(
            suggestions, col(Suggestion.initiative_id).is_not(None)
        )
        initiatives = col(Initiative.id).in_(holders.scalar_subquery())
    detail = allowed(viewer, Permission.VIEW_INITIATIVES)
    return DigestScope(
        audience=audience,
        subject_key=subject_key,
        subject_name=viewer.display_name,
        viewer=viewer,
        suggestions=suggestions,
        initiatives=initiatives,
        initiative_detail=detail,
        epic_events=epics and detail,
    )
