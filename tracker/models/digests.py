"""Digests sent to each audience, their deliveries, notifications to submitters and voters,
and people's email preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class Audience(StrEnum):
    PM = "pm"  # the whole portfolio, one digest for all PMs
    STAKEHOLDER = "stakeholder"  # one per user: the initiatives and areas they follow
    VENDOR = "vendor"  # one per vendor organisation: its own suggestions
    SUBMITTER = "submitter"  # one per user: their ideas and those they voted on


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    # Committed before the SMTP conversation: after a crash it is not sent again.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # A SENDING row found after a crash: it may or may not have gone out.
    UNCONFIRMED = "unconfirmed"
    # Dropped without an email: the person opted out, left, or may no longer see the idea.
    SKIPPED = "skipped"


class Digest(SQLModel, table=True):
    """One audience's digest for one period; the content is kept so its permalink never changes."""

    __table_args__ = (UniqueConstraint("audience", "subject_key", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    audience: str = Field(max_length=20, index=True)
    # Who the digest is about: "all" (PM), "user:<id>" or "org:<id>".
    subject_key: str = Field(max_length=40)
    period_start: datetime = Field(sa_type=UTCDateTime)
    period_end: datetime = Field(sa_type=UTCDateTime, index=True)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class DigestDelivery(SQLModel, table=True):
    """One email of a digest to one recipient."""

    __table_args__ = (UniqueConstraint("digest_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digest.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    email: str = Field(max_length=254)
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=20, index=True)
    attempts: int = 0
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    message_id: str = Field(default="", max_length=200)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AreaSubscription(SQLModel, table=True):
    """A stakeholder following an area (initiatives are followed through InitiativeStakeholder)."""

    __table_args__ = (UniqueConstraint("user_id", "area"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    area: str = Field(max_length=80)


class Notification(SQLModel, table=True):
    """Something that happened to a suggestion that one person should hear about."""

    __table_args__ = (UniqueConstraint("user_id", "status_change_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    status_change_id: int | None = Field(default=None, foreign_key="statuschange.id", index=True)
    kind: str = Field(max_length=20)  # accepted, declined, merged, pushed, delivered
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # Set when the email carrying it was sent (or when it was dropped by preferences).
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=20, index=True)
    attempts: int = 0
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class EmailPreference(SQLModel, table=True):
    """What email a person wants; no row means the defaults (everything on)."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    notifications: bool = True
    digests: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
