"""Lint for story drafts: each rule on its own, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tracker.services.stories.test_templates import idea
from tracker.config import StorySettings
from tracker.models import StoryDraft
from tracker.services.stories.evidence_text import BOILERPLATE_THENS
from tracker.services.stories.readiness import lint, problems_by_field
from tracker.services.stories.templates import story_text

SCALE = [1, 2, 3, 5, 8, 13]


def draft(**changes: Any) -> StoryDraft:
    values: dict[str, Any] = {
        "suggestion_id": 1,
        "summary": "Route scam appeals to the specialist queue",
        "role": "fraud ops agent",
        "want": "scam appeals routed straight to the specialist queue",
        "benefit": "we save about 80 agent hours a week",
        "context": "Appeals land in the general queue.",
        "acceptance_criteria": [
            {"given": "an appeal tagged scam", "when": "it arrives", "then": "it is in Scam"}
        ],
        "story_points": 3,
        "labels": ["initiative-tracker"],
        "components": [],
        "priority": "High",
    }
    values.update(changes)
    return StoryDraft(**values)


def fields(problems: list[Any]) -> list[str]:
    return [problem.field for problem in problems]


def test_a_complete_draft_passes() -> None:
    assert lint(draft(), points_scale=SCALE) == []


def test_summary_over_jiras_255_characters() -> None:
    assert lint(draft(summary="x" * 255), points_scale=SCALE) == []
    problems = lint(draft(summary="x" * 256), points_scale=SCALE)
    assert fields(problems) == ["summary"]
    assert problems[0].sentence == "Summary is 256 characters; Jira allows at most 255."


def test_missing_benefit() -> None:
    problems = lint(draft(benefit="  "), points_scale=SCALE)
    assert fields(problems) == ["benefit"]
    assert "so that" in problems[0].sentence


def test_missing_role_and_want_are_both_named() -> None:
    problems = lint(draft(role="", want=""), points_scale=SCALE)
    assert fields(problems) == ["role", "want"]


def test_no_criteria() -> None:
    problems = lint(draft(acceptance_criteria=[]), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "acceptance_criteria": "Add at least one acceptance criterion."
    }


def test_blank_criterion_rows_do_not_count() -> None:
    rows = [{"given": " ", "when": "", "then": ""}]
    assert fields(lint(draft(acceptance_criteria=rows), points_scale=SCALE)) == [
        "acceptance_criteria"
    ]


def test_a_criterion_without_then() -> None:
    rows = [{"given": "a ticket", "when": "it arrives", "then": ""}]
    problems = lint(draft(acceptance_criteria=rows), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "acceptance_criteria": "Criterion 1 needs a given, a when and a then; 'then' is empty."
    }


def test_placeholder_role_in_want() -> None:
    problems = lint(draft(want="a <role> can route appeals"), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "want": "Want still has the placeholder '<role>'; fill it in."
    }


@pytest.mark.parametrize("marker", ["{{ suggestion.title }}", "TODO", "TBD", "???", "}}"])
def test_other_placeholders_in_any_text(marker: str) -> None:
    problems = lint(draft(context=f"Evidence: {marker}"), points_scale=SCALE)
    assert fields(problems) == ["context"]


def test_placeholder_inside_a_criterion() -> None:
    rows = [{"given": "a ticket", "when": "TBD", "then": "it is routed"}]
    problems = lint(draft(acceptance_criteria=rows), points_scale=SCALE)
    assert problems[0].sentence == "Criterion 1 still has the placeholder 'TBD' in its when."


def test_ordinary_words_are_not_placeholders() -> None:
    text = "Todo lists and tbd-tagged tickets, 3 < 5 and 7 > 2, costs ~ $5?"
    assert lint(draft(context=text), points_scale=SCALE) == []


def test_points_not_on_the_scale() -> None:
    problems = lint(draft(story_points=4), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "story_points": "4 story points is not on the scale 1, 2, 3, 5, 8, 13."
    }


def test_points_missing() -> None:
    problems = lint(draft(story_points=None), points_scale=SCALE)
    assert fields(problems) == ["story_points"]


def test_labels_with_spaces() -> None:
    problems = lint(draft(labels=["quick win"]), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "labels": "Labels cannot contain spaces (Jira rejects them): 'quick win'; "
        "write it as 'quick-win'."
    }


def test_several_problems_come_in_form_order() -> None:
    problems = lint(
        draft(summary="", benefit="", story_points=4, want="a <capability>"),
        points_scale=SCALE,
    )
    assert fields(problems) == ["summary", "want", "benefit", "story_points"]


def test_problems_on_one_field_are_joined() -> None:
    rows = [{"given": "", "when": "TBD", "then": "it is routed"}]
    joined = problems_by_field(lint(draft(acceptance_criteria=rows), points_scale=SCALE))
    assert joined == {
        "acceptance_criteria": "Criterion 1 needs a given, a when and a then; 'given' is empty. "
        "Criterion 1 still has the placeholder 'TBD' in its when."
    }


# --- wording: the story sentence, boilerplate and a measurable "so that" ------------------------


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        (
            {"want": "add a batch action for QA., today"},
            "want",
            "Want has doubled punctuation ('.,'); keep one mark.",
        ),
        ({"summary": "Close spam .. fast"}, "summary", "Summary has doubled punctuation ('..')"),
        ({"role": "fraud ops agent ,lead"}, "role", "Role has a space before ','"),
        ({"want": "a batch action for QA."}, "want", "Want ends with '.', but the story"),
        ({"benefit": "we save 80 agent hours a week."}, "benefit", "Benefit ends with '.'"),
        (
            {"want": "Add a batch action"},
            "want",
            "Want starts with 'Add', which reads \"I want Add",
        ),
    ],
)
def test_punctuation_and_verb_form_of_the_story_sentence(
    changes: dict[str, Any], field: str, sentence: str
) -> None:
    problems = lint(draft(**changes), points_scale=SCALE)
    assert fields(problems) == [field]
    assert problems[0].sentence.startswith(sentence)


def test_an_ellipsis_is_not_doubled_punctuation() -> None:
    assert lint(draft(summary="Route appeals... and spam"), points_scale=SCALE) == []


@pytest.mark.parametrize(
    "benefit",
    ["agents stop re-routing by hand", "everyone is happier", "the process is better"],
)
def test_a_so_that_without_a_measurable_outcome(benefit: str) -> None:
    problems = lint(draft(benefit=benefit), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "benefit": "Benefit does not say how much changes: give the so that a number or a "
        "measure (handle time, agent hours, tickets a week)."
    }


@pytest.mark.parametrize(
    "benefit",
    [
        "appeals are answered a day sooner",
        "handle time drops towards 2 min",
        "manual touches drop by half",
        "fewer tickets are escalated",
    ],
)
def test_measurable_outcomes_pass(benefit: str) -> None:
    assert lint(draft(benefit=benefit), points_scale=SCALE) == []


@pytest.mark.parametrize(
    "then", [*BOILERPLATE_THENS, "The new process applies without extra manual steps."]
)
def test_boilerplate_criteria_are_flagged(then: str) -> None:
    rows = [{"given": "a ticket in Scam", "when": "it arrives", "then": then}]
    problems = lint(draft(acceptance_criteria=rows), points_scale=SCALE)
    assert fields(problems) == ["acceptance_criteria"]
    assert problems[0].sentence.startswith("Criterion 1 is the generic '")
    assert "queue, volume, handle time or minutes saved" in problems[0].sentence


def test_doubled_punctuation_in_a_criterion_names_the_part() -> None:
    rows = [{"given": "a ticket ,", "when": "it arrives", "then": "it is routed"}]
    problems = lint(draft(acceptance_criteria=rows), points_scale=SCALE)
    assert problems_by_field(problems) == {
        "acceptance_criteria": "Criterion 1 has a space before ',' in its given; remove the space."
    }


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"proposed_change": "Add a batch action to close spam for QA."},
        {"minutes_saved_per_ticket": None, "automation_share": 25},
        {"weekly_volume": None},
    ],
)
def test_drafts_generated_from_evidence_pass_the_wording_rules(changes: dict[str, Any]) -> None:
    text = story_text(idea(**changes), StorySettings())
    generated = draft(
        want=text.want, benefit=text.benefit, role=text.role, acceptance_criteria=text.criteria
    )
    assert lint(generated, points_scale=SCALE) == []


def test_a_draft_generated_without_evidence_is_sent_back_for_better_criteria() -> None:
    bare = idea(queue="", weekly_volume=None, handle_time_minutes=None)
    bare.minutes_saved_per_ticket = None
    text = story_text(bare, StorySettings())
    generated = draft(benefit=text.benefit, acceptance_criteria=text.criteria)
    problems = problems_by_field(lint(generated, points_scale=SCALE))
    assert list(problems) == ["benefit", "acceptance_criteria"]
    assert problems["acceptance_criteria"].count("is the generic") == 2
