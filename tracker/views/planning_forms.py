# (Flask-WTF ships no type information; pyproject.toml relaxes the same rule for views/forms.py.)
"""WTForms for initiatives and story drafts; the services still decide what is valid.

Choice fields that pick a record (owner, stakeholders, suggestions) skip WTForms' choice check,
so a stale or hand-made value gets the service's sentence instead of "Not a valid choice".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from tracker.inputs import int_value
from tracker.models import Health, StoryDraft, Suggestion, User

HEALTH_CHOICES = [SelectChoice(health.value, health.label) for health in Health]
# Empty criterion rows under the filled ones: rows can be added without JavaScript.
SPARE_CRITERIA_ROWS = 3


class InitiativeForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(message="Give the initiative a name."), Length(max=120)]
    )
    goal = TextAreaField("Goal", validators=[Length(max=10_000)])
    owner_id = SelectField("Owner", validate_choice=False)
    target_date = DateField(
        "Target date",
        validators=[Optional()],
        invalid_value_message="Enter the target date as YYYY-MM-DD, e.g. 2025-09-30.",
    )
    stakeholder_ids = SelectMultipleField("Stakeholders", validate_choice=False)


class HealthForm(FlaskForm):
    health = SelectField("Health", choices=HEALTH_CHOICES, validate_choice=False)
    note = TextAreaField("Note", validators=[Length(max=500)])


class SuggestionPickForm(FlaskForm):
    suggestion_id = SelectField(
        "Accepted suggestion",
        validate_choice=False,
        validators=[DataRequired(message="Choose a suggestion.")],
    )


class CriterionForm(Form):
    """One Given/When/Then row; a plain Form because the CSRF token belongs to the outer form."""

    given = StringField("Given", validators=[Length(max=1000)])
    when = StringField("When", validators=[Length(max=1000)])
    then = StringField("Then", validators=[Length(max=1000)])


class StoryDraftForm(FlaskForm):
    summary = StringField("Summary", validators=[Length(max=400)])
    role = StringField("As a", validators=[Length(max=200)])
    want = TextAreaField("I want", validators=[Length(max=10_000)])
    benefit = TextAreaField("So that", validators=[Length(max=10_000)])
    context = TextAreaField("Context", validators=[Length(max=20_000)], render_kw={"rows": 10})
    criteria = FieldList(FormField(CriterionForm), min_entries=0, max_entries=50)
    story_points = SelectField("Story points", validate_choice=False)
    labels = StringField("Labels", validators=[Length(max=1000)])
    components = StringField("Components", validators=[Length(max=1000)])
    priority = SelectField("Priority", validate_choice=False)


def person_choices(people: Sequence[User], blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [
        SelectChoice(str(person.id), f"{person.display_name} ({person.email})") for person in people
    ]


def suggestion_choices(suggestions: Sequence[Suggestion]) -> list[SelectChoice]:
    return [SelectChoice("", "Choose a suggestion")] + [
        SelectChoice(str(s.id), f"#{s.id} {s.title}") for s in suggestions
    ]


def draft_form_data(draft: StoryDraft) -> dict[str, Any]:
    """The edit form's initial values: the draft plus spare empty criterion rows."""
    rows = [dict(row) for row in draft.acceptance_criteria]
    return {
        "summary": draft.summary,
        "role": draft.role,
        "want": draft.want,
        "benefit": draft.benefit,
        "context": draft.context,
        "criteria": rows + [{}] * SPARE_CRITERIA_ROWS,
        "story_points": "" if draft.story_points is None else str(draft.story_points),
        "labels": ", ".join(draft.labels),
        "components": ", ".join(draft.components),
        "priority": draft.priority,
    }


def set_draft_choices(
    form: StoryDraftForm, draft: StoryDraft, scale: Sequence[int], priorities: Sequence[str]
) -> None:
    """Scale and priorities from config, plus the draft's own value if config has moved on."""
    points = [SelectChoice("", "Not set")] + [SelectChoice(str(p), str(p)) for p in scale]
    if draft.story_points is not None and draft.story_points not in scale:
        points.append(
            SelectChoice(str(draft.story_points), f"{draft.story_points} (off the scale)")
        )
    form.story_points.choices = points
    names = list(priorities)
    if draft.priority not in names:
        names.append(draft.priority)
    form.priority.choices = [SelectChoice(name, name) for name in names]


def points_value(raw: str | None) -> int | None:
    """The chosen story points, None for "Not set"; ValidationFailed naming `story_points` for
    anything but a whole number within the column (the service then checks the scale)."""
    text = (raw or "").strip()
    return int_value(text, "story_points") if text else None
