"""Story drafts and initiatives as Jira fields, and bulk answers mapped back (pure: no HTTP,
no database), for Cloud and Data Center."""

from __future__ import annotations

from typing import Any

import pytest

from sync.jira.discovery import SiteMetadata
from sync.mapping.payload import (
    Created,
    Refused,
    Unknown,
    browse_url,
    bulk_outcomes,
    epic_fields,
    refusal_reason,
    story_edit_fields,
    story_fields,
    story_labels,
)
from tests.fakejira.adf import adf_text
from tracker.config import JiraSettings
from tracker.models import Initiative, Status, StoryDraft, Suggestion

TRACKER = "https://tracker.example.com"
POINTS = {"cloud": "customfield_10016", "datacenter": "customfield_10002"}
STORY_SCREEN = {"summary", "description", "labels", "priority", "components", "issuetype"}


def site(flavour: str, **changes: Any) -> SiteMetadata:
    cloud = flavour == "cloud"
    points = POINTS[flavour]
    values: dict[str, Any] = {
        "flavour": flavour,
        "base_url": "https://jira.example.com",
        "server_title": "Jira",
        "server_version": "9.12.12",
        "project_key": "OPS",
        "project_id": "10000",
        "project_name": "Operations",
        "story_type_id": "10001",
        "epic_type_id": "10000",
        "story_points_field": points,
        "epic_link_field": None if cloud else "customfield_10014",
        "epic_name_field": None if cloud else "customfield_10011",
        "story_fields": frozenset(
            STORY_SCREEN | {points, "parent" if cloud else "customfield_10014"}
        ),
        "story_required": frozenset({"summary"}),
        "epic_fields": frozenset(
            {"summary", "description", "labels"} | (set() if cloud else {"customfield_10011"})
        ),
        "field_names": {"summary": "Summary", points: "Story Points"},
    }
    values.update(changes)
    return SiteMetadata(**values)


def draft(**changes: Any) -> StoryDraft:
    values: dict[str, Any] = {
        "id": 7,
        "suggestion_id": 42,
        "summary": "Route scam appeals",
        "role": "fraud ops agent",
        "want": "scam appeals routed to the specialist queue",
        "benefit": "we save 80 agent hours a week",
        "context": "Appeals arrive in the general queue.",
        "acceptance_criteria": [{"given": "an appeal", "when": "it arrives", "then": "routed"}],
        "story_points": 3,
        "labels": ["initiative-tracker", "fraud"],
        "components": ["Backend"],
        "priority": "Highest",
        "state": "ready",
    }
    values.update(changes)
    return StoryDraft(**values)


def idea() -> Suggestion:
    return Suggestion(
        id=42,
        title="Route scam appeals to the specialist queue",
        problem="Agents move them by hand.",
        proposed_change="route them straight to the specialists",
        area="Scams and fraud",
        submitter_id=1,
        status=Status.ACCEPTED,
    )


def jira(**changes: Any) -> JiraSettings:
    values: dict[str, Any] = {
        "labels": ["from-tracker", "fraud"],
        "components": ["Frontend"],
        "priority_map": {"Highest": "P1"},
        "site_id": "t1",
    }
    values.update(changes)
    return JiraSettings(**values)


def fields_for(flavour: str, epic_key: str | None = None, **site_changes: Any) -> dict[str, Any]:
    return story_fields(
        draft(),
        idea(),
        site=site(flavour, **site_changes),
        jira=jira(),
        tracker_url=TRACKER,
        label="trk-t1-s7",
        epic_key=epic_key,
    )


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_story_fields_carry_everything_the_screen_takes(flavour: str) -> None:
    fields = fields_for(flavour)

    assert fields["project"] == {"key": "OPS"}
    assert fields["issuetype"] == {"id": "10001"}
    assert fields["summary"] == "Route scam appeals"
    assert fields["labels"] == [
        "from-tracker",
        "fraud",
        "initiative-tracker",
        "trk-t1",
        "trk-t1-s7",
    ]
    assert fields["priority"] == {"name": "P1"}  # mapped through jira.priority_map
    assert fields["components"] == [{"name": "Frontend"}, {"name": "Backend"}]
    assert fields[POINTS[flavour]] == 3
    assert "parent" not in fields
    assert "customfield_10014" not in fields


def test_cloud_description_is_adf_with_the_criteria_and_the_link_back() -> None:
    description = fields_for("cloud")["description"]

    assert description["type"] == "doc"
    text = adf_text(description)
    assert "Given an appeal When it arrives Then routed" in text
    assert "Suggestion #42: Route scam appeals to the specialist queue" in text
    links = str(description)
    assert f"{TRACKER}/suggestions/42" in links


def test_datacenter_description_is_wiki_markup_with_the_link_back() -> None:
    description = fields_for("datacenter")["description"]

    assert isinstance(description, str)
    assert "# *Given* an appeal *When* it arrives *Then* routed" in description
    assert (
        f"[Suggestion #42: Route scam appeals to the specialist queue|{TRACKER}/suggestions/42]"
        in (description)
    )


def test_story_goes_under_its_epic_with_parent_on_cloud() -> None:
    assert fields_for("cloud", epic_key="OPS-1")["parent"] == {"key": "OPS-1"}


