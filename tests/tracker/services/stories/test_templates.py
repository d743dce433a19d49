"""Generated story text from the configured templates, and the Jira description, without a DB."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from sync.mapping.description import to_wiki
from sync.mapping.payload import description_for
from tracker.config import StorySettings
from tracker.errors import ValidationFailed
from tracker.models import Status, StoryDraft, Suggestion
from tracker.services.stories import evidence_text
from tracker.services.stories.drafts import split_names
from tracker.services.stories.templates import context_text, split_criterion, story_text

EXAMPLE_CONFIG = Path(__file__).resolve().parents[4] / "config.example.toml"


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
    assert text.criteria == [
        {
            "given": "a ticket in the Scam appeals queue",
            "when": "an agent handles it after the change is live",
            "then": "the agent finishes it without the manual step",
        },
        {
            "given": "the change has been live for a full week",
            "when": "handle time in the Scam appeals queue is measured",
            "then": "handle time for these tickets drops from 12 min towards 8 min",
        },
    ]


def test_unknown_area_uses_the_default_role_and_benefit_falls_back_to_the_evidence() -> None:
    text = story_text(idea(weekly_volume=None), StorySettings(default_role="moderator"))
    assert text.role == "moderator"
    assert text.benefit == "handle time in the Scam appeals queue drops from 12 min towards 8 min"


def test_without_figures_the_benefit_names_the_problem_in_one_sentence() -> None:
    bare = idea(weekly_volume=None, handle_time_minutes=None, minutes_saved_per_ticket=None)
    text = story_text(bare, StorySettings())
    assert text.benefit == (
        "we no longer lose time because scam appeals land in the general queue "
        "and agents move them by hand"
    )


@pytest.mark.parametrize(
    ("proposed", "want"),
    [
        ("Add a batch action to close spam for QA.", "to add a batch action to close spam for QA"),
        ("Adding a batch action..", "to add a batch action"),
        ("Routing spam to bots", "to route spam to bots"),
        ("to add a macro", "to add a macro"),
        ("Scam appeals routed to Fraud ops .", "scam appeals routed to Fraud ops"),
        ("QA gets a close button", "QA gets a close button"),
    ],
)
def test_the_want_reads_after_i_want(proposed: str, want: str) -> None:
    assert story_text(idea(proposed_change=proposed), StorySettings()).want == want


def test_the_story_sentence_has_no_doubled_punctuation_or_stray_capitals() -> None:
    settings = StorySettings(
        summary_template="{{ suggestion.title }}.",
        benefit_template="Agents save time., every week.",
        criteria_templates=["A ticket in {{ suggestion.queue }}. | it arrives , | it is routed.."],
    )
    text = story_text(idea(title="close spam in bulk"), settings)
    assert text.summary == "Close spam in bulk"
    assert text.benefit == "agents save time, every week"
    assert text.criteria == [
        {"given": "A ticket in Scam appeals", "when": "it arrives", "then": "it is routed"}
    ]


def test_automation_share_gives_criteria_on_resolved_tickets_and_touches() -> None:
    automated = idea(minutes_saved_per_ticket=None, handle_time_minutes=None, automation_share=25)
    text = story_text(automated, StorySettings())
    assert text.benefit == "manual touches in the Scam appeals queue drop by about 300 a week"
    assert [row["then"] for row in text.criteria] == [
        "about 25% of such tickets are resolved without an agent",
        "manual touches drop by about 300 a week",
    ]


def test_legacy_default_templates_in_a_config_mean_the_evidence_criteria() -> None:
    legacy = StorySettings(
        benefit_template=evidence_text.LEGACY_BENEFIT_TEMPLATE,
        criteria_templates=list(evidence_text.LEGACY_CRITERIA_TEMPLATES),
    )
    assert story_text(idea(), legacy) == story_text(
        idea(), StorySettings(benefit_template="", criteria_templates=[])
    )


def test_no_evidence_at_all_falls_back_to_sentences_lint_flags() -> None:
    bare = idea(queue="", weekly_volume=None, handle_time_minutes=None)
    bare.minutes_saved_per_ticket = None
    rows = story_text(bare, StorySettings()).criteria
    assert [row["then"] for row in rows] == list(evidence_text.BOILERPLATE_THENS)
    assert rows[0]["given"] == "a ticket in the queue this idea is about"


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


def test_the_shipped_defaults_and_the_example_config_write_from_the_evidence() -> None:
    example = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))["stories"]
    for settings in (StorySettings(), StorySettings(**example)):
        assert evidence_text.uses_builtin_benefit(settings.benefit_template)
        assert evidence_text.uses_builtin_criteria(settings.criteria_templates)
