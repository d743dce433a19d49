"""People, their organisations and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    SUBMITTER = "submitter"
    VENDOR = "vendor"
    PM = "pm"
    STAKEHOLDER = "stakeholder"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Role.SUBMITTER: "Submitter (ops agent)",
            Role.VENDOR: "Vendor staff",
            Role.PM: "Product manager",
            Role.STAKEHOLDER: "Stakeholder (read-only)",
            Role.ADMIN: "Administrator",
        }[self]


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    is_vendor: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: Role = Field(
        sa_column=Column(
            SAEnum(
                Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
            ),
            nullable=False,
            index=True,
        )
    )
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    is_active: bool = Field(default=True)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped on password change or deactivation so that existing sessions stop working.
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=12)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
