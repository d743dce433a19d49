"""Lint for story drafts: what must hold before a draft may be marked ready (pure: no DB).

A later push issue only pushes ready drafts, so every rule here is something Jira would reject
or a reader of the story would trip over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.models import StoryDraft
from tracker.services.stories import evidence_text, wording

# Jira refuses a summary longer than 255 characters
# (https://support.atlassian.com/jira-cloud-administration/docs/what-are-the-jira-field-limits/).
JIRA_SUMMARY_LIMIT = 255
# Template gaps left unfilled: "<role>", stray Jinja delimiters, and the usual markers.
_PLACEHOLDER = re.compile(r"<[A-Za-z][\w -]{0,40}>|\{\{|\}\}|\{%|%\}|\bTODO\b|\bTBD\b|\?\?\?")
_TEXT_FIELDS = (
    ("summary", "Summary"),
    ("role", "Role"),
    ("want", "Want"),
    ("benefit", "Benefit"),
    ("context", "Context"),
)
CRITERION_PARTS = ("given", "when", "then")


@dataclass(frozen=True)
class LintProblem:
    field: str
    sentence: str


def criterion_is_blank(row: Mapping[str, Any]) -> bool:
    return not any(str(row.get(part) or "").strip() for part in CRITERION_PARTS)


def label_problem(labels: Iterable[str]) -> str | None:
    """The sentence for labels Jira would refuse (it splits labels on whitespace), or None."""
    spaced = [label for label in labels if any(char.isspace() for char in label)]
    if not spaced:
        return None
    example = spaced[0]
    return (
        f"Labels cannot contain spaces (Jira rejects them): '{example}'; "
        f"write it as '{'-'.join(example.split())}'."
    )


def _placeholder(text: str) -> str | None:
    match = _PLACEHOLDER.search(text)
    return match.group() if match else None


def _required(draft: StoryDraft) -> list[LintProblem]:
    problems = []
    summary = draft.summary.strip()
    if not summary:
        problems.append(LintProblem("summary", "Summary is required."))
    elif len(summary) > JIRA_SUMMARY_LIMIT:
        problems.append(
            LintProblem(
                "summary",
                f"Summary is {len(summary)} characters; Jira allows at most {JIRA_SUMMARY_LIMIT}.",
            )
        )
    if "\n" in summary or "\r" in summary:
        problems.append(LintProblem("summary", "Summary must be a single line."))
    for field, sentence in (
        ("role", "Say who the story is for (As a ...)."),
        ("want", "Say what they want (I want ...)."),
        ("benefit", "Say why it matters (so that ...)."),
    ):
        if not str(getattr(draft, field) or "").strip():
            problems.append(LintProblem(field, sentence))
    return problems


def _criteria(draft: StoryDraft) -> list[LintProblem]:
    rows = [row for row in draft.acceptance_criteria if not criterion_is_blank(row)]
    if not rows:
        return [LintProblem("acceptance_criteria", "Add at least one acceptance criterion.")]
    problems = []
    for number, row in enumerate(rows, start=1):
        missing = [part for part in CRITERION_PARTS if not str(row.get(part) or "").strip()]
        if missing:
            named = " and ".join(f"'{part}'" for part in missing)
            verb = "is" if len(missing) == 1 else "are"
            problems.append(
                LintProblem(
                    "acceptance_criteria",
                    f"Criterion {number} needs a given, a when and a then; {named} {verb} empty.",
                )
            )
        for part in CRITERION_PARTS:
            if found := _placeholder(str(row.get(part) or "")):
                problems.append(
                    LintProblem(
                        "acceptance_criteria",
                        f"Criterion {number} still has the placeholder '{found}' in its {part}.",
                    )
                )
        problems += _criteria_wording(number, row)
    return problems


# The story sentence goes on after these: "As a <role>, I want <want>, so that <benefit>."
_SENTENCE_PARTS = (("role", "Role"), ("want", "Want"), ("benefit", "Benefit"))


def _punctuation(label: str, text: str, where: str = "") -> str | None:
    if (found := wording.doubled_punctuation(text)) is None:
        return None
    if found[0].isspace():
        return f"{label} has a space before '{found.strip()}'{where}; remove the space."
    return f"{label} has doubled punctuation ('{found}'){where}; keep one mark."


def _wording(draft: StoryDraft) -> list[LintProblem]:
    problems = []
    if sentence := _punctuation("Summary", draft.summary):
        problems.append(LintProblem("summary", sentence))
    for field, label in _SENTENCE_PARTS:
        text = str(getattr(draft, field) or "").strip()
        if sentence := _punctuation(label, text):
            problems.append(LintProblem(field, sentence))
        elif text and text[-1] in ".,;:!":
            problems.append(
                LintProblem(
                    field,
                    f"{label} ends with '{text[-1]}', but the story sentence goes on after it "
                    "(As a ..., I want ..., so that ...); remove the mark.",
                )
            )
    if verb := wording.capitalised_verb(draft.want or ""):
        problems.append(
            LintProblem(
                "want",
                f"Want starts with '{verb}', which reads \"I want {verb} ...\"; "
                f'write "to {verb.lower()} ...".',
            )
        )
    benefit = (draft.benefit or "").strip()
    if benefit and not wording.is_measurable(benefit):
        problems.append(
            LintProblem(
                "benefit",
                "Benefit does not say how much changes: give the so that a number or a measure "
                "(handle time, agent hours, tickets a week).",
            )
        )
    return problems


def _criteria_wording(number: int, row: Mapping[str, Any]) -> list[LintProblem]:
    problems = []
    then = wording.clause(str(row.get("then") or "")).lower()
    if then in evidence_text.BOILERPLATE_THENS:
        problems.append(
            LintProblem(
                "acceptance_criteria",
                f"Criterion {number} is the generic '{then}'; say what changes for this idea "
                "(its queue, volume, handle time or minutes saved).",
            )
        )
    for part in CRITERION_PARTS:
        text = str(row.get(part) or "")
        if sentence := _punctuation(f"Criterion {number}", text, f" in its {part}"):
            problems.append(LintProblem("acceptance_criteria", sentence))
    return problems


def _points(draft: StoryDraft, points_scale: Sequence[int]) -> list[LintProblem]:
    scale = ", ".join(str(points) for points in points_scale)
    if draft.story_points is None:
        return [LintProblem("story_points", f"Choose story points from the scale {scale}.")]
    if draft.story_points not in points_scale:
        return [
            LintProblem(
                "story_points",
                f"{draft.story_points} story points is not on the scale {scale}.",
            )
        ]
    return []


def lint(draft: StoryDraft, *, points_scale: Sequence[int]) -> list[LintProblem]:
    """Every problem that keeps the draft from being ready, in form order; [] when it is ready."""
    problems = _required(draft)
    for field, label in _TEXT_FIELDS:
        if found := _placeholder(str(getattr(draft, field) or "")):
            problems.append(
                LintProblem(field, f"{label} still has the placeholder '{found}'; fill it in.")
            )
    problems += _wording(draft)
    problems += _criteria(draft)
    problems += _points(draft, points_scale)
    if sentence := label_problem(draft.labels):
        problems.append(LintProblem("labels", sentence))
    order = [field for field, _ in _TEXT_FIELDS] + ["acceptance_criteria", "story_points", "labels"]
    return sorted(problems, key=lambda problem: order.index(problem.field))


def problems_by_field(problems: Iterable[LintProblem]) -> dict[str, str]:
    """One sentence (or several joined) per field, for showing next to the form's fields."""
    joined: dict[str, list[str]] = {}
    for problem in problems:
        joined.setdefault(problem.field, []).append(problem.sentence)
    return {field: " ".join(sentences) for field, sentences in joined.items()}
