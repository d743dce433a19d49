"""Lint for story drafts: each rule on its own, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.models import StoryDraft
from tracker.services.stories.readiness import lint, problems_by_field

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