def test_story_goes_under_its_epic_with_the_epic_link_field_on_datacenter() -> None:
    fields = fields_for("datacenter", epic_key="OPS-1")
    assert fields["customfield_10014"] == "OPS-1"
    assert "parent" not in fields


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_fields_off_the_create_screen_are_left_out_but_labels_never(flavour: str) -> None:
    fields = fields_for(
        flavour, epic_key="OPS-1", story_fields=frozenset({"summary", "description"})
    )

    assert set(fields) == {"project", "issuetype", "summary", "description", "labels"}


def test_missing_story_points_are_not_sent() -> None:
    fields = story_fields(
        draft(story_points=None),
        idea(),
        site=site("cloud"),
        jira=jira(),
        tracker_url=TRACKER,
        label="trk-t1-s7",
    )
    assert POINTS["cloud"] not in fields


def test_labels_keep_their_order_without_repeats_and_end_with_the_unique_one() -> None:
    assert story_labels(["a", "b"], ["b", "", "c"], "trk-x-s1") == ["a", "b", "c", "trk-x-s1"]
    assert story_labels(["a"], ["trk-x"], "trk-x-s1", "trk-x") == ["a", "trk-x", "trk-x-s1"]


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_edit_fields_leave_out_the_epic_when_the_story_has_none_and_never_had(
    flavour: str,
) -> None:
    fields = story_edit_fields(
        draft(summary="New title"),
        idea(),
        site=site(flavour),
        jira=jira(),
        tracker_url=TRACKER,
        label="trk-t1-s7",
    )
    assert set(fields) == {"summary", "description", POINTS[flavour], "labels", "priority"}
    assert fields["summary"] == "New title"


def initiative() -> Initiative:
    return Initiative(id=3, name="Faster scam handling", goal="Halve handling time.")


def test_datacenter_epic_needs_its_epic_name() -> None:
    fields = epic_fields(
        initiative(), site=site("datacenter"), jira=jira(), tracker_url=TRACKER, label="trk-t1-e3"
    )

    assert fields["issuetype"] == {"id": "10000"}
    assert fields["summary"] == "Faster scam handling"
    assert fields["customfield_10011"] == "Faster scam handling"
    assert fields["labels"] == ["from-tracker", "fraud", "trk-t1", "trk-t1-e3"]
    assert fields["description"] == f"Initiative in the tracker: [{TRACKER}/initiatives/3]\n"


def test_cloud_epic_has_no_epic_name_and_an_adf_link_back() -> None:
    fields = epic_fields(
        initiative(), site=site("cloud"), jira=jira(), tracker_url=TRACKER, label="trk-t1-e3"
    )

    assert "customfield_10011" not in fields
    assert adf_text(fields["description"]) == f"Initiative in the tracker: {TRACKER}/initiatives/3"


def test_epic_without_an_epic_issue_type_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"set jira\.epic_issue_type"):
        epic_fields(
            initiative(),
            site=site("cloud", epic_type_id=None),
            jira=jira(),
            tracker_url=TRACKER,
            label="trk-t1-e3",
        )


def test_browse_url() -> None:
    assert (
        browse_url("https://jira.example.com/", "OPS-7") == "https://jira.example.com/browse/OPS-7"
    )


# ---- bulk answers ------------------------------------------------------------------------------
NAMES = {"summary": "Summary", "customfield_10016": "Story point estimate"}


def failure(number: int, **errors: str) -> dict[str, Any]:
    element = {"errorMessages": [], "errors": errors, "status": 400}
    return {"status": 400, "elementErrors": element, "failedElementNumber": number}


def issue(number: int) -> dict[str, str]:
    return {"id": str(10000 + number), "key": f"OPS-{number}", "self": "https://x"}


def test_created_issues_skip_the_failed_elements_in_order() -> None:
    answer = {
        "issues": [issue(1), issue(2), issue(3)],
        "errors": [failure(1, summary="You must specify a summary of the issue.")],
    }

    outcomes = bulk_outcomes(answer, 4, NAMES)

    assert outcomes == [
        Created("10001", "OPS-1"),
        Refused("Jira refused the issue: Summary: You must specify a summary of the issue."),
        Created("10002", "OPS-2"),
        Created("10003", "OPS-3"),
    ]


def test_every_element_failed() -> None:
    answer = {
        "issues": [],
        "errors": [failure(0, customfield_10016="Must be a number"), failure(1)],
    }

    outcomes = bulk_outcomes(answer, 2, NAMES)

    assert outcomes == [
        Refused("Jira refused the issue: Story point estimate: Must be a number."),
        Refused("Jira refused the issue: no reason given."),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"issues": [issue(1)], "errors": []},  # one issue missing from the answer
        {"issues": [issue(1), issue(2)], "errors": [failure(5)]},  # element out of range
        {"issues": [issue(1), {"id": "10002"}], "errors": []},  # an issue without its key
        {"unexpected": True},
    ],
)
def test_an_answer_that_does_not_add_up_is_not_guessed(answer: dict[str, Any]) -> None:
    outcomes = bulk_outcomes(answer, 2, NAMES)
    assert all(isinstance(outcome, Unknown) for outcome in outcomes)
    assert len(outcomes) == 2


def test_refusal_reason_quotes_messages_and_fields_by_name() -> None:
    reason = refusal_reason(["Project is archived."], {"summary": "Too long."}, NAMES)
    assert reason == "Jira refused the issue: Project is archived; Summary: Too long."
