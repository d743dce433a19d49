"""What was pushed to Jira: one link per story (or initiative epic), and the push jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class PushState(StrEnum):
    QUEUED = "queued"
    # The create request may have reached Jira: before sending again, search for the label.
    SENDING = "sending"
    PUSHED = "pushed"
    FAILED = "failed"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class PushJob(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    requested_by_id: int | None = Field(default=None, foreign_key="user.id")
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    state: str = Field(default=JobState.QUEUED.value, max_length=20, index=True)
    total: int = 0
    # A worker holds the job while lease_until is in the future; another may take it after.
    lease_owner: str = Field(default="", max_length=80)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JiraLink(SQLModel, table=True):
    """A story draft's or an initiative's Jira issue, and the state of pushing it."""

    id: int | None = Field(default=None, primary_key=True)
    story_id: int | None = Field(default=None, foreign_key="storydraft.id", unique=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", unique=True)
    # Written on the issue at create time; finds it again after a lost response.
    label: str = Field(max_length=80, unique=True)
    state: str = Field(default=PushState.QUEUED.value, max_length=20, index=True)
    attempts: int = 0
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    job_id: int | None = Field(default=None, foreign_key="pushjob.id", index=True)
    jira_id: str | None = Field(default=None, max_length=40, index=True)
    jira_key: str | None = Field(default=None, max_length=40, index=True)
    browse_url: str = Field(default="", max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pushed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Status brought back by the sync (empty until the first sync after the push).
    status_name: str = Field(default="", max_length=80)
    status_category: str = Field(default="", max_length=20)  # Jira's key: new, indeterminate, done
    delivery_state: str = Field(default="", max_length=20, index=True)  # DeliveryState value
    resolution: str = Field(default="", max_length=80)
    assignee: str = Field(default="", max_length=200)
    fix_versions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sprint: str = Field(default="", max_length=200)
    jira_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the current status began (Jira's time); a story stuck too long flags its initiative.
    status_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Jira stopped returning the issue (deleted or no longer visible); its data is kept.
    missing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The epic a pushed story's issue is under in Jira as far as the tracker knows (None: none,
    # or unknown for stories pushed before this was recorded); differs from its initiative's
    # epic until the push worker relinks it.
    epic_key: str | None = Field(default=None, max_length=40)
    # Why relinking the issue to its epic failed; the worker leaves it alone until it changes.
    epic_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class JiraSite(SQLModel, table=True):
    """What a Jira site has shown it can do, shared by every process (web, CLI, scheduler) so
    none rediscovers it: flavour and version, the endpoints it answers (capabilities), and the
    metadata a push needs. Refreshed by `tracker jira check --refresh` or when Jira refuses
    something the stored facts chose."""

    id: int | None = Field(default=None, primary_key=True)
    base_url: str = Field(max_length=500, unique=True)
    flavour: str = Field(default="", max_length=20)
    server_version: str = Field(default="", max_length=40)
    capabilities: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    site_metadata: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    discovered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
