"""Jira issue JSON as snapshots: pure parsing, then both flavours' real answers from the fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.jira.client import JiraClient
from sync.jira.errors import JiraBadResponse
from sync.jira.site import site_facts
from sync.mapping.issue_fields import (
    SYNC_FIELDS,
    changelog_truncated,
    parse_histories,
    parse_issue,
    parse_time,
    sprint_name,
    sync_fields,
)
from sync.pull.fetch import EXPAND
from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tracker.config import JiraSettings
from tracker.services.jira_status.snapshots import StatusHistory

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def status(name: str, category: str) -> dict[str, Any]:
    return {"name": name, "statusCategory": {"key": category, "name": category.title()}}


def history(history_id: str, created: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": history_id,
        "author": {"displayName": "Ana"},
        "created": created,
        "items": list(items),
    }


def moved(old: str, new: str) -> dict[str, Any]:
    return {"field": "status", "fieldId": "status", "fromString": old, "toString": new}


def raw_issue(**fields: Any) -> dict[str, Any]:
    values = {"status": status("In Progress", "indeterminate"), **fields}
    return {"id": "10001", "key": "OPS-1", "fields": values}


# ---- pure parsing -----------------------------------------------------------------------------


def test_timestamps_with_any_offset_become_utc() -> None:
    assert parse_time("2025-03-03T10:30:00.000+0100") == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    assert parse_time("2025-03-03T09:30:00.250+0000").microsecond == 250000
    with pytest.raises(ValueError, match="not a Jira timestamp"):
        parse_time(None)


def test_every_field_the_sync_asks_for() -> None:
    raw = raw_issue(
        resolution={"name": "Done"},
        assignee={"displayName": "Dana Ruiz", "accountId": "5b10"},
        fixVersions=[{"name": "1.0"}, {"name": "1.1"}, {"id": "9"}],
        updated="2025-03-03T09:30:00.000+0000",
        customfield_10020=[{"id": 3, "name": "Sprint 3", "state": "active"}],
    )

    snapshot = parse_issue(raw, sprint_field="customfield_10020")

    assert (snapshot.jira_id, snapshot.key) == ("10001", "OPS-1")
    assert (snapshot.status_name, snapshot.status_category) == ("In Progress", "indeterminate")
    assert snapshot.resolution == "Done"
    assert snapshot.assignee == "Dana Ruiz"
    assert snapshot.fix_versions == ("1.0", "1.1")
    assert snapshot.sprint == "Sprint 3"
    assert snapshot.updated == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    assert snapshot.histories == ()


def test_empty_fields_read_as_empty_and_sprint_none_when_not_asked() -> None:
    snapshot = parse_issue(
        raw_issue(resolution=None, assignee=None, fixVersions=[], customfield_10020=None),
        sprint_field=None,
    )
    assert (snapshot.resolution, snapshot.assignee, snapshot.fix_versions) == ("", "", ())
    assert snapshot.sprint is None  # not asked: the stored sprint is kept
    assert snapshot.updated is None
    asked = parse_issue(raw_issue(customfield_10020=None), sprint_field="customfield_10020")
    assert asked.sprint == ""  # asked and empty: the issue left its sprints


def test_sprint_objects_active_first_else_the_latest() -> None:
    closed = {"id": 3, "name": "Sprint 3", "state": "closed"}
    active = {"id": 4, "name": "Sprint 4", "state": "active"}
    future = {"id": 5, "name": "Sprint 5", "state": "future"}
    assert sprint_name([closed, active, future]) == "Sprint 4"
    assert sprint_name([future, closed]) == "Sprint 5"
    assert sprint_name([closed]) == "Sprint 3"
    assert sprint_name([]) == ""
    assert sprint_name(None) == ""


def test_data_center_sprint_strings_with_commas_in_the_name() -> None:
    legacy = (
        "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id={n},rapidViewId=1,state={s},"
        "name={name},startDate=2025-03-01T09:00:00.000Z,endDate=<null>,completeDate=<null>,"
        "sequence={n},goal=Ship it, finally]"
    )
    value = [
        legacy.format(n=7, s="CLOSED", name="Team A 7: Mar 1, 2025"),
        legacy.format(n=8, s="ACTIVE", name="Team A 8: Mar 15, 2025"),
    ]
    assert sprint_name(value) == "Team A 8: Mar 15, 2025"
    assert sprint_name(value[:1]) == "Team A 7: Mar 1, 2025"
    assert sprint_name(["not a sprint"]) == ""


def test_status_histories_oldest_first_other_fields_left_out() -> None:
    histories = [
        history("10050", "2025-03-03T11:00:00.000+0000", moved("In Progress", "Done")),
        history("10040", "2025-03-03T10:00:00.000+0000", {"field": "labels", "toString": "x"}),
        history(
            "10030",
            "2025-03-03T12:00:00.000+0200",  # 10:00 UTC, an hour before the Done
            {"field": "assignee", "toString": "Ana"},
            moved("To Do", "In Progress"),
        ),
    ]
    assert parse_histories(histories) == (
        StatusHistory("10030", T0 + timedelta(hours=1), "Ana", "To Do", "In Progress"),
        StatusHistory("10050", T0 + timedelta(hours=2), "Ana", "In Progress", "Done"),
    )


def test_same_second_histories_keep_their_id_order() -> None:
    at = "2025-03-03T09:00:00.000+0000"
    found = parse_histories(
        [
            history("10102", at, moved("In Progress", "Done")),
            history("10101", at, moved("To Do", "In Progress")),
        ]
    )
    assert [h.history_id for h in found] == ["10101", "10102"]


def test_truncated_changelog_is_noticed() -> None:
    whole = {"changelog": {"total": 2, "histories": [{}, {}]}}
    cut = {"changelog": {"total": 41, "histories": [{}] * 40}}
    assert not changelog_truncated(whole)
    assert changelog_truncated(cut)
    assert not changelog_truncated({})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"key": "OPS-1", "fields": {}}, "without its id"),
        ({"id": "1", "key": "OPS-1", "fields": {"status": {"name": "Done"}}}, "status category"),
        (
            raw_issue(updated="yesterday"),
            "unreadable updated time",
        ),
        (
            {**raw_issue(), "changelog": {"histories": [history("1", "", moved("A", "B"))]}},
            "without a valid time",
        ),
    ],
)
def test_malformed_issues_raise_a_plain_sentence(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(JiraBadResponse, match=message):
        parse_issue(raw, sprint_field=None)


def test_fields_asked_for() -> None:
    assert SYNC_FIELDS == ["status", "resolution", "assignee", "fixVersions", "updated"]
    assert sync_fields("customfield_10020") == [*SYNC_FIELDS, "customfield_10020"]
    assert sync_fields(None) == SYNC_FIELDS


# ---- both flavours' real answers --------------------------------------------------------------


@pytest.fixture
def client(start_fake: Callable[..., FakeJira]) -> Iterator[tuple[FakeJira, JiraClient]]:
    fake = start_fake()
    fake.now = T0
    with JiraClient.from_settings(JiraSettings(**jira_config(fake))) as made:
        yield fake, made


def assign(fake: FakeJira, key: str, name: str) -> None:
    fake.update_issue(key, assignee={"accountId" if fake.flavour == "cloud" else "name": name})


def test_both_flavours_parse_to_the_same_snapshot(
    client: tuple[FakeJira, JiraClient], flavour: str
) -> None:
    fake, jira = client
    issue = fake.add_issue("Route scam appeals", labels=["trk-t1"])
    fake.advance(minutes=10)
    fake.transition(issue.key, "In Progress")
    fake.advance(minutes=10)
    assign(fake, issue.key, "Dana Ruiz")
    fake.update_issue(issue.key, fixVersions=[{"name": "1.1"}])
    fake.set_sprints(
        issue.key,
        {"id": 1, "name": "Sprint 1", "state": "closed"},
        {"id": 2, "name": "Sprint 2: fraud, scams", "state": "active"},
    )
    fake.advance(minutes=10)
    fake.transition(issue.key, "Done")

    sprint_field, _ = site_facts.sync_facts(jira, time_zone=False)
    assert sprint_field == ("customfield_10020" if flavour == "cloud" else "customfield_10104")
    [raw] = list(jira.search('labels = "trk-t1"', sync_fields(sprint_field), expand=EXPAND))
    snapshot = parse_issue(raw, sprint_field=sprint_field)

    assert (snapshot.jira_id, snapshot.key) == (issue.id, issue.key)
    assert (snapshot.status_name, snapshot.status_category) == ("Done", "done")
    assert snapshot.resolution == "Done"
    assert snapshot.assignee == "Dana Ruiz"
    assert snapshot.fix_versions == ("1.1",)
    assert snapshot.sprint == "Sprint 2: fraud, scams"
    assert snapshot.updated == T0 + timedelta(minutes=30)
    assert [(h.from_status, h.to_status, h.changed_at) for h in snapshot.histories] == [
        ("To Do", "In Progress", T0 + timedelta(minutes=10)),
        ("In Progress", "Done", T0 + timedelta(minutes=30)),
    ]
    assert {h.author for h in snapshot.histories} == {"jira-admin"}
    asked = fake.bodies[-1]
    assert set(asked["fields"]) == {*SYNC_FIELDS, sprint_field}
    assert asked["expand"] == ("changelog" if flavour == "cloud" else ["changelog"])


def test_a_site_without_jira_software_has_no_sprint(start_fake: Callable[..., FakeJira]) -> None:
    fake = start_fake(sprint_field="")
    fake.add_issue("No boards here", labels=["trk-t1"])
    with JiraClient.from_settings(JiraSettings(**jira_config(fake))) as jira:
        sprint_field, _ = site_facts.sync_facts(jira, time_zone=False)
        [raw] = list(jira.search('labels = "trk-t1"', sync_fields(sprint_field), expand=EXPAND))

    assert sprint_field is None
    assert parse_issue(raw, sprint_field=sprint_field).sprint is None
