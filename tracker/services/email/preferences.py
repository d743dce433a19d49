"""What email each person wants: notification and digest switches, the areas and initiatives a
stakeholder follows, and the signed one-click unsubscribe links carried by every email.

The unsubscribe link is its own authorisation (no login): a token signed with the app's secret
key naming the user and the kind of email. It does not expire, so a link in an old email keeps
working, and it only ever switches email *off*, so a leaked link can do no harm beyond that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.errors import NotFound, ValidationFailed
from tracker.models import (
    AreaSubscription,
    EmailPreference,
    Initiative,
    InitiativeStakeholder,
    Role,
    User,
    utcnow,
)
from tracker.permissions import Permission, require

Kind = Literal["notifications", "digests"]
KINDS: tuple[Kind, ...] = ("notifications", "digests")
KIND_LABELS: dict[str, str] = {
    "notifications": "notification emails (decisions on ideas you submitted or voted on)",
    "digests": "status digest emails",
}
# A dedicated salt: a token signed for something else with the same key is not an unsubscribe.
_SALT = "tracker.email-unsubscribe"


class BadUnsubscribeToken(ValidationFailed):
    """The link was altered, truncated or signed with another key."""

    status_code = 400


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key.get_secret_value(), salt=_SALT)


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def unsubscribe_token(settings: Settings, user_id: int, kind: str) -> str:
    return str(_serializer(settings).dumps([user_id, _check_kind(kind)]))


def unsubscribe_url(settings: Settings, user_id: int, kind: str) -> str:
    """Absolute `<base_url>/unsubscribe/<signed token>` for this user and kind of email."""
    return f"{settings.base_url}/unsubscribe/{unsubscribe_token(settings, user_id, kind)}"


def list_unsubscribe_headers(settings: Settings, user_id: int, kind: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe plus RFC 8058 one-click: mail clients POST
    `List-Unsubscribe=One-Click` to the URL (https://www.rfc-editor.org/rfc/rfc8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(settings, user_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def read_token(settings: Settings, token: str) -> tuple[int, Kind]:
    """(user id, kind) from a token; raises BadUnsubscribeToken when it is not one of ours."""
    message = (
        "This unsubscribe link is not valid. Copy the whole link from the email, "
        "or sign in and change your email preferences."
    )
    try:
        payload = _serializer(settings).loads(token)
    except BadSignature:
        raise BadUnsubscribeToken(message) from None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or payload[1] not in KINDS
    ):
        raise BadUnsubscribeToken(message)
    return payload[0], cast(Kind, payload[1])


def preference(session: Session, user_id: int) -> EmailPreference:
    """The user's stored preference, or the defaults (everything on) when none is stored."""
    found = session.get(EmailPreference, user_id)
    return found if found is not None else EmailPreference(user_id=user_id)


def wants(session: Session, user_id: int, kind: str) -> bool:
    """Whether the user wants this kind of email (their switch only; callers check is_active)."""
    return bool(getattr(preference(session, user_id), _check_kind(kind)))


def opted_out(session: Session, user_ids: Sequence[int], kind: str) -> set[int]:
    """The users among `user_ids` who switched this kind of email off, in one query."""
    if not user_ids:
        return set()
    column = getattr(EmailPreference, _check_kind(kind))
    rows = session.exec(
        select(EmailPreference.user_id).where(
            col(EmailPreference.user_id).in_(user_ids), col(column).is_(False)
        )
    ).all()
    return set(rows)


def _store(session: Session, user_id: int, **switches: bool) -> EmailPreference:
    found = session.get(EmailPreference, user_id)
    if found is None:
        found = EmailPreference(user_id=user_id)
    for name, value in switches.items():
        setattr(found, name, value)
    found.updated_at = utcnow()
    session.add(found)
    session.flush()
    return found


def unsubscribe_by_token(session: Session, *, settings: Settings, token: str) -> tuple[User, Kind]:
    """Switch off the kind of email the token names; returns (user, kind). Doing it twice is
    harmless. Raises BadUnsubscribeToken for a bad token, NotFound when the user is gone."""
    user_id, kind = read_token(settings, token)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("The account this link was made for no longer exists.")
    _store(session, user_id, **{kind: False})
    return user, kind


