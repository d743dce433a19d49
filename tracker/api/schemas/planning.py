"""Request and response shapes of the backlog, import, initiative and story-draft API.

Non-table models; field descriptions end up in /api/v1/openapi.json. The suggestion and
engagement shapes live in tracker/api/schemas/suggestions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import StrictBool, StrictInt
from sqlmodel import Field, SQLModel

from tracker.api.schemas.common import Id, RequestBody, SuggestionPublic
from tracker.models import Health, Initiative, StoryDraft, User
from tracker.pagination import Page
from tracker.services.benefits.totals import Total
from tracker.services.stories.initiatives import GOAL_MAX, HEALTH_NOTE_MAX, NAME_MAX
from tracker.services.suggestions.csv_import import MAX_ROWS

if TYPE_CHECKING:
    from tracker.services.benefits.initiative_sums import InitiativeBenefit
    from tracker.services.jira_status.delivery import Progress
    from tracker.services.stories.readiness import LintProblem

# The story edit form's own limits, so the API accepts no more than a PM could type there.
CRITERIA_MAX = 50
CRITERION_PART_MAX = 1000
STORY_TEXT_MAX = 10_000
STORY_CONTEXT_MAX = 20_000
# More people than any initiative keeps informed; a bound so that a body cannot list millions.
STAKEHOLDERS_MAX = 500


class PageInfo(SQLModel):
    """Where a page sits in the whole list; `next_page`/`prev_page` are null at either end."""

    total: int = Field(description="Rows matching the filters that the caller may see")
    page: int = Field(description="This page's number (a page past the end answers the last)")
    per_page: int
    pages: int
    next_page: int | None
    prev_page: int | None


# --- backlog ----------------------------------------------------------------------------------


class BacklogItem(SuggestionPublic):
    submitter_name: str
    vendor_name: str = Field(description="The vendor organisation, or 'Internal'")


class BacklogPage(PageInfo):
    items: list[BacklogItem] = Field(
        description="In the requested sort; by default best score first, unscored ideas last"
    )
    filters: dict[str, str] = Field(
        description="The filters and sort applied beyond the defaults (open ideas, by score),"
        " after dropping values that make no sense"
    )


# --- import -----------------------------------------------------------------------------------


class ImportRequest(RequestBody):
    rows: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_ROWS,
        description=(
            "Objects with the fields of SuggestionCreate; each row is checked on its own and "
            "its problems reported, so a bad row does not refuse the whole request"
        ),
    )
    mode: Literal["all_or_nothing", "valid_only"] = Field(
        default="all_or_nothing",
        description="all_or_nothing imports none if any row has an error; valid_only the rest",
    )
    dry_run: StrictBool = Field(
        default=False, description="Check and report only; nothing is stored"
    )


class ImportRowReport(SQLModel):
    row: int = Field(description="The row's position in `rows`, counting from 1")
    ok: bool
    errors: dict[str, str] = Field(description="Field name -> what is wrong with it")
    id: int | None = Field(default=None, description="The new suggestion's id, once imported")


class ImportReport(SQLModel):
    """The answer to an import; with errors and nothing imported it is a 422's `report`."""

    mode: str
    dry_run: bool
    valid: int
    invalid: int
    imported: int
    rows: list[ImportRowReport]


# --- initiatives ------------------------------------------------------------------------------


class PersonRef(SQLModel):
    id: int
    display_name: str

    @classmethod
    def of(cls, user: User | None) -> Self | None:
        if user is None or user.id is None:
            return None
        return cls(id=user.id, display_name=user.display_name)


class InitiativeSuggestion(SQLModel):
    id: int
    title: str
    status: str
    score_value: float | None
    vote_count: int


class StuckStoryPublic(SQLModel):
    story_id: int
    summary: str
    jira_key: str
    browse_url: str
    status: str = Field(description="The Jira status it has been in since `since`")
    since: datetime
    days: int = Field(description="Whole days in that status")


class MissingStoryPublic(SQLModel):
    story_id: int
    summary: str
    jira_key: str
    missing_since: datetime


