"""People, their organisations, their API tokens, browser sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    SUBMITTER = "submitter"
    VENDOR = "vendor"
    PM = "pm"
    STAKEHOLDER = "stakeholder"
    ADMIN = "admin"
    # A machine account (a warehouse job, a BI tool): API tokens that send KPI data, no pages.
    INTEGRATION = "integration"

    @property
    def label(self) -> str:
        return {
            Role.SUBMITTER: "Submitter (ops agent)",
            Role.VENDOR: "Vendor staff",
            Role.PM: "Product manager",
            Role.STAKEHOLDER: "Stakeholder (read-only)",
            Role.ADMIN: "Administrator",
            Role.INTEGRATION: "Integration (machine account)",
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
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


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


class BrowserSession(SQLModel, table=True):
    """One signed-in browser. Its cookie holds a random token; `id` is the token's SHA-256, so a
    copy of this table opens no session. Deleting the row signs that browser out at once."""

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_agent: str = Field(default="", max_length=255)
    address: str = Field(default="", max_length=64)


class SignInFailure(SQLModel, table=True):
    """Failed sign-ins in a row for one email from one address, known account or not, and
    until when that pair is refused: a stranger elsewhere cannot lock the owner out."""

    __table_args__ = (UniqueConstraint("email", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    address: str = Field(max_length=64)
    failures: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
