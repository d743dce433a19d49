"""Forms of the suggestion pages, and the detail page that holds most of them (its actions live
in views/suggestions.py and views/deliveries.py). The services hold the rules; these forms only
carry input.

Fields are deliberately free text where the service validates (numbers, area), so a wrong value
comes back exactly as typed with the service's sentence beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from flask import flash, redirect, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import Conflict, DomainError, ValidationFailed
from tracker.models import Status, Suggestion, Vote
from tracker.permissions import Permission, allowed
from tracker.services.benefits import calibration as benefit_calibration
from tracker.services.benefits.measure import local_day
from tracker.services.kpis.metrics import AGENT_HOURS, Metric, every_metric
from tracker.services.suggestions import decisions, engagement, pages
from tracker.services.suggestions.score_inputs import INPUTS, Framework, format_input
from tracker.services.suggestions.submissions import MEASURE_FIELDS
from tracker.views.forms import apply_errors

# Errors a person can fix on the page they came from; NotFound and PermissionDenied get the
# error page instead.
_FIXABLE = (ValidationFailed, Conflict)
Page = tuple[str, int]
Outcome = tuple[str, str]  # the message to flash, and the page to go to

SUGGESTION_FIELDS = (
    "title",
    "problem",
    "proposed_change",
    "area",
    "queue",
    "weekly_volume",
    "handle_time_minutes",
    "minutes_saved_per_ticket",
    "automation_share",
    "evidence_links",
    "confidential",
)
_WHOLE = {"inputmode": "numeric", "autocomplete": "off"}
_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


# Flask-WTF ships no type information, hence the ignores on each form class.
class SuggestionForm(FlaskForm):
    title = StringField(
        "Title",
        description="One line, at most 200 characters.",
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )
    problem = TextAreaField(
        "Problem today", description="What goes wrong or takes too long now, and for whom."
    )
    proposed_change = TextAreaField("Proposed change", description="What should work differently.")
    area = SelectField("Area", validate_choice=False)
    queue = StringField(
        "Queue or workflow",
        description="Choose a queue or type a new one, for example: Spam appeals (EN).",
        render_kw={"list": "queue-names", "autocomplete": "off", "maxlength": 120},
    )
    weekly_volume = StringField(
        "Weekly ticket volume",
        description="Tickets a week that hit this problem.",
        render_kw=_WHOLE,
    )
    handle_time_minutes = StringField("Current average handle time (minutes)", render_kw=_DECIMAL)
    minutes_saved_per_ticket = StringField(
        "Expected minutes saved per ticket",
        description="Leave empty if you give the share of tickets automated instead.",
        render_kw=_DECIMAL,
    )
    automation_share = StringField(
        "Or: share of tickets automated (%)",
        description="Tickets that would need no agent at all, 0 to 100.",
        render_kw=_DECIMAL,
    )
    evidence_links = TextAreaField(
        "Evidence links",
        description="Ticket ids (OPS-123) or dashboard links (https://...), one per line.",
    )
    confidential = BooleanField(
        "Confidential", description="Only you and the product managers will see it."
    )
    # PMs only (the edit page shows them to PMs; the service refuses anyone else).
    benefit_metric = SelectField(
        "Measured by",
        description="What its benefit is measured by once delivered.",
        validate_choice=False,
    )
    expected_benefit = StringField(
        "Expected improvement a week",
        description="In the metric's unit; for agent hours, empty means the hours-saved estimate.",
        render_kw=_DECIMAL,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.benefit_metric.choices = metric_choices(every_metric(current_settings()))

    def raw(self) -> dict[str, Any]:
        """The typed values for the service, with absent text fields as ""; the measure fields
        only when they were sent (the form shows them to PMs alone)."""
        values: dict[str, Any] = {}
        for name in SUGGESTION_FIELDS:
            data = self[name].data
            values[name] = bool(data) if name == "confidential" else (data or "")
        for name in MEASURE_FIELDS:
            if self[name].raw_data:
                values[name] = self[name].data or ""
        return values


def metric_choices(metrics: Mapping[str, Metric]) -> list[SelectChoice]:
    """Agent hours first (the default, stored as ""), then every other metric by label."""
    others = sorted(
        (metric for name, metric in metrics.items() if name != AGENT_HOURS),
        key=lambda metric: metric.label.lower(),
    )
    return [
        SelectChoice("", "Agent hours saved (the default)"),
        *(SelectChoice(metric.name, f"{metric.label} ({metric.unit})") for metric in others),
    ]


def area_choices(areas: Sequence[str], current: str = "") -> list[SelectChoice]:
    """The configured areas; an area since removed from the config stays selectable on edit."""
    names = list(areas) if not current or current in areas else [*areas, current]
    return [SelectChoice("", "Choose an area"), *(SelectChoice(name, name) for name in names)]


def _plain(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def suggestion_data(suggestion: Suggestion) -> dict[str, Any]:
    """A stored suggestion as the edit form shows it."""
    data: dict[str, Any] = {name: getattr(suggestion, name) for name in SUGGESTION_FIELDS}
    for name in ("weekly_volume", "handle_time_minutes", "minutes_saved_per_ticket"):
        data[name] = _plain(data[name])
    data["automation_share"] = _plain(suggestion.automation_share)
    data["benefit_metric"] = suggestion.benefit_metric
    data["expected_benefit"] = _plain(suggestion.expected_benefit)
    data["evidence_links"] = "\n".join(suggestion.evidence_links)
    return data


class VoteForm(FlaskForm):
    frequency = SelectField(
        "How often do you hit this?",
        choices=[
            SelectChoice("", "Choose (optional)"),
            *(SelectChoice(key, label) for key, label in engagement.FREQUENCIES.items()),
        ],
        validate_choice=False,
    )
    note = StringField(
        "Note (optional)",
        description="For example: about 20 tickets a day in the EN queue.",
        render_kw={"maxlength": 500},
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment", description="Markdown works: **bold**, *italic*, lists and links."
    )


class StatusForm(FlaskForm):
    to = SelectField("New status", validate_choice=False)
    reason = TextAreaField("Reason", description="Shown to the submitter. Required when declining.")


def status_choices(current: Status) -> list[SelectChoice]:
    """The moves a PM can make from `current`, in workflow order."""
    allowed = decisions.TRANSITIONS[current]
    return [SelectChoice(status.value, status.label) for status in Status if status in allowed]


class MergeForm(FlaskForm):
    target_id = StringField(
        "Duplicate of suggestion #",
        description="Votes, comments and followers then count there; the merge can be undone.",
        render_kw=_WHOLE,
    )


class SharingForm(FlaskForm):
    confidential = BooleanField("Confidential: PMs and the submitter only")
    shared_with_vendors = BooleanField("Shared with vendor staff of every organisation")


FRAMEWORK_LABELS = {
    Framework.VALUE_EFFORT: "value / effort",
    Framework.RICE: "RICE",
    Framework.ICE: "ICE",
    Framework.WSJF: "WSJF",
}


class ScoreForm(FlaskForm):
    """Base of the per-framework score forms built by `score_form_class`."""

    framework: Framework

    def inputs(self) -> dict[str, str]:
        return {spec.name: self[spec.name].data or "" for spec in INPUTS[self.framework]}


@cache
def score_form_class(framework: Framework) -> type[ScoreForm]:
    """A form with one field per input of the framework, labelled and explained as scoring says."""
    fields: dict[str, Any] = {"framework": framework}
    for spec in INPUTS[framework]:
        if spec.choices is not None:
            fields[spec.name] = SelectField(
                spec.label,
                description=spec.help,
                choices=[
                    SelectChoice("", "Choose"),
                    *(SelectChoice(format_input(v), label) for v, label in spec.choices),
                ],
                validate_choice=False,
            )
        else:
            fields[spec.name] = StringField(spec.label, description=spec.help, render_kw=_DECIMAL)
    return type(f"{framework.name.title()}ScoreForm", (ScoreForm,), fields)


def score_data(suggestion: Suggestion, framework: Framework) -> dict[str, str]:
    """The stored inputs, when the idea was scored in the framework the form is for."""
    if suggestion.score_framework != framework.value:
        return {}
    return {name: format_input(value) for name, value in suggestion.score_inputs.items()}


class DeliverForm(FlaskForm):
    # A text field with the date input: the service reads the day, and a wrong one comes back
    # as typed with its sentence (WTForms' DateField would drop it).
    on = StringField("Delivered on", render_kw={"type": "date", "autocomplete": "off"})
    note = TextAreaField(
        "Note",
        description="What changed and how (a macro, a training, a process); history shows it.",
    )


def _delivery_data(suggestion: Suggestion) -> dict[str, str] | None:
    """A delivered idea's day, in the configured zone, for the correction form."""
    if suggestion.status is not Status.DELIVERED or suggestion.delivered_at is None:
        return None
    return {"on": local_day(suggestion.delivered_at, current_settings().timezone).isoformat()}


