"""Input and output shapes of the JSON API (non-table SQLModel classes), and what every request
body shares: no unknown fields, and ids as the id column takes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pydantic
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig

from tracker.inputs import MAX_ID
from tracker.models import Role

# A row id in a request body: a JSON integer (not true, 3.0 or "3") from 1 to the largest the
# narrowest id column holds, so no id reaches the database as an integer overflow.
Id = Annotated[int, pydantic.Field(strict=True, ge=1, le=MAX_ID)]
# The longest reason, note or other free text a request body carries where the service itself
# sets no limit (the columns are TEXT): enough for any explanation, not for a document.
REASON_MAX = 10_000


class RequestBody(SQLModel):
    """A request body: unknown fields are refused (`additionalProperties: false` in the
    document), nested objects included."""

    model_config = SQLModelConfig(extra="forbid")


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


class StoryDeliveryPublic(SQLModel):
    """One story of a suggestion and where its Jira issue stands (empty until pushed)."""

    story_id: int
    summary: str
    jira_key: str = Field(description="'' until the story is pushed")
    browse_url: str
    status: str = Field(description="Jira's status name; '' until the first sync")
    delivery_state: str | None = Field(description="todo, in_progress or done; null if unknown")
    assignee: str
    fix_versions: list[str]
    sprint: str
    updated: datetime | None = Field(description="When Jira last changed the issue")
    missing_since: datetime | None = Field(
        description="Jira stopped returning the issue (deleted or hidden); PMs only, else null"
    )


class SuggestionDelivery(SQLModel):
    in_jira_at: datetime | None = Field(description="When its first story reached Jira")
    delivered_at: datetime | None = Field(description="When its last story was done")
    stories_done: int
    stories_total: int
    stories: list[StoryDeliveryPublic] = Field(description="Oldest story first")


class SuggestionPublic(SQLModel):
    id: int
    title: str
    problem: str
    proposed_change: str
    area: str
    queue: str
    weekly_volume: int | None
    handle_time_minutes: float | None
    minutes_saved_per_ticket: float | None
    automation_share: float | None
    evidence_links: list[str]
    status: str
    decision_reason: str
    submitter_id: int
    organisation_id: int | None
    confidential: bool
    shared_with_vendors: bool
    duplicate_of_id: int | None
    initiative_id: int | None
    score_framework: str | None
    score_value: float | None
    score_formula: str
    vote_count: int
    comment_count: int
    hours_saved_per_week: float | None
    benefit_metric: str = Field(
        default="", description="The metric delivery is measured by; empty for agent hours"
    )
    expected_benefit: float | None = Field(
        default=None, description="The improvement a week expected, in the metric's unit"
    )
    created_at: datetime
    updated_at: datetime
    delivery: SuggestionDelivery | None = Field(
        default=None,
        description="Its stories in Jira; given by GET /suggestions/{id}, null elsewhere",
    )
