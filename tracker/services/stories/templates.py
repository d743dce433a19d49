"""The generated text of a story draft: configured Jinja templates and the evidence context.

Templates come from config (`stories.*_template`, `stories.criteria_templates`) and are run in
Jinja's sandbox with StrictUndefined: a typo in a template stops generation with one sentence
naming the config key instead of producing a story with a silent gap. Output is plain text (it
becomes Jira wiki markup or ADF later, escaped there), so autoescaping is off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tracker.config import StorySettings
from tracker.errors import ValidationFailed
from tracker.models import Suggestion
from tracker.services.stories import evidence_text, wording
from tracker.services.suggestions import score_inputs, scoring

_ENV = ImmutableSandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
)
# A criteria template is "given | when | then", but "|" also applies Jinja filters, so only a
# bar outside {{ }}, {% %} and {# #} separates the parts.
_CRITERION_SPLIT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\|", re.DOTALL)
TEMPLATE_NAMES = "suggestion.<field>, hours_saved and area_role"


@dataclass(frozen=True)
class StoryText:
    summary: str
    role: str
    want: str
    benefit: str
    criteria: list[dict[str, str]]


def template_context(suggestion: Suggestion, settings: StorySettings) -> dict[str, Any]:
    """What every template sees: a plain copy of the suggestion, hours saved and the area's role.

    A dict rather than the ORM object, so a template cannot reach the session or relations.
    """
    hours = suggestion.hours_saved_per_week
    fields = {
        "id": suggestion.id,
        "title": suggestion.title,
        "problem": suggestion.problem,
        "proposed_change": suggestion.proposed_change,
        "area": suggestion.area,
        "queue": suggestion.queue,
        "weekly_volume": suggestion.weekly_volume,
        "handle_time_minutes": suggestion.handle_time_minutes,
        "minutes_saved_per_ticket": suggestion.minutes_saved_per_ticket,
        "automation_share": suggestion.automation_share,
        "evidence_links": list(suggestion.evidence_links),
        "status": suggestion.status.value,
        "score_framework": suggestion.score_framework,
        "score_value": suggestion.score_value,
        "score_formula": suggestion.score_formula,
        "hours_saved_per_week": hours,
    }
    return {
        "suggestion": fields,
        # None (not "0") when nothing is saved, so `{% if hours_saved %}` reads naturally.
        "hours_saved": score_inputs.format_score(hours) if hours else None,
        "area_role": settings.area_roles.get(suggestion.area, settings.default_role),
    }


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """The configured templates are few and fixed per process, and compiling one costs about
    1 ms (ten per generated draft); a broken one raises again on every call, as it is not kept."""
    return _ENV.from_string(source)


def render_template_text(
    key: str, source: str, context: dict[str, Any], *, item: int | None = None
) -> str:
    """Render one configured template; ValidationFailed names `stories.<key>` on any failure."""
    where = f"Config key 'stories.{key}'" + (f" (item {item})" if item is not None else "")
    try:
        return _compiled(source).render(context)
    except TemplateSyntaxError as exc:
        message = f"{where} is not a valid template: {exc.message} (line {exc.lineno})."
    except UndefinedError as exc:
        # The only mapping in the context is `suggestion`; say so instead of "'dict object'".
        found = str(exc.message).replace("'dict object'", "suggestion")
        message = (
            f"{where} uses something that is not defined ({found}); "
            f"templates can use {TEMPLATE_NAMES}."
        )
    except SecurityError as exc:
        message = f"{where} does something templates may not: {str(exc).rstrip('.')}."
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        message = f"{where} failed to render: {str(exc).rstrip('.')}."
    raise ValidationFailed(message)


def split_criterion(source: str) -> list[str]:
    """A "given | when | then" template cut at the bars that are not inside Jinja tags."""
    parts: list[str] = []
    start = 0
    for match in _CRITERION_SPLIT.finditer(source):
        if match.group() == "|":
            parts.append(source[start : match.start()])
            start = match.end()
    return [*parts, source[start:]]


def _criteria(
    suggestion: Suggestion, settings: StorySettings, context: dict[str, Any]
) -> list[dict[str, str]]:
    if evidence_text.uses_builtin_criteria(settings.criteria_templates):
        return evidence_text.criteria(suggestion)
    rows = []
    for number, source in enumerate(settings.criteria_templates, start=1):
        parts = split_criterion(source)
        if len(parts) != 3:
            raise ValidationFailed(
                f"Config key 'stories.criteria_templates' (item {number}) must have three parts "
                f"separated by '|' (given | when | then); it has {len(parts)}."
            )
        # Each part is read inside "Given ... When ... Then ...": no closing mark of its own.
        rendered = [
            wording.clause(render_template_text("criteria_templates", part, context, item=number))
            for part in parts
        ]
        rows.append(dict(zip(("given", "when", "then"), rendered, strict=True)))
    return rows


def _benefit(suggestion: Suggestion, settings: StorySettings, context: dict[str, Any]) -> str:
    if evidence_text.uses_builtin_benefit(settings.benefit_template):
        return evidence_text.benefit(suggestion, context["hours_saved"])
    return render_template_text("benefit_template", settings.benefit_template, context)


def story_text(suggestion: Suggestion, settings: StorySettings) -> StoryText:
    """Summary, the user-story sentence and the criteria rendered from the configured templates.

    The parts are read as "As a <role>, I want <want>, so that <benefit>.", so each is fitted
    into that sentence: "Add a batch action." becomes "to add a batch action".
    """
    context = template_context(suggestion, settings)

    def render(key: str, source: str) -> str:
        return render_template_text(key, source, context)

    # Rendered in form order, so a broken template is reported for the first field it breaks.
    summary = render("summary_template", settings.summary_template)
    role = render("role_template", settings.role_template)
    want = render("want_template", settings.want_template)
    return StoryText(
        summary=wording.capitalise(wording.clause(summary)),
        role=wording.clause(role),
        want=wording.want_phrase(want),
        benefit=wording.benefit_phrase(_benefit(suggestion, settings, context)),
        criteria=_criteria(suggestion, settings, context),
    )


def _expected_saving(suggestion: Suggestion) -> str:
    volume = suggestion.weekly_volume
    if suggestion.minutes_saved_per_ticket is not None:
        return scoring.hours_saved_formula(volume, suggestion.minutes_saved_per_ticket)
    share, handle = suggestion.automation_share, suggestion.handle_time_minutes
    if share is None or handle is None:
        return ""
    # Automating a share of tickets saves that share of the whole handle time on each ticket.
    formula = scoring.hours_saved_formula(volume, handle * share / 100)
    if not formula:
        return ""
    f = score_inputs.format_input
    return f"{formula} ({f(share)}% of tickets automated x {f(handle)} min handle time)"


def context_text(suggestion: Suggestion) -> str:
    """The editable context: the problem, the evidence figures and the evidence links.

    Blank lines separate paragraphs and single newlines are line breaks, as the Jira
    description renderer reads them.
    """
    f = score_inputs.format_input
    figures = [
        ("Queue", suggestion.queue or None),
        (
            "Weekly volume",
            f"{f(suggestion.weekly_volume)} tickets"
            if suggestion.weekly_volume is not None
            else None,
        ),
        (
            "Average handle time",
            f"{f(suggestion.handle_time_minutes)} min"
            if suggestion.handle_time_minutes is not None
            else None,
        ),
        (
            "Minutes saved per ticket",
            f"{f(suggestion.minutes_saved_per_ticket)} min"
            if suggestion.minutes_saved_per_ticket is not None
            else None,
        ),
        (
            "Share of tickets automated",
            f"{f(suggestion.automation_share)}%"
            if suggestion.automation_share is not None
            else None,
        ),
        ("Expected saving", _expected_saving(suggestion) or None),
    ]
    paragraphs = [suggestion.problem.strip()]
    evidence = [f"{label}: {value}" for label, value in figures if value]
    if evidence:
        paragraphs.append("\n".join(evidence))
    if suggestion.evidence_links:
        paragraphs.append("\n".join(["Evidence links:", *suggestion.evidence_links]))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
