"""Request and response shapes of the suggestion, engagement and decision API (non-table models).

SuggestionCreate and SuggestionPublic live in tracker/api/schemas/common.py, shared with the form
and CSV import; these are the API's own. Field descriptions end up in /api/v1/openapi.json.
"""

from __future__ import annotations

from copy import copy
from datetime import datetime
from typing import Any, Optional

from pydantic import StrictBool, create_model
from sqlmodel import Field, SQLModel

from tracker.api.schemas.common import REASON_MAX, Id, RequestBody
from tracker.models import Status
from tracker.services.suggestions.decisions import TRANSITIONS
from tracker.services.suggestions.engagement import COMMENT_MAX, FREQUENCIES, NOTE_MAX
from tracker.services.suggestions.inputs import SuggestionCreate
from tracker.services.suggestions.score_inputs import INPUTS, Framework, InputSpec
from tracker.services.suggestions.submissions import EXPECTED_MAX

# The statuses a PM can set by hand (delivery states come from Jira, duplicate from a merge).
SETTABLE_STATUSES = [
    status.value for status in Status if any(status in to for to in TRANSITIONS.values())
]


def _optional(name: str) -> tuple[Any, Any]:
    """SuggestionCreate's field `name` as optional, with the same bounds."""
    field = copy(SuggestionCreate.model_fields[name])
    field.default, field.default_factory = None, None
    return Optional[field.annotation], field  # noqa: UP045 (a value, not an annotation)


# What an idea is measured by once delivered (services/benefits); PMs only.
_MEASURE: dict[str, Any] = {
    "benefit_metric": (
        Optional[str],  # noqa: UP045 (a value, not an annotation)
        Field(
            default=None,
            max_length=40,
            description="The metric its benefit is measured by; '' or agent_hours for agent "
            "hours (the default)",
        ),
    ),
    "expected_benefit": (
        Optional[float],  # noqa: UP045 (a value, not an annotation)
        Field(
            default=None,
            ge=0,
            le=EXPECTED_MAX,
            description="The improvement a week expected, in the metric's unit; null clears it "
            "(agent hours then use the hours-saved estimate)",
        ),
    ),
}

SuggestionUpdate = create_model(
    "SuggestionUpdate",
    __base__=RequestBody,
    __doc__="A partial edit: fields left out keep their values; the result is checked whole.",
    **{name: _optional(name) for name in SuggestionCreate.model_fields},  # type: ignore[call-overload]
    **_MEASURE,
)


class SimilarSuggestion(SQLModel):
    id: int
    title: str
    status: str
    vote_count: int
    similarity: float = Field(description="0 to 1: the share of words the two texts have in common")


class VoteCreate(RequestBody):
    frequency: str = Field(
        default="",
        description="How often the voter hits the problem: daily, weekly, monthly, rarely",
        schema_extra={"json_schema_extra": {"enum": ["", *FREQUENCIES]}},
    )
    note: str = Field(default="", max_length=NOTE_MAX)


class EngagementCounts(SQLModel):
    """The counts of the suggestion that carries the votes (the merge target, if merged)."""

    suggestion_id: int
    vote_count: int
    comment_count: int
    voted: bool
    watching: bool


class CommentCreate(RequestBody):
    body: str = Field(max_length=COMMENT_MAX, description="Markdown")


class CommentPublic(SQLModel):
    id: int
    suggestion_id: int
    author_id: int
    author_name: str
    body: str
    created_at: datetime


class WatchUpdate(RequestBody):
    watching: StrictBool


class StatusChangePublic(SQLModel):
    from_status: str | None
    to_status: str
    reason: str
    actor_id: int | None
    created_at: datetime
    score_snapshot: dict[str, Any] | None


class StatusUpdate(RequestBody):
    status: str = Field(
        description="Declining needs a reason; which moves are open depends on the status now",
        schema_extra={"json_schema_extra": {"enum": SETTABLE_STATUSES}},
    )
    reason: str = Field(default="", max_length=REASON_MAX)


def _input_schema(spec: InputSpec) -> dict[str, Any]:
    """One score input as score_inputs.check_input takes it (a number; forms may send text)."""
    if spec.choices is not None:
        return {"type": "number", "enum": [value for value, _ in spec.choices]}
    schema: dict[str, Any] = {"type": "integer" if spec.integer else "number"}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    return schema


def _inputs_schema() -> dict[str, Any]:
    return {
        "anyOf": [
            {
                "title": f"{framework.value} inputs",
                "type": "object",
                "properties": {spec.name: _input_schema(spec) for spec in specs},
                "required": [spec.name for spec in specs],
            }
            for framework, specs in INPUTS.items()
        ]
    }


class ScoreRequest(RequestBody):
    framework: str | None = Field(
        default=None,
        description="The configured framework if left out",
        schema_extra={"json_schema_extra": {"enum": [*(f.value for f in Framework), None]}},
    )
    inputs: dict[str, Any] = Field(
        description="The framework's inputs by name; inputs it does not use are ignored",
        schema_extra={"json_schema_extra": _inputs_schema()},
    )


class ScorePublic(SQLModel):
    framework: str
    value: float
    formula: str
    inputs: dict[str, float]
    quadrant: str | None = Field(description="Value/effort only: Possible, Implement, ...")


class MergeRequest(RequestBody):
    target_id: Id
    reason: str = Field(default="", max_length=REASON_MAX)


class UnmergeRequest(RequestBody):
    reason: str = Field(default="", max_length=REASON_MAX)


class SharingUpdate(RequestBody):
    confidential: StrictBool
    shared_with_vendors: StrictBool