def user_for_token(session: Session, *, settings: Settings, token: str) -> tuple[User, Kind]:
    """(user, kind) named by the token, without changing anything (the confirmation page)."""
    user_id, kind = read_token(settings, token)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("The account this link was made for no longer exists.")
    return user, kind


@dataclass(frozen=True)
class FollowedInitiative:
    id: int
    name: str


@dataclass(frozen=True)
class Preferences:
    notifications: bool
    digests: bool
    areas: list[str]  # areas followed for digests (stakeholders)
    initiatives: list[FollowedInitiative]  # initiatives followed (stakeholders)


def follows_areas(user: User) -> bool:
    """Stakeholders choose areas for their digest; other roles' digests have a fixed scope."""
    return user.role == Role.STAKEHOLDER


def get_preferences(session: Session, *, user: User) -> Preferences:
    stored = preference(session, user.id or 0)
    areas = sorted(
        session.exec(select(AreaSubscription.area).where(AreaSubscription.user_id == user.id)).all()
    )
    initiatives = session.exec(
        select(Initiative.id, Initiative.name)
        .join(InitiativeStakeholder, col(InitiativeStakeholder.initiative_id) == col(Initiative.id))
        .where(InitiativeStakeholder.user_id == user.id)
        .order_by(col(Initiative.name))
    ).all()
    return Preferences(
        notifications=stored.notifications,
        digests=stored.digests,
        areas=list(areas),
        initiatives=[FollowedInitiative(id=i or 0, name=n) for i, n in initiatives],
    )


def set_preferences(
    session: Session,
    *,
    user: User,
    settings: Settings,
    notifications: bool,
    digests: bool,
    areas: Sequence[str] | None = None,
) -> Preferences:
    """Store the switches and, for stakeholders, the followed areas (`None` leaves them).
    Raises ValidationFailed naming `areas` for an area that is not configured."""
    if areas is not None and follows_areas(user):
        known = set(settings.suggestions.areas)
        unknown = [a for a in areas if a not in known]
        if unknown:
            raise ValidationFailed(
                f"Unknown area: {', '.join(unknown)}.",
                fields={"areas": f"Choose from the listed areas; {unknown[0]!r} is not one."},
            )
        wanted = set(areas)
        current = session.exec(
            select(AreaSubscription).where(AreaSubscription.user_id == user.id)
        ).all()
        for row in current:
            if row.area not in wanted:
                session.delete(row)
        have = {row.area for row in current}
        for area in sorted(wanted - have):
            session.add(AreaSubscription(user_id=user.id or 0, area=area))
    _store(session, user.id or 0, notifications=notifications, digests=digests)
    return get_preferences(session, user=user)


def follow_initiative(session: Session, *, user: User, initiative_id: int) -> str:
    """Follow an initiative (its progress joins the person's digest); returns its name.
    Following twice is no error. NotFound when there is no such initiative; PermissionDenied
    for anyone who may not see initiatives (vendor staff)."""
    require(user, Permission.VIEW_INITIATIVES, "Only people who see initiatives follow them.")
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(f"Initiative {initiative_id} does not exist.")
    followed = session.exec(
        select(InitiativeStakeholder.id).where(
            InitiativeStakeholder.user_id == user.id,
            InitiativeStakeholder.initiative_id == initiative_id,
        )
    ).first()
    if followed is None:
        session.add(InitiativeStakeholder(initiative_id=initiative_id, user_id=user.id or 0))
        session.flush()
    return initiative.name


def unfollow_initiative(session: Session, *, user: User, initiative_id: int) -> str:
    """Stop following an initiative; returns its name. NotFound when not followed."""
    row = session.exec(
        select(InitiativeStakeholder).where(
            InitiativeStakeholder.user_id == user.id,
            InitiativeStakeholder.initiative_id == initiative_id,
        )
    ).first()
    initiative = session.get(Initiative, initiative_id)
    if row is None or initiative is None:
        raise NotFound("You do not follow that initiative.")
    session.delete(row)
    session.flush()
    return initiative.name
