"""Generated story text from the configured templates, and the Jira description, without a DB."""

from __future__ import annotations

from typing import Any

import pytest

from sync.mapping.description import to_wiki
from sync.mapping.payload import description_for
from tracker.config import StorySettings
from tracker.errors import ValidationFailed
from tracker.models import Status, StoryDraft, Suggestion
from tracker.services.stories.drafts import split_names
from tracker.services.stories.templates import context_text, split_criterion, story_text


def idea(**changes: Any) -> Suggestion:
    values: dict[str, Any] = {
        "id": 42,
        "title": "Route scam appeals to the specialist queue",
        "problem": "Scam appeals land in the general queue and agents move them by hand.",
        "proposed_change": "scam appeals routed straight to the specialist queue",
        "area": "Scams and fraud",
        "queue": "Scam appeals",
        "weekly_volume": 1200,
        "handle_time_minutes": 12,
        "minutes_saved_per_ticket": 4,
        "evidence_links": ["https://grafana.example.com/d/scam", "OPS-123"],
        "submitter_id": 1,
        "status": Status.ACCEPTED,
    }
    values.update(changes)
    return Suggestion(**values)


def test_default_templates_write_the_story_sentence_and_criteria() -> None:
    text = story_text(idea(), StorySettings(area_roles={"Scams and fraud": "fraud ops agent"}))
    assert text.summary == "Route scam appeals to the specialist queue"
    assert text.role == "fraud ops agent"
    assert text.want == "scam appeals routed straight to the specialist queue"
    assert text.benefit == "we save about 80 agent hours a week"
    assert text.criteria[0] == {
        "given": "a ticket in Scam appeals",
        "when": "the agent handles it",
        "then": "the new process applies without extra manual steps",
    }
    assert len(text.criteria) == 2


def test_unknown_area_uses_the_default_role_and_benefit_falls_back_to_the_problem() -> None:
    text = story_text(idea(weekly_volume=None), StorySettings(default_role="moderator"))
    assert text.role == "moderator"
    assert text.benefit.startswith("Scam appeals land in the general queue")


def test_a_bar_inside_a_jinja_filter_does_not_split_a_criterion() -> None:
    assert split_criterion("{{ suggestion.queue | lower }} | it arrives | done") == [
        "{{ suggestion.queue | lower }} ",
        " it arrives ",
        " done",
    ]
    settings = StorySettings(
        criteria_templates=["{{ suggestion.queue | lower }} | it arrives | done"]
    )
    assert story_text(idea(), settings).criteria == [
        {"given": "scam appeals", "when": "it arrives", "then": "done"}
    ]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"want_template": "{{ suggestion.nope }}"}, "'stories.want_template' uses something"),
        ({"summary_template": "{{ missing_name }}"}, "'stories.summary_template' uses something"),
        ({"benefit_template": "{% if %}"}, "'stories.benefit_template' is not a valid template"),
        ({"criteria_templates": ["a | b | c", "a | b"]}, "'stories.criteria_templates' (item 2)"),
        (
            {"criteria_templates": ["a | {{ nope }} | c"]},
            "'stories.criteria_templates' (item 1) uses something",
        ),
        ({"role_template": "{{ ''.__class__ }}"}, "'stories.role_template'"),
    ],
)
def test_broken_templates_name_the_config_key(overrides: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        story_text(idea(), StorySettings(**overrides))
    assert named in caught.value.message


def test_context_holds_problem_evidence_formula_and_links() -> None:
    context = context_text(idea())
    assert context.split("\n\n") == [
        "Scam appeals land in the general queue and agents move them by hand.",
        "Queue: Scam appeals\n"
        "Weekly volume: 1,200 tickets\n"
        "Average handle time: 12 min\n"
        "Minutes saved per ticket: 4 min\n"
        "Expected saving: 1,200 tickets/week x 4 min / 60 = 80 agent hours/week",
        "Evidence links:\nhttps://grafana.example.com/d/scam\nOPS-123",
    ]


def test_context_explains_a_saving_from_automation() -> None:
    context = context_text(
        idea(minutes_saved_per_ticket=None, automation_share=25, evidence_links=[])
    )
    assert (
        "Expected saving: 1,200 tickets/week x 3 min / 60 = 60 agent hours/week "
        "(25% of tickets automated x 12 min handle time)"
    ) in context


def test_description_links_back_to_the_suggestion() -> None:
    draft = StoryDraft(
        suggestion_id=42,
        summary="Route scam appeals",
        role="agent",
        want="routing",
        benefit="time saved",
        context="Context here",
        acceptance_criteria=[{"given": "a", "when": "b", "then": "c"}],
    )
    description = description_for(draft, idea(), "https://tracker.example.com/")
    assert description.source_url == "https://tracker.example.com/suggestions/42"
    wiki = to_wiki(description)
    assert "# *Given* a *When* b *Then* c" in wiki
    assert "[Suggestion #42: Route scam appeals to the specialist queue|" in wiki


def test_split_names_trims_and_drops_blanks_and_repeats() -> None:
    assert split_names(" ops, , fraud ,ops,quick win") == ["ops", "fraud", "quick win"]