def detail_forms(
    suggestion: Suggestion, my_vote: Vote | None, framework: Framework
) -> dict[str, FlaskForm]:
    """The detail page's forms, blank or showing what is stored; a failed one replaces its own."""
    return {
        "vote_form": VoteForm(
            formdata=None,
            data={"frequency": my_vote.frequency, "note": my_vote.note} if my_vote else None,
        ),
        "comment_form": CommentForm(formdata=None),
        "status_form": StatusForm(formdata=None),
        "score_form": score_form_class(framework)(
            formdata=None, data=score_data(suggestion, framework)
        ),
        "merge_form": MergeForm(formdata=None),
        "deliver_form": DeliverForm(formdata=None, data=_delivery_data(suggestion)),
        "sharing_form": SharingForm(
            formdata=None,
            data={
                "confidential": suggestion.confidential,
                "shared_with_vendors": suggestion.shared_with_vendors,
            },
        ),
    }


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Field messages beside their fields; the rest (and a bare message) above the form."""
    apply_errors(form, error)
    leftovers = [message for name, message in error.fields.items() if name not in form]
    form.form_errors.extend(leftovers or ([] if error.fields else [error.message]))


def configured_framework() -> Framework:
    return Framework(current_settings().scoring.framework)


def render_detail(suggestion_id: int, status: int = 200, notice: str = "", **forms: Any) -> Page:
    """The detail page, with any form that failed shown with its errors instead of a blank one."""
    session = get_session()
    page = pages.detail_page(
        session, viewer=current_user, suggestion_id=suggestion_id, settings=current_settings()
    )
    suggestion = page.suggestion
    framework = configured_framework()
    blank = detail_forms(suggestion, page.my_vote, framework)
    blank.update(forms)
    blank["status_form"].to.choices = status_choices(suggestion.status)
    # How this source's and area's estimates held up: PMs' business only (vendors would learn
    # other organisations' figures from the area line).
    calibration = (
        benefit_calibration.for_suggestion(
            session, suggestion=suggestion, settings=current_settings()
        )
        if allowed(current_user, Permission.TRIAGE)
        else None
    )
    return render_template(
        "suggestions/detail.html",
        page=page,
        s=suggestion,
        framework=framework,
        framework_label=FRAMEWORK_LABELS[framework],
        score_inputs=INPUTS[framework],
        number=format_input,
        notice=notice,
        calibration=calibration,
        **blank,
    ), status


def detail_action(
    suggestion_id: int, action: Callable[[Session], Outcome], **form: Any
) -> Response | Page:
    """Run a detail-page action: commit, flash its message and go to its page; or show the detail
    page again with the errors beside the form (`form` names it, e.g. vote_form=...)."""
    session = get_session()
    try:
        message, next_url = action(session)
    except _FIXABLE as exc:
        for failed in form.values():
            show_errors(failed, exc)
        return render_detail(
            suggestion_id, exc.status_code, notice="" if form else exc.message, **form
        )
    flash(message, "success")
    return redirect(next_url)
