"""Input and output shapes of the JSON API (non-table SQLModel classes)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel

from tracker.models import Role


class ErrorPublic(SQLModel):
    error: str
    fields: dict[str, str] | None = None


class UserPublic(SQLModel):
    id: int
    email: str
    display_name: str
    role: Role
    organisation_id: int | None
    created_at: datetime
