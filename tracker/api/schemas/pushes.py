"""Request and response shapes of the Jira push API (tracker/api/pushes.py).

The states are push_status's, the same words the push page and story pages show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from sqlmodel import Field, SQLModel

from tracker.api.schemas.common import Id, RequestBody
from tracker.models import JiraLink, PushJob
from tracker.services.stories.push_status import JobStatus, LinkStatus

# More drafts than one push sensibly carries; a bound so that a body cannot list millions.
PUSH_STORIES_MAX = 1_000


class PushRequest(RequestBody):
    """What to push: ready story drafts, or an initiative (its epic, then its ready drafts)."""

    story_ids: list[Id] = Field(
        default_factory=list, max_length=PUSH_STORIES_MAX, description="Ready story drafts' ids"
    )
    initiative_id: Id | None = Field(default=None, description="Push this initiative instead")


class PushItemPublic(SQLModel):
    story_id: int | None = Field(description="The story draft; null for the epic")
    initiative_id: int | None = Field(description="The initiative, for its epic")
    state: str = Field(description="pushed, failed, sending, unconfirmed, waiting or not_pushed")
    state_text: str = Field(description="The state in words, with its reason")
    jira_key: str | None
    browse_url: str

    @classmethod
    def of(cls, link: JiraLink, status: LinkStatus) -> Self:
        return cls(
            story_id=link.story_id,
            initiative_id=link.initiative_id,
            state=status.key,
            state_text=status.text,
            jira_key=link.jira_key,
            browse_url=link.browse_url,
        )


class PushJobPublic(SQLModel):
    id: int
    state: str = Field(description="waiting, running, paused, done or stopped")
    state_text: str = Field(description="The state in words: why it stopped, how it resumes")
    total: int
    lease_owner: str = Field(description="Who holds (or last held) the job; '' if nobody yet")
    lease_until: datetime | None = Field(description="Until when that worker holds it")
    created_at: datetime
    finished_at: datetime | None
    items: list[PushItemPublic]

    @classmethod
    def of(cls, job: PushJob, status: JobStatus, items: list[PushItemPublic]) -> Self:
        assert job.id is not None
        return cls(
            id=job.id,
            state=status.key,
            state_text=status.text,
            total=job.total,
            lease_owner=job.lease_owner,
            lease_until=job.lease_until,
            created_at=job.created_at,
            finished_at=job.finished_at,
            items=items,
        )