class InitiativeDelivery(SQLModel):
    """Progress in Jira over the stories the caller may see."""

    stories_done: int
    stories_total: int
    points_done: int
    points_total: int = Field(description="Stories without points count in neither figure")
    percent_by_stories: int | None = Field(description="Whole percent, rounded down; null if none")
    percent_by_points: int | None
    stuck: list[StuckStoryPublic] = Field(
        description="Stories not done and in one status longer than sync.stuck_after_days"
    )
    missing: list[MissingStoryPublic] = Field(
        description="Stories whose issue Jira no longer returns; PMs only, else empty"
    )

    @classmethod
    def of(cls, progress: Progress, *, show_missing: bool) -> Self:
        return cls(
            stories_done=progress.stories_done,
            stories_total=progress.stories_total,
            points_done=progress.points_done,
            points_total=progress.points_total,
            percent_by_stories=progress.percent_by_stories,
            percent_by_points=progress.percent_by_points,
            stuck=[
                StuckStoryPublic(
                    story_id=story.story_id,
                    summary=story.summary,
                    jira_key=story.jira_key,
                    browse_url=story.browse_url,
                    status=story.status_name,
                    since=story.since,
                    days=story.days,
                )
                for story in progress.stuck
            ],
            missing=[
                MissingStoryPublic(
                    story_id=story.story_id,
                    summary=story.summary,
                    jira_key=story.jira_key,
                    missing_since=story.missing_since,
                )
                for story in progress.missing
            ]
            if show_missing
            else [],
        )


class BenefitTotalPublic(SQLModel):
    """Agent hours a week over measured and inconclusive ideas; shares of one change add
    their uncertainty, separate changes combine as independent."""

    measured: float
    ci_low: float
    ci_high: float
    expected: float = Field(description="What the same ideas were expected to save")
    counted: int = Field(description="Ideas in the sum")
    expected_missing: int = Field(description="Counted ideas without an estimate")
    spans_zero: bool

    @classmethod
    def of(cls, total: Total | None) -> Self | None:
        if total is None:
            return None
        return cls(
            measured=round(total.measured, 2),
            ci_low=round(total.low, 2),
            ci_high=round(total.high, 2),
            expected=round(total.expected, 2),
            counted=total.counted,
            expected_missing=total.expected_missing,
            spans_zero=total.spans_zero,
        )


class InitiativeBenefitPublic(SQLModel):
    """The initiative's delivered ideas and the agent hours they saved, over what the caller
    may see."""

    delivered: int = Field(description="Delivered ideas in it")
    hours: BenefitTotalPublic | None = Field(description="Null until one is measured")
    summary: str = Field(description="The sentence the initiative page shows")

    @classmethod
    def of(cls, found: InitiativeBenefit) -> Self:
        return cls(
            delivered=found.delivered,
            hours=BenefitTotalPublic.of(found.total),
            summary=found.summary,
        )


class InitiativePublic(SQLModel):
    id: int
    name: str
    goal: str
    owner: PersonRef | None
    target_date: date | None
    health: str = Field(description="on_track, at_risk or off_track")
    health_note: str
    suggestion_count: int = Field(description="Suggestions in it that the caller may see")
    story_count: int = Field(description="Story drafts in it that the caller may see")
    created_at: datetime
    updated_at: datetime
    delivery: InitiativeDelivery
    benefit: InitiativeBenefitPublic = Field(
        description="What its delivered ideas saved, over those the caller may see"
    )

    @classmethod
    def of(cls, initiative: Initiative, *, owner: User | None, **extra: Any) -> Self:
        return cls.model_validate(initiative.model_dump() | {"owner": PersonRef.of(owner)} | extra)


class InitiativeDetail(InitiativePublic):
    stakeholders: list[PersonRef]
    suggestions: list[InitiativeSuggestion] = Field(description="Best score first")


class InitiativeCreate(RequestBody):
    name: str = Field(max_length=NAME_MAX, description="Unique, ignoring case")
    goal: str = Field(default="", max_length=GOAL_MAX)
    owner_id: Id | None = Field(
        default=None, description="A product manager or administrator; the caller if left out"
    )
    target_date: date | None = None
    stakeholder_ids: list[Id] = Field(
        default_factory=list,
        max_length=STAKEHOLDERS_MAX,
        description="People to keep informed; not vendor staff",
    )


