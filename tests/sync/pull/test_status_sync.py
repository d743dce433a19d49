"""The status sync against the fake Jira, both flavours, with the fake's clock as the tracker's:
incremental windows, the cost of a quiet run, paging, full reconcile, and the edge cases of
issues deleted, hidden, moved and reopened."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers.sync_world import T0, SyncWorld
from tracker.models import DeliveryState, RunState, Status, SyncKind

FULL = SyncKind.FULL
SITE_LABEL = '"trk-t1"'


def updated_jql(since: str) -> str:
    return f'labels = {SITE_LABEL} AND updated >= "{since}" ORDER BY created ASC'


def test_first_incremental_reconciles_by_id_then_asks_from_the_last_success(
    sw: SyncWorld,
) -> None:
    story_ids = sw.pushed(2)
    jira_ids = [sw.link(i).jira_id for i in story_ids]
    sw.fake.advance(minutes=30)

    first = sw.sync()

    assert (first.state, first.error, first.kind) == ("succeeded", "", "incremental")
    assert first.checked == 2
    assert sw.runs()[0].window_start is None  # nothing succeeded before: no window
    assert (
        sw.searches()[-1]["jql"] == f"id in ({', '.join(map(str, jira_ids))}) ORDER BY created ASC"
    )
    assert {sw.link(i).status_name for i in story_ids} == {"To Do"}

    sw.fake.advance(minutes=5)
    second = sw.sync()

    assert second.state == "succeeded"
    assert sw.runs()[1].window_start == T0 + timedelta(minutes=20)  # first start - 10 min margin
    assert sw.searches()[-1]["jql"] == updated_jql("2025-03-03 09:20")


@pytest.mark.parametrize("zone", ["Etc/UTC", "America/New_York", "Asia/Kolkata"])
def test_incremental_window_is_the_last_success_minus_the_margin_in_the_users_zone(
    sw: SyncWorld, zone: str
) -> None:
    sw.fake.time_zone = zone
    before, inside, after = sw.pushed(3)
    sw.fake.advance(hours=1)
    sw.fake.transition(sw.key(before), "In Progress")  # 10:00, before the window
    sw.fake.advance(minutes=2)
    sw.fake.transition(sw.key(inside), "In Progress")  # 10:02, the window's first minute
    sw.fake.advance(minutes=10)
    baseline = sw.fake.now  # 10:12; the next window starts at 10:02
    assert sw.sync(FULL).state == "succeeded"
    sw.fake.advance(minutes=5)
    sw.fake.transition(sw.key(after), "Done")  # 10:17
    sw.fake.advance(minutes=5)

    summary = sw.sync()

    assert (summary.state, summary.checked, summary.changed) == ("succeeded", 2, 1)
    start = baseline - timedelta(minutes=10)
    local = start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    assert sw.searches()[-1]["jql"] == updated_jql(local)
    assert sw.link(before).synced_at == baseline  # not asked for again
    assert sw.link(inside).synced_at == sw.fake.now  # inside the safety margin
    assert sw.link(after).synced_at == sw.fake.now
    assert sw.link(after).delivery_state == DeliveryState.DONE
    assert sw.link(after).resolution == "Done"


@pytest.mark.parametrize("jira_overrides", [{}, {"deployment": "auto"}], ids=["set", "auto"])
def test_a_quiet_incremental_run_costs_one_call_once_the_site_is_known(
    sw: SyncWorld, flavour: str, jira_overrides: dict[str, Any]
) -> None:
    sw.pushed(2)
    sw.fake.advance(minutes=30)
    # The push stored the site's flavour, so "auto" costs no serverInfo call here; the site's
    # sprint field is learnt.
    first = sw.sync()
    sw.fake.advance(minutes=5)
    second = sw.sync()  # the user's time zone here
    sw.fake.advance(minutes=5)
    calls_before = len(sw.fake.calls)

    quiet = sw.sync()

    assert first.calls == 2
    assert second.calls == 2
    assert (quiet.state, quiet.calls, quiet.checked, quiet.changed) == ("succeeded", 1, 0, 0)
    assert len(sw.fake.calls) == calls_before + 1
    assert sw.runs()[-1].calls == 1
    search = "/rest/api/3/search/jql" if flavour == "cloud" else "/rest/api/2/search"
    assert sw.fake.calls[-1].path == search
    assert set(sw.searches()[-1]["fields"]) == {
        "status",
        "resolution",
        "assignee",
        "fixVersions",
        "updated",
        "customfield_10020" if flavour == "cloud" else "customfield_10104",
    }


@pytest.mark.parametrize("sync_overrides", [{"batch_size": 2}])
def test_more_issues_than_a_page_take_several_pages_and_batches(
    sw: SyncWorld, flavour: str
) -> None:
    story_ids = sw.pushed(5)
    jira_ids = [str(sw.link(i).jira_id) for i in story_ids]
    sw.fake.advance(minutes=30)
    searches_before = sw.search_calls()

    full = sw.sync(FULL)

    assert (full.state, full.checked, full.missing) == ("succeeded", 5, 0)
    assert sw.search_calls() - searches_before == math.ceil(5 / 2)
    batches = {body["jql"] for body in sw.searches()[-3:]}
    assert batches == {
        f"id in ({', '.join(jira_ids[n : n + 2])}) ORDER BY created ASC" for n in (0, 2, 4)
    }

    for story_id in story_ids:
        sw.fake.transition(sw.key(story_id), "In Progress")
    sw.fake.advance(minutes=1)
    searches_before = sw.search_calls()

    incremental = sw.sync()

    assert (incremental.state, incremental.checked, incremental.changed) == ("succeeded", 5, 5)
    assert sw.search_calls() - searches_before == 3
    pages = sw.searches()[-3:]
    assert {page["maxResults"] for page in pages} == {2}
    if flavour == "cloud":
        assert [bool(page.get("nextPageToken")) for page in pages] == [False, True, True]
        assert all("startAt" not in page for page in pages)
    else:
        assert [page["startAt"] for page in pages] == [0, 2, 4]
    assert {sw.link(i).delivery_state for i in story_ids} == {DeliveryState.IN_PROGRESS}


def test_full_reconcile_covers_epics_and_stories_in_one_call_per_hundred(sw: SyncWorld) -> None:
    initiative_id = sw.push.initiative()
    story_ids = sw.push.stories(2, initiative_id=initiative_id)
    sw.push.push_initiative(initiative_id)
    sw.push.run()
    epic_key = sw.push.epic_link(initiative_id).jira_key or ""
    sw.fake.transition(epic_key, "In Progress")
    sw.fake.advance(minutes=30)
    searches_before = sw.search_calls()

    summary = sw.sync(FULL)

    assert (summary.state, summary.checked) == ("succeeded", 3)
    assert sw.search_calls() - searches_before == 1
    assert sw.push.epic_link(initiative_id).status_name == "In Progress"
    assert {sw.link(i).status_name for i in story_ids} == {"To Do"}


def test_deleted_and_hidden_issues_are_missing_with_their_data_kept(
    sw: SyncWorld, flavour: str
) -> None:
    kept, deleted, hidden = sw.pushed(3)
    keys = {i: sw.key(i) for i in (kept, deleted, hidden)}
    for story_id in (deleted, hidden):
        sw.fake.transition(keys[story_id], "In Progress")
    sw.fake.advance(minutes=30)
    assert sw.sync(FULL).missing == 0
    sw.fake.delete(keys[deleted])
    sw.fake.set_visible(keys[hidden], False)
    sw.fake.advance(minutes=30)
    searches_before = sw.search_calls()

    summary = sw.sync(FULL)

    assert (summary.state, summary.checked, summary.missing) == ("succeeded", 1, 2)
    # Cloud answers 400 naming the ids once, then the batch is asked again without them;
    # Data Center's validateQuery=warn leaves them out in the same call.
    assert sw.search_calls() - searches_before == (2 if flavour == "cloud" else 1)
    for story_id in (deleted, hidden):
        link = sw.link(story_id)
        assert link.missing_since == sw.fake.now
        assert (link.status_name, link.delivery_state) == ("In Progress", "in_progress")
        assert link.jira_key == keys[story_id]
    assert sw.link(kept).missing_since is None

    sw.fake.set_visible(keys[hidden], True)
    sw.fake.advance(minutes=30)
    again = sw.sync(FULL)

    assert (again.checked, again.missing) == (2, 1)
    assert sw.link(hidden).missing_since is None
    assert sw.link(deleted).missing_since == sw.fake.now - timedelta(minutes=30)


def test_a_moved_issue_is_found_by_id_and_its_new_key_kept(sw: SyncWorld) -> None:
    [story_id] = sw.pushed(1)
    jira_id = sw.link(story_id).jira_id
    sw.fake.advance(minutes=30)
    sw.sync()
    sw.fake.advance(minutes=5)
    moved = sw.fake.move(sw.key(story_id), "FRAUD")
    sw.fake.advance(minutes=5)

    assert sw.sync().checked == 1  # the label travels with the issue

    link = sw.link(story_id)
    assert (link.jira_id, link.jira_key) == (jira_id, moved)
    assert link.browse_url == f"{sw.fake.url}/browse/{moved}"

    sw.fake.advance(minutes=5)
    again = sw.fake.move(moved, "CARE")
    sw.fake.advance(minutes=5)
    assert sw.sync(FULL).checked == 1
    assert sw.link(story_id).jira_key == again


def test_done_then_reopened_moves_the_suggestion_to_delivered_and_back(sw: SyncWorld) -> None:
    [story_id] = sw.pushed(1)
    key = sw.key(story_id)
    sw.fake.advance(minutes=30)
    sw.sync()
    assert sw.status_of(story_id) == Status.IN_DELIVERY
    sw.fake.advance(hours=1)
    sw.fake.transition(key, "In Progress")
    started = sw.fake.now
    sw.fake.advance(hours=2)
    sw.fake.transition(key, "Done")
    done = sw.fake.now
    sw.fake.advance(minutes=5)

    assert sw.sync().events == 2

    assert sw.status_of(story_id) == Status.DELIVERED
    events = sw.events(story_id)
    assert [(e.from_status, e.to_status, e.changed_at) for e in events] == [
        ("To Do", "In Progress", started),
        ("In Progress", "Done", done),
    ]
    assert all(e.history_id and e.source == "sync" for e in events)

    sw.fake.advance(days=1)
    sw.fake.transition(key, "In Progress")  # reopened
    sw.fake.advance(minutes=5)
    reopened = sw.sync()

    assert (reopened.checked, reopened.events) == (1, 1)  # histories already seen are not repeated
    assert sw.status_of(story_id) == Status.IN_DELIVERY
    link = sw.link(story_id)
    assert (link.delivery_state, link.resolution) == (DeliveryState.IN_PROGRESS, "")
    assert sw.events(story_id)[-1].to_status == "In Progress"


def test_a_truncated_changelog_is_completed_for_that_issue_only(
    sw: SyncWorld, flavour: str
) -> None:
    busy, calm = sw.pushed(2)
    sw.fake.search_changelog_cap = 1  # search results carry the latest history only
    sw.fake.advance(minutes=30)
    sw.sync()
    for status in ("In Progress", "Done", "In Progress"):
        sw.fake.advance(minutes=10)
        sw.fake.transition(sw.key(busy), status)
    sw.fake.transition(sw.key(calm), "In Progress")
    sw.fake.advance(minutes=5)
    changelog = r"/issue/\d+/changelog$" if flavour == "cloud" else r"/issue/\d+$"
    fetched_before = sw.fake.call_count(changelog, "GET")

    summary = sw.sync()

    assert summary.state == "succeeded"
    assert sw.fake.call_count(changelog, "GET") - fetched_before == 1
    assert [e.to_status for e in sw.events(busy)] == ["In Progress", "Done", "In Progress"]
    assert [e.to_status for e in sw.events(calm)] == ["In Progress"]
    assert sw.runs()[-1].state == RunState.SUCCEEDED
