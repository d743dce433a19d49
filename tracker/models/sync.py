"""Status coming back from Jira: sync runs, status events, scheduler leases, webhook deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import UTCDateTime, utcnow


class DeliveryState(StrEnum):
    """Where a Jira issue stands for the tracker, from its status category and the status map."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"todo": "To do", "in_progress": "In progress", "done": "Done"}[self.value]


class SyncKind(StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"


class RunState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SyncRun(SQLModel, table=True):
    """One status sync: what it asked Jira, what it found, and how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    state: str = Field(default=RunState.RUNNING.value, max_length=20, index=True)
    owner: str = Field(default="", max_length=80)
    # Incremental runs ask for issues updated since this moment (None: the first run, all).
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    calls: int = 0
    checked: int = 0
    # Issues seen for the first time (no status recorded before): not "changed".
    recorded: int = 0
    changed: int = 0
    missing: int = 0
    events: int = 0
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StatusEvent(SQLModel, table=True):
    """A status change of a tracked Jira issue, at Jira's own timestamp."""

    __table_args__ = (UniqueConstraint("link_id", "history_id"),)

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="jiralink.id", index=True)
    # Copied from the link so digests and timelines need no joins.
    story_id: int | None = Field(default=None, foreign_key="storydraft.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    suggestion_id: int | None = Field(default=None, foreign_key="suggestion.id", index=True)
    jira_key: str = Field(default="", max_length=40)
    from_status: str = Field(default="", max_length=80)
    to_status: str = Field(max_length=80)
    # Tracker delivery states (DeliveryState values); "" when unknown.
    from_state: str = Field(default="", max_length=20)
    to_state: str = Field(default="", max_length=20)
    author: str = Field(default="", max_length=200)
    # The changelog history id; None when the change was seen without its history.
    history_id: str | None = Field(default=None, max_length=40)
    source: str = Field(default="sync", max_length=20)  # sync, webhook
    changed_at: datetime = Field(sa_type=UTCDateTime, index=True)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JobLease(SQLModel, table=True):
    """Who runs a scheduled job now; another process may take it once `lease_until` passes."""

    name: str = Field(primary_key=True, max_length=80)
    owner: str = Field(default="", max_length=80)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SchedulerHeartbeat(SQLModel, table=True):
    """A scheduler process alive at `seen_at`; pages promise that work resumes by itself only
    when one was seen recently."""

    owner: str = Field(primary_key=True, max_length=80)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class WebhookDelivery(SQLModel, table=True):
    """A Jira webhook delivery already handled, kept to ignore its retries."""

    id: int | None = Field(default=None, primary_key=True)
    identifier: str = Field(max_length=200, unique=True)
    event: str = Field(default="", max_length=80)
    jira_id: str = Field(default="", max_length=40)
    outcome: str = Field(default="", max_length=20)  # applied, ignored
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
