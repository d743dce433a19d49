"""Who may see which suggestion: the one rule behind lists, search, counts, exports, API, digests.

- PMs and admins see everything.
- Internal submitters and stakeholders see every suggestion not marked confidential, and their own.
- Vendor staff see their own organisation's suggestions (confidential ones only if they wrote
  them) and those a PM shared with vendors (never confidential ones).

Which roles those are comes from tracker/permissions.py (VIEW_CONFIDENTIAL, and vendor staff are
the ones without VIEW_ALL_ORGANISATIONS). The rule asks the role, not the account: digests apply
it to readers built in memory and to the subject of a digest, signed in or not.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import col

from tracker.errors import NotFound
from tracker.models import Suggestion, User
from tracker.permissions import Permission, role_allows


def _sees_everything(user: User) -> bool:
    return role_allows(user.role, Permission.VIEW_CONFIDENTIAL)


def confined_to_organisation(user: User) -> bool:
    """Vendor staff: they see, and learn names, only within their own organisation."""
    return not role_allows(user.role, Permission.VIEW_ALL_ORGANISATIONS)


def visible_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the suggestions this user may see."""
    if _sees_everything(user):
        return true()
    own = col(Suggestion.submitter_id) == user.id
    public = col(Suggestion.confidential).is_(False)
    if confined_to_organisation(user):
        shared = and_(col(Suggestion.shared_with_vendors).is_(True), public)
        if user.organisation_id is None:
            # Same rule as can_view: shared ideas are for every vendor account.
            return or_(own, shared)
        same_org = and_(col(Suggestion.organisation_id) == user.organisation_id, public)
        return or_(own, same_org, shared)
    return or_(own, public)


def can_view(user: User, suggestion: Suggestion) -> bool:
    if _sees_everything(user) or suggestion.submitter_id == user.id:
        return True
    if suggestion.confidential:
        return False
    if confined_to_organisation(user):
        return suggestion.shared_with_vendors or (
            user.organisation_id is not None and suggestion.organisation_id == user.organisation_id
        )
    return True


def ensure_visible(user: User, suggestion: Suggestion | None, suggestion_id: int) -> Suggestion:
    """The suggestion, or NotFound: an invisible suggestion is indistinguishable from none."""
    if suggestion is None or not can_view(user, suggestion):
        raise NotFound(f"Suggestion {suggestion_id} does not exist or is not shared with you.")
    return suggestion
