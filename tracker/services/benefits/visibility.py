"""Whose benefits a person sees: the suggestion rule (services/suggestions/visibility.py),
narrowed for vendor staff to their own organisation's ideas and their own. An idea a PM shared
with every vendor stays readable, but what it saved is the owning organisation's business."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import col

from tracker.models import Suggestion, User
from tracker.services.suggestions.visibility import (
    can_view,
    confined_to_organisation,
    visible_clause,
)


def benefit_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Suggestion selecting the ideas whose benefit this user may see."""
    if not confined_to_organisation(user):
        return visible_clause(user)
    own = col(Suggestion.submitter_id) == user.id
    same_org = (
        col(Suggestion.organisation_id) == user.organisation_id
        if user.organisation_id is not None
        else false()
    )
    return and_(visible_clause(user), or_(own, same_org))


def can_see_benefit(user: User, suggestion: Suggestion) -> bool:
    if not can_view(user, suggestion):
        return False
    if not confined_to_organisation(user):
        return True
    return suggestion.submitter_id == user.id or (
        user.organisation_id is not None and suggestion.organisation_id == user.organisation_id
    )
