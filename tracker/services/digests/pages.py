"""Reading stored digests for their web pages: who may see which digest, and the deliveries PMs
watch for failures.

PMs and admins (Permission.VIEW_ALL_DIGESTS) see every digest. Anyone else sees the digests
about themselves (their stakeholder or submitter digest, subject "user:<id>"), and vendor staff
also see their own organisation's vendor digest ("org:<id>"). Any other digest is NotFound, never
PermissionDenied, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlmodel import Session, col, func, select

from tracker.errors import NotFound
from tracker.models import Role, User
from tracker.models.digests import Audience, DeliveryStatus, Digest, DigestDelivery
from tracker.pagination import Page, paginate
from tracker.permissions import Permission, require, role_allows

# Deliveries that need a person's eye: failed for now (retried) or of unknown outcome.
PROBLEMS = (DeliveryStatus.FAILED.value, DeliveryStatus.UNCONFIRMED.value)
_DELIVERIES_DENIED = "Only PMs see digest deliveries."


def sees_all(viewer: User) -> bool:
    # By role: visible_clause and can_view judge a deactivated account themselves.
    return role_allows(viewer.role, Permission.VIEW_ALL_DIGESTS)


def own_subject_key(viewer: User) -> str:
    """The subject key of the stakeholder and submitter digests about this person."""
    return f"user:{viewer.id}"


def subjects_of(viewer: User) -> list[tuple[str, str]]:
    """The (audience, subject_key) pairs of the digests about this person."""
    own = own_subject_key(viewer)
    pairs = [(Audience.STAKEHOLDER.value, own), (Audience.SUBMITTER.value, own)]
    # Vendor digests are addressed by role, as periods.py picks their recipients. `==`, not
    # `is`: a User built in memory keeps a plain "vendor" string (table models do not validate).
    if viewer.role == Role.VENDOR and viewer.organisation_id is not None:
        pairs.append((Audience.VENDOR.value, f"org:{viewer.organisation_id}"))
    return pairs


def visible_clause(viewer: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the digests this person may open."""
    if sees_all(viewer):
        return true()
    if viewer.id is None or not viewer.is_active:
        return false()
    return or_(
        *(
            and_(col(Digest.audience) == audience, col(Digest.subject_key) == subject)
            for audience, subject in subjects_of(viewer)
        )
    )


def can_view(viewer: User, digest: Digest) -> bool:
    if sees_all(viewer):
        return True
    return viewer.is_active and (digest.audience, digest.subject_key) in subjects_of(viewer)


def list_digests(
    session: Session, *, viewer: User, page: int, per_page: int, audience: str | None = None
) -> Page[Digest]:
    """The digests this person may see, newest period first; `audience` narrows the list."""
    query = select(Digest).where(visible_clause(viewer))
    if audience:
        query = query.where(col(Digest.audience) == audience)
    query = query.order_by(col(Digest.period_end).desc(), col(Digest.id).desc())
    return paginate(session, query, page, per_page)


def get_digest(session: Session, *, viewer: User, digest_id: int) -> Digest:
    """The digest, or NotFound when it does not exist or is not this person's to see."""
    digest = session.get(Digest, digest_id)
    if digest is None or not can_view(viewer, digest):
        raise NotFound(f"Digest {digest_id} does not exist or is not addressed to you.")
    return digest


def latest_showing_initiative(
    session: Session, *, viewer: User, initiative_id: int, scan: int = 20
) -> Digest | None:
    """The newest digest this person may open that shows the initiative's progress, or None.
    PMs get the portfolio digest (it covers every initiative); others their own digests. Only
    the `scan` newest are read, since the initiatives live in each digest's JSON content."""
    query = select(Digest).where(visible_clause(viewer))
    if sees_all(viewer):
        query = query.where(col(Digest.audience) == Audience.PM.value)
    query = query.order_by(col(Digest.period_end).desc(), col(Digest.id).desc()).limit(scan)
    for digest in session.exec(query):
        for row in digest.content.get("initiatives") or ():
            if isinstance(row, dict) and row.get("id") == initiative_id and row.get("detail"):
                return digest
    return None


# --- deliveries, for PMs ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRow:
    delivery: DigestDelivery
    digest: Digest
    recipient: str  # the person's name, or the address when the account is gone

    @property
    def problem(self) -> bool:
        return self.delivery.status in PROBLEMS


@dataclass(frozen=True)
class DeliveryOverview:
    problems: list[DeliveryRow]  # failed and unconfirmed, newest digest first
    recent: list[DeliveryRow]  # the latest deliveries whatever their state
    counts: dict[str, int]  # deliveries by status, all time


def _rows(session: Session, deliveries: Sequence[DigestDelivery]) -> list[DeliveryRow]:
    digest_ids = {d.digest_id for d in deliveries}
    user_ids = {d.user_id for d in deliveries}
    digests = {
        d.id: d for d in session.exec(select(Digest).where(col(Digest.id).in_(digest_ids))).all()
    }
    names = {
        u.id: u.display_name
        for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    }
    return [
        DeliveryRow(d, digests[d.digest_id], names.get(d.user_id) or d.email) for d in deliveries
    ]


def delivery_overview(
    session: Session, *, viewer: User, problems_limit: int = 50, recent_limit: int = 20
) -> DeliveryOverview:
    """Failed and unconfirmed deliveries plus the latest ones; PMs and admins only."""
    require(viewer, Permission.VIEW_ALL_DIGESTS, _DELIVERIES_DENIED)
    newest = (col(DigestDelivery.digest_id).desc(), col(DigestDelivery.id).desc())
    problems = session.exec(
        select(DigestDelivery)
        .where(col(DigestDelivery.status).in_(PROBLEMS))
        .order_by(*newest)
        .limit(problems_limit)
    ).all()
    recent = session.exec(select(DigestDelivery).order_by(*newest).limit(recent_limit)).all()
    counts = dict(
        session.exec(
            select(DigestDelivery.status, func.count()).group_by(col(DigestDelivery.status))
        ).all()
    )
    rows = _rows(session, [*problems, *recent])
    return DeliveryOverview(
        problems=rows[: len(problems)], recent=rows[len(problems) :], counts=counts
    )


def deliveries_of(session: Session, *, viewer: User, digest: Digest) -> list[DeliveryRow]:
    """Who this digest went to and how each delivery went; PMs and admins only."""
    require(viewer, Permission.VIEW_ALL_DIGESTS, _DELIVERIES_DENIED)
    deliveries = session.exec(
        select(DigestDelivery)
        .where(col(DigestDelivery.digest_id) == digest.id)
        .order_by(col(DigestDelivery.email))
    ).all()
    return _rows(session, deliveries)