class InitiativeUpdate(RequestBody):
    """A partial edit: fields left out keep their values; the result is checked whole."""

    name: str | None = Field(default=None, max_length=NAME_MAX)
    goal: str | None = Field(default=None, max_length=GOAL_MAX)
    owner_id: Id | None = None
    target_date: date | None = None
    stakeholder_ids: list[Id] | None = Field(default=None, max_length=STAKEHOLDERS_MAX)


class HealthUpdate(RequestBody):
    health: str = Field(schema_extra={"json_schema_extra": {"enum": [h.value for h in Health]}})
    note: str = Field(
        default="", max_length=HEALTH_NOTE_MAX, description="Required unless on track"
    )


class InitiativeSuggestionAdd(RequestBody):
    suggestion_id: Id = Field(description="An accepted or in-delivery suggestion")


# --- story drafts -----------------------------------------------------------------------------


class AcceptanceCriterion(SQLModel):
    given: str = ""
    when: str = ""
    then: str = ""


class AcceptanceCriterionEdit(RequestBody):
    """As typed: limited like the form (stored drafts may hold longer generated text)."""

    given: str = Field(default="", max_length=CRITERION_PART_MAX)
    when: str = Field(default="", max_length=CRITERION_PART_MAX)
    then: str = Field(default="", max_length=CRITERION_PART_MAX)


class LintProblemPublic(SQLModel):
    field: str
    sentence: str


class StoryDraftPublic(SQLModel):
    id: int
    suggestion_id: int
    suggestion_title: str
    initiative_id: int | None
    summary: str
    role: str
    want: str
    benefit: str
    context: str
    acceptance_criteria: list[AcceptanceCriterion]
    story_points: int | None
    labels: list[str]
    components: list[str]
    priority: str
    state: str = Field(description="draft or ready")
    problem_count: int = Field(description="Lint problems keeping it from being ready")
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, draft: StoryDraft, *, title: str, problems: Sequence[LintProblem]) -> Self:
        """The draft as shown; lists carry only the count of its lint problems, details each."""
        listed = [LintProblemPublic(field=p.field, sentence=p.sentence) for p in problems]
        fields = {"suggestion_title": title, "problem_count": len(problems), "problems": listed}
        return cls.model_validate(draft.model_dump() | fields)


class StoryDraftDetail(StoryDraftPublic):
    problems: list[LintProblemPublic] = Field(description="Every lint problem, in form order")


class StoryDraftPage(PageInfo):
    items: list[StoryDraftPublic] = Field(description="Newest first")


class StoryDraftUpdate(RequestBody):
    """A partial edit: fields left out keep their values; null clears story points."""

    summary: str | None = None
    role: str | None = None
    want: str | None = Field(default=None, max_length=STORY_TEXT_MAX)
    benefit: str | None = Field(default=None, max_length=STORY_TEXT_MAX)
    context: str | None = Field(default=None, max_length=STORY_CONTEXT_MAX)
    acceptance_criteria: list[AcceptanceCriterionEdit] | None = Field(
        default=None,
        max_length=CRITERIA_MAX,
        description="Replaces every criterion; rows with all three parts empty are dropped",
    )
    story_points: StrictInt | None = Field(default=None, description="A value on the points scale")
    labels: list[str] | None = Field(default=None, description="Without spaces (Jira's rule)")
    components: list[str] | None = None
    priority: str | None = Field(default=None, description="One of the configured priorities")


class StoryPreview(SQLModel):
    summary: str
    wiki: str = Field(description="The description as Jira Data Center stores it (wiki markup)")
    adf: dict[str, Any] = Field(
        description="The description as Jira Cloud stores it (Atlassian Document Format)"
    )


def page_fields(found: Page[Any]) -> dict[str, Any]:
    """PageInfo's fields for one page of any list; from past the end, `prev_page` is the last."""
    return {
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "pages": found.pages,
        "next_page": found.page + 1 if found.has_next else None,
        "prev_page": min(found.page - 1, found.pages) if found.has_prev else None,
    }
