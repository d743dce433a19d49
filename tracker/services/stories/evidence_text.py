"""The built-in "so that" and acceptance criteria, written from the idea's evidence.

Used when `stories.benefit_template` or `stories.criteria_templates` is empty, and when it still
holds the generic text earlier releases shipped as the default (installs copied it from
config.example.toml into their config.toml, so it means "the default", not a choice).
"""

from __future__ import annotations

from tracker.models import Suggestion
from tracker.services.stories.wording import first_sentence, lower_first
from tracker.services.suggestions import score_inputs

LEGACY_BENEFIT_TEMPLATE = (
    "{% if hours_saved %}we save about {{ hours_saved }} agent hours a week"
    "{% else %}{{ suggestion.problem | truncate(160) }} stops slowing us down{% endif %}"
)
LEGACY_CRITERIA_TEMPLATES = (
    "a ticket in {{ suggestion.queue or 'the queue' }} | the agent handles it "
    "| the new process applies without extra manual steps",
    "the change is live | a week has passed | handle time is measured against the baseline",
)
# The "then" of those defaults: lint calls a criterion ending in one of them boilerplate. They
# are also the last resort below, when an idea has no evidence at all, so lint asks for better.
BOILERPLATE_THENS = (
    "the new process applies without extra manual steps",
    "handle time is measured against the baseline",
)

_f = score_inputs.format_input


def uses_builtin_benefit(template: str) -> bool:
    return not template.strip() or template == LEGACY_BENEFIT_TEMPLATE


def uses_builtin_criteria(templates: list[str]) -> bool:
    return not templates or tuple(templates) == LEGACY_CRITERIA_TEMPLATES


def _queue(suggestion: Suggestion) -> str:
    queue = " ".join(suggestion.queue.split())
    return f"the {queue} queue" if queue else "the queue this idea is about"


def _towards(suggestion: Suggestion) -> tuple[float, float] | None:
    """Handle time now and after the change, in minutes, when the evidence gives both."""
    handle = suggestion.handle_time_minutes
    if handle is None or handle <= 0:
        return None
    saved = suggestion.minutes_saved_per_ticket
    if saved is None and suggestion.automation_share is not None:
        # Automated tickets take no agent time, so the average falls by that share.
        saved = handle * suggestion.automation_share / 100
    if saved is None or saved <= 0:
        return None
    return handle, max(handle - saved, 0)


def _manual_touches(suggestion: Suggestion) -> float | None:
    """Tickets a week agents no longer touch, when a share of them is automated."""
    volume, share = suggestion.weekly_volume, suggestion.automation_share
    if volume is None or share is None or volume <= 0 or share <= 0:
        return None
    return volume * share / 100


def benefit(suggestion: Suggestion, hours_saved: str | None) -> str:
    """The "so that" with a number whenever the evidence has one."""
    if hours_saved:
        return f"we save about {hours_saved} agent hours a week"
    if (times := _towards(suggestion)) is not None:
        before, after = times
        return (
            f"handle time in {_queue(suggestion)} drops from {_f(before)} min "
            f"towards {_f(after)} min"
        )
    if (touches := _manual_touches(suggestion)) is not None:
        return f"manual touches in {_queue(suggestion)} drop by about {_f(touches)} a week"
    problem = first_sentence(suggestion.problem)
    # No figure to promise: name the problem, and lint asks the PM for a measurable outcome.
    return f"we no longer lose time because {lower_first(problem)}" if problem else ""


def criteria(suggestion: Suggestion) -> list[dict[str, str]]:
    """A behaviour criterion for the queue, then one measurable criterion from the figures."""
    queue = _queue(suggestion)
    volume = suggestion.weekly_volume
    share = suggestion.automation_share
    rows = []
    if share is not None and share > 0:
        rows.append(
            {
                "given": f"a ticket in {queue}",
                "when": "it arrives after the change is live",
                "then": f"about {_f(share)}% of such tickets are resolved without an agent",
            }
        )
    elif suggestion.queue.strip() or suggestion.minutes_saved_per_ticket is not None:
        rows.append(
            {
                "given": f"a ticket in {queue}",
                "when": "an agent handles it after the change is live",
                "then": "the agent finishes it without the manual step",
            }
        )
    measured = {"given": "the change has been live for a full week"}
    if (times := _towards(suggestion)) is not None:
        before, after = times
        rows.append(
            measured
            | {
                "when": f"handle time in {queue} is measured",
                "then": f"handle time for these tickets drops from {_f(before)} min "
                f"towards {_f(after)} min",
            }
        )
    elif (touches := _manual_touches(suggestion)) is not None:
        rows.append(
            measured
            | {
                "when": f"manual touches in {queue} are counted",
                "then": f"manual touches drop by about {_f(touches)} a week",
            }
        )
    elif volume and suggestion.minutes_saved_per_ticket and volume > 0:
        hours = volume * suggestion.minutes_saved_per_ticket / 60
        rows.append(
            measured
            | {
                "when": f"agent time in {queue} is measured",
                "then": f"agents spend about {_f(hours)} fewer hours a week on these tickets",
            }
        )
    if not rows:
        # No evidence at all: the old generic sentences, which lint flags as boilerplate.
        return [
            {"given": f"a ticket in {queue}", "when": "the agent handles it"}
            | {"then": BOILERPLATE_THENS[0]},
            {"given": "the change is live", "when": "a week has passed"}
            | {"then": BOILERPLATE_THENS[1]},
        ]
    return rows
