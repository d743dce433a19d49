"""Jira status applied to the tracker: delivery states, status events at Jira's timestamps,
suggestions delivered and reopened, initiative progress and health, and the statement count.

Links are seeded straight through the models (no fake Jira needed); snapshots are built the way
the sync's parser builds them (tests/helpers/delivery.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func
from sqlmodel import col, select

from tests.helpers.delivery import (
    BROWSE,
    T0,
    Seeded,
    Story,
    apply,
    done,
    pushed_link,
    seed,
    seed_initiative,
    snap,
)
from tracker import db
from tracker.config import SyncSettings
from tracker.models import (
    DeliveryState,
    JiraLink,
    Role,
    Status,
    StatusChange,
    StatusEvent,
    Suggestion,
    User,
)
from tracker.services.jira_status import delivery
from tracker.services.jira_status.snapshots import IssueSnapshot, StatusHistory
from tracker.services.suggestions import decisions


@pytest.fixture
def submitter(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUBMITTER)


def link_of(app: Flask, story: Story) -> JiraLink:
    with db.session_scope(app) as session:
        found = session.get(JiraLink, story.link_id)
        assert found is not None
        return found


def suggestion_of(app: Flask, seeded: Seeded) -> Suggestion:
    with db.session_scope(app) as session:
        found = session.get(Suggestion, seeded.suggestion_id)
        assert found is not None
        return found


def events_of(app: Flask, story: Story) -> list[StatusEvent]:
    with db.session_scope(app) as session:
        return list(
            session.exec(
                select(StatusEvent)
                .where(StatusEvent.link_id == story.link_id)
                .order_by(col(StatusEvent.changed_at), col(StatusEvent.id))
            ).all()
        )


def changes_of(app: Flask, seeded: Seeded) -> list[StatusChange]:
    with db.session_scope(app) as session:
        return list(
            session.exec(
                select(StatusChange)
                .where(StatusChange.suggestion_id == seeded.suggestion_id)
                .order_by(col(StatusChange.id))
            ).all()
        )


# --- mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("new", DeliveryState.TODO),
        ("indeterminate", DeliveryState.IN_PROGRESS),
        ("done", DeliveryState.DONE),
        ("undefined", None),
    ],
)
def test_the_status_category_gives_the_delivery_state(category, expected):
    assert delivery.map_state("Whatever", category, status_map={}) is expected


def test_the_status_map_wins_over_the_category_ignoring_case():
    status_map = {"In Review": "done", "Blocked": "todo"}
    assert delivery.map_state("in review", "indeterminate", status_map=status_map) is (
        DeliveryState.DONE
    )
    assert delivery.map_state("BLOCKED", "indeterminate", status_map=status_map) is (
        DeliveryState.TODO
    )
    # An exact name only: "In Review 2" is not "In Review".
    assert delivery.map_state("In Review 2", "indeterminate", status_map=status_map) is (
        DeliveryState.IN_PROGRESS
    )


def test_applying_stores_the_fields_and_the_mapped_state(app, submitter):
    seeded = seed(app, submitter.id, points=(3, 5))
    first, second = seeded.stories
    settings = SyncSettings(status_map={"In Review": "done"})
    result = apply(
        app,
        [
            snap(
                first, "In Review", "indeterminate", assignee="Dana Dev",
                fix_versions=("2025.3",), sprint="Sprint 12", resolution="",
            ),
            snap(second, "Selected for Development", "new"),
            snap("999999", "Done", "done"),  # not tracked: ignored
        ],
        settings=settings,
    )  # fmt: skip
    # Both were seen for the first time: their status is recorded, not a change.
    assert (result.checked, result.recorded, result.changed) == (2, 2, 0)
    stored = link_of(app, first)
    assert (stored.status_name, stored.status_category, stored.delivery_state) == (
        "In Review", "indeterminate", "done"
    )  # fmt: skip
    assert (stored.assignee, stored.fix_versions, stored.sprint) == (
        "Dana Dev", ["2025.3"], "Sprint 12"
    )  # fmt: skip
    assert stored.jira_updated_at == T0 + timedelta(hours=1)
    assert stored.synced_at == T0 + timedelta(days=1)
    assert link_of(app, second).delivery_state == "todo"


def test_a_link_the_callers_session_holds_shows_the_applied_status(app, submitter):
    (story,) = seed(app, submitter.id, status_name="In Progress").stories
    with db.session_scope(app) as session:
        held = session.get(JiraLink, story.link_id)
        assert held is not None
        assert held.status_name == "In Progress"
        delivery.apply_snapshots(
            session,
            [snap(story, "Done", "done")],
            source="webhook",
            now=T0,
            settings=SyncSettings(),
        )
        assert (held.status_name, held.delivery_state) == ("Done", "done")


def test_a_snapshot_without_the_sprint_field_keeps_the_stored_sprint(app, submitter):
    (story,) = seed(app, submitter.id).stories
    apply(app, [snap(story, sprint="Sprint 12")])
    apply(app, [snap(story, sprint=None, updated=T0 + timedelta(hours=2))])
    assert link_of(app, story).sprint == "Sprint 12"
    apply(app, [snap(story, sprint="", updated=T0 + timedelta(hours=3))])
    assert link_of(app, story).sprint == ""


# --- status events ----------------------------------------------------------------------------


def test_each_history_becomes_an_event_at_jiras_time_and_only_once(app, submitter):
    seeded = seed(app, submitter.id, status_name="To Do")
    (story,) = seeded.stories
    seed(app, submitter.id, status_name="In Progress", title="Another idea already under way")
    started, reviewed = T0 + timedelta(hours=2), T0 + timedelta(hours=5)
    snapshot = snap(
        story, "In Review", "indeterminate",
        histories=[
            StatusHistory("501", started, "Dana Dev", "To Do", "In Progress"),
            StatusHistory("502", reviewed, "Rui Reviewer", "In Progress", "In Review"),
        ],
        updated=reviewed,
    )  # fmt: skip
    assert apply(app, [snapshot]).events == 2
    events = events_of(app, story)
    assert [(e.from_status, e.to_status, e.changed_at, e.author) for e in events] == [
        ("To Do", "In Progress", started, "Dana Dev"),
        ("In Progress", "In Review", reviewed, "Rui Reviewer"),
    ]
    # Changelog entries carry names only: their states come from the categories the stored
    # links and this snapshot show for those names.
    assert [(e.from_state, e.to_state) for e in events] == [
        ("todo", "in_progress"), ("in_progress", "in_progress")
    ]  # fmt: skip
    assert {(e.story_id, e.suggestion_id, e.jira_key, e.source) for e in events} == {
        (story.id, seeded.suggestion_id, story.key, "sync")
    }
    assert link_of(app, story).status_since == reviewed

    again = apply(app, [snapshot, snapshot])
    assert (again.checked, again.changed, again.events) == (2, 0, 0)
    assert len(events_of(app, story)) == 2


def test_a_status_change_without_its_history_is_one_event_at_the_updated_time(app, submitter):
    (story,) = seed(app, submitter.id, status_name="In Progress").stories
    updated = T0 + timedelta(hours=7)
    result = apply(app, [snap(story, "Done", "done", updated=updated)])
    assert result.events == 1
    (event,) = events_of(app, story)
    assert (event.history_id, event.from_status, event.to_status) == (None, "In Progress", "Done")
    assert (event.from_state, event.to_state, event.changed_at) == ("in_progress", "done", updated)
    assert link_of(app, story).status_since == updated
    # Seen again unchanged: nothing new, and the status keeps its start.
    later = T0 + timedelta(hours=9)
    assert apply(app, [snap(story, "Done", "done", updated=later)]).events == 0
    assert link_of(app, story).status_since == updated


def test_the_first_sight_of_a_fresh_issue_in_to_do_is_no_event(app, submitter):
    first, second = seed(app, submitter.id, points=(1, 2)).stories
    apply(app, [snap(first, "To Do", "new"), snap(second, "In Progress", "indeterminate")])
    assert events_of(app, first) == []
    assert [e.to_status for e in events_of(app, second)] == ["In Progress"]
    assert link_of(app, first).status_since == T0 + timedelta(hours=1)


def test_an_older_snapshot_does_not_undo_a_newer_one(app, submitter):
    (story,) = seed(app, submitter.id, status_name="In Progress").stories
    apply(app, [snap(story, "Done", "done", updated=T0 + timedelta(hours=5))])
    apply(app, [snap(story, "In Progress", updated=T0 + timedelta(hours=4))], source="webhook")
    assert link_of(app, story).status_name == "Done"


def test_a_moved_issue_is_followed_by_its_id(app, submitter):
    seeded = seed(app, submitter.id, status_name="In Progress")
    (story,) = seeded.stories
    result = apply(app, [snap(story, "Done", "done", key="PAY-77")])
    assert result.changed == 1
    stored = link_of(app, story)
    assert (stored.jira_key, stored.browse_url) == ("PAY-77", BROWSE + "PAY-77")
    assert [e.jira_key for e in events_of(app, story)] == ["PAY-77"]
    with db.session_scope(app) as session:
        assert delivery.is_tracked(session, story.jira_id)


def test_missing_issues_keep_their_data_and_come_back(app, submitter):
    first, second = seed(app, submitter.id, points=(1, 2), status_name="In Progress").stories
    gone = T0 + timedelta(days=2)
    with db.session_scope(app) as session:
        assert delivery.mark_missing(session, jira_ids=[first.jira_id, "424242"], now=gone) == 1
    with db.session_scope(app) as session:
        later = gone + timedelta(hours=1)
        assert delivery.mark_missing(session, jira_ids=[first.jira_id], now=later) == 0
        assert first.jira_id in delivery.tracked_jira_ids(session)
    stored = link_of(app, first)
    assert (stored.missing_since, stored.status_name, stored.jira_key) == (
        gone, "In Progress", first.key
    )  # fmt: skip
    assert link_of(app, second).missing_since is None
    result = apply(app, [snap(first, "In Progress")])
    assert (result.checked, result.changed) == (1, 1)
    assert link_of(app, first).missing_since is None


def test_tracked_ids_are_the_pushed_links_in_numeric_order(app, submitter):
    seeded = seed(app, submitter.id, points=(1, 2, 3), pushed=(True, False, True))
    _, epic_jira_id = seed_initiative(app, epic=True)
    with db.session_scope(app) as session:
        tracked = delivery.tracked_jira_ids(session)
        assert not delivery.is_tracked(session, seeded.stories[1].jira_id)
    assert set(seeded.jira_ids) | {epic_jira_id} <= set(tracked)
    assert seeded.stories[1].jira_id not in tracked
    assert tracked == sorted(tracked, key=int)


def test_numeric_order_is_by_number_not_text(app, submitter):
    with db.session_scope(app) as session:
        for jira_id in ("100", "9", "10"):
            session.add(pushed_link(jira_id, f"X-{jira_id}", initiative_id=None))
    with db.session_scope(app) as session:
        assert [i for i in delivery.tracked_jira_ids(session) if len(i) < 4] == ["9", "10", "100"]


# --- suggestions roll up ----------------------------------------------------------------------


def test_a_suggestion_is_delivered_when_all_its_stories_are_done(app, submitter):
    seeded = seed(app, submitter.id, points=(1, 2, 3), status_name="In Progress")
    first, second, third = seeded.stories
    apply(app, [done(first, at=T0 + timedelta(hours=2)), done(second, at=T0 + timedelta(hours=4))])
    assert suggestion_of(app, seeded).status is Status.IN_DELIVERY
    last = T0 + timedelta(hours=3)  # Jira's time, not the order the snapshots arrive in
    apply(app, [done(third, at=last)])
    suggestion = suggestion_of(app, seeded)
    assert suggestion.status is Status.DELIVERED
    assert suggestion.delivered_at == T0 + timedelta(hours=4)
    change = changes_of(app, seeded)[-1]
    assert (change.actor_id, change.from_status, change.to_status) == (
        None, "in_delivery", "delivered"
    )  # fmt: skip
    assert change.reason == (
        f"All 3 stories are done in Jira ({first.key}, {second.key}, {third.key})."
    )
    # Applying the same again moves nothing and records nothing.
    apply(app, [done(third, at=last)])
    assert len(changes_of(app, seeded)) == 1


def test_not_delivered_while_a_story_is_not_pushed(app, submitter):
    seeded = seed(app, submitter.id, points=(1, 2), pushed=(True, False))
    apply(app, [done(seeded.stories[0], at=T0 + timedelta(hours=2))])
    assert suggestion_of(app, seeded).status is Status.IN_DELIVERY
    assert changes_of(app, seeded) == []


def test_a_reopened_story_takes_the_suggestion_back_to_in_delivery(app, submitter):
    seeded = seed(app, submitter.id, points=(1, 2), status_name="In Progress")
    first, second = seeded.stories
    apply(app, [done(first, at=T0 + timedelta(hours=2)), done(second, at=T0 + timedelta(hours=3))])
    assert suggestion_of(app, seeded).status is Status.DELIVERED
    reopened = StatusHistory("9001", T0 + timedelta(days=3), "Quinn QA", "Done", "Reopened")
    apply(app, [snap(second, "Reopened", "new", histories=[reopened], updated=reopened.changed_at)])
    suggestion = suggestion_of(app, seeded)
    assert (suggestion.status, suggestion.delivered_at) == (Status.IN_DELIVERY, None)
    change = changes_of(app, seeded)[-1]
    assert (change.actor_id, change.from_status, change.to_status) == (
        None, "delivered", "in_delivery"
    )  # fmt: skip
    assert f"{second.key} is Reopened in Jira" in change.reason
    assert events_of(app, second)[-1].to_state == "todo"


@pytest.mark.parametrize("status", [Status.PARKED, Status.DECLINED, Status.ACCEPTED])
def test_other_statuses_are_never_overridden(app, submitter, status):
    seeded = seed(app, submitter.id, status=status, status_name="In Progress")
    apply(app, [done(seeded.stories[0], at=T0 + timedelta(hours=2))])
    assert suggestion_of(app, seeded).status is status
    assert changes_of(app, seeded) == []


def test_an_epic_updates_its_initiative_but_delivers_no_suggestion(app, submitter):
    initiative_id, epic_jira_id = seed_initiative(app, epic=True)
    seeded = seed(app, submitter.id, initiative_id=initiative_id, status_name="In Progress")
    closed = StatusHistory("77", T0 + timedelta(hours=6), "Priya PM", "In Progress", "Done")
    result = apply(app, [snap(epic_jira_id, "Done", "done", histories=[closed])])
    assert (result.checked, result.events) == (1, 1)
    with db.session_scope(app) as session:
        epic = session.exec(select(JiraLink).where(JiraLink.jira_id == epic_jira_id)).one()
        assert (epic.delivery_state, epic.initiative_id) == ("done", initiative_id)
        event = session.exec(select(StatusEvent).where(StatusEvent.link_id == epic.id)).one()
        assert (event.initiative_id, event.story_id, event.suggestion_id) == (
            initiative_id, None, None
        )  # fmt: skip
    assert suggestion_of(app, seeded).status is Status.IN_DELIVERY
    # A story's events carry its initiative too, so the initiative's timeline shows them.
    apply(app, [done(seeded.stories[0], at=T0 + timedelta(hours=8))])
    with db.session_scope(app) as session:
        timeline = delivery.recent_events(session, initiative_id=initiative_id)
        by_suggestion = delivery.recent_events(session, suggestion_id=seeded.suggestion_id)
    assert [e.story_id for e in timeline] == [seeded.stories[0].id, None]  # newest first
    assert [e.story_id for e in by_suggestion] == [seeded.stories[0].id]


def test_the_first_push_stamps_in_jira_at_once(app, submitter):
    seeded = seed(app, submitter.id, status=Status.ACCEPTED)
    with db.session_scope(app) as session:
        suggestion = session.get(Suggestion, seeded.suggestion_id)
        assert suggestion is not None
        assert suggestion.in_jira_at is None
        decisions.mark_in_delivery(session, suggestion=suggestion, reason="Story created")
        first = suggestion.in_jira_at
        assert first is not None
        assert suggestion.status is Status.IN_DELIVERY
        decisions.mark_in_delivery(session, suggestion=suggestion, reason="Another story")
        assert suggestion.in_jira_at == first
    assert suggestion_of(app, seeded).in_jira_at == first


# --- progress and health ----------------------------------------------------------------------


def test_progress_by_stories_and_by_points_skips_stories_without_points(app, submitter):
    initiative_id, _ = seed_initiative(app)
    empty_id, _ = seed_initiative(app, "Nothing yet")
    seeded = seed(
        app, submitter.id, points=(5, None, 3, 8), pushed=(True, True, True, False),
        initiative_id=initiative_id, status_name="In Progress",
    )  # fmt: skip
    first, second, _third, _ = seeded.stories
    apply(app, [done(first, at=T0 + timedelta(hours=1)), done(second, at=T0 + timedelta(hours=2))])
    with db.session_scope(app) as session:
        progress = delivery.initiative_progress(
            session, [initiative_id, empty_id], settings=SyncSettings(), now=T0 + timedelta(days=1)
        )
    mine = progress[initiative_id]
    assert (mine.stories_done, mine.stories_total, mine.percent_by_stories) == (2, 4, 50)
    # 5 of 16 points: the done story without points counts in neither figure.
    assert (mine.points_done, mine.points_total, mine.percent_by_points) == (5, 16, 31)
    assert (progress[empty_id].stories_total, progress[empty_id].percent_by_stories) == (0, None)
    assert progress[empty_id].percent_by_points is None


def test_stories_stuck_longer_than_configured_flag_the_initiative(app, submitter):
    initiative_id, _ = seed_initiative(app)
    seeded = seed(
        app, submitter.id, points=(1, 2, 3, 4), initiative_id=initiative_id,
        status_name="In Progress",
    )  # fmt: skip
    review, waiting, finished, gone = seeded.stories
    entered = T0 + timedelta(hours=3)
    review_history = StatusHistory("31", entered, "Dana Dev", "In Progress", "In Review")
    apply(
        app,
        [
            snap(review, "In Review", histories=[review_history], updated=entered),
            snap(waiting, "In Progress", updated=T0 + timedelta(days=10)),
            done(finished, at=T0),
            snap(
                gone,
                "In Progress",
                histories=[StatusHistory("41", T0, "x", "To Do", "In Progress")],
            ),
        ],
    )
    with db.session_scope(app) as session:
        delivery.mark_missing(session, jira_ids=[gone.jira_id], now=T0 + timedelta(days=15))
    settings = SyncSettings(stuck_after_days=14)
    now = entered + timedelta(days=18, hours=2)
    with db.session_scope(app) as session:
        progress = delivery.initiative_progress(
            session, [initiative_id], settings=settings, now=now
        )
    (stuck,) = progress[initiative_id].stuck  # done, recent and missing stories are not stuck
    assert (stuck.story_id, stuck.jira_key, stuck.status_name, stuck.since, stuck.days) == (
        review.id, review.key, "In Review", entered, 18
    )  # fmt: skip
    assert stuck.browse_url == BROWSE + review.key
    (missing,) = progress[initiative_id].missing
    assert (missing.story_id, missing.jira_key) == (gone.id, gone.key)
    # The same stories, a day before the limit: nothing stuck.
    with db.session_scope(app) as session:
        early = delivery.initiative_progress(
            session, [initiative_id], settings=settings, now=entered + timedelta(days=13)
        )
    assert early[initiative_id].stuck == []


def test_progress_counts_only_what_the_viewer_may_see(app, submitter, make_user):
    initiative_id, _ = seed_initiative(app)
    owner = make_user(Role.SUBMITTER)
    seed(app, submitter.id, initiative_id=initiative_id)
    seed(app, owner.id, initiative_id=initiative_id, confidential=True, points=(1, 2))
    with db.session_scope(app) as session:

        def total(viewer: User | None) -> int:
            found = delivery.initiative_progress(
                session, [initiative_id], settings=SyncSettings(), now=T0, viewer=viewer
            )
            return found[initiative_id].stories_total

        assert (total(None), total(submitter), total(owner)) == (3, 1, 3)


def test_a_suggestions_stories_with_their_jira_status(app, submitter):
    seeded = seed(app, submitter.id, points=(1, 2), pushed=(True, False))
    pushed, drafted = seeded.stories
    apply(app, [snap(pushed, "In Review", assignee="Dana Dev", fix_versions=("2025.3",))])
    with db.session_scope(app) as session:
        rows = delivery.suggestion_delivery(session, seeded.suggestion_id)
    assert [(r.story.id, r.pushed, r.jira_key, r.status_name) for r in rows] == [
        (pushed.id, True, pushed.key, "In Review"), (drafted.id, False, "", "")
    ]  # fmt: skip
    assert (rows[0].state, rows[0].assignee, rows[0].fix_versions) == (
        DeliveryState.IN_PROGRESS, "Dana Dev", ("2025.3",)
    )  # fmt: skip
    assert (rows[1].state, rows[1].missing_since) == (None, None)


# --- cost -------------------------------------------------------------------------------------


def _statements(app: Flask, work: Callable[[], object]) -> int:
    count = 0

    def tally(*_: object) -> None:
        nonlocal count
        count += 1

    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", tally)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", tally)
    return count


def _busy_snapshots(stories: Sequence[Story], at: datetime) -> list[IssueSnapshot]:
    """Each issue moved twice since the last sync; half the suggestions end up delivered."""
    snapshots = []
    for number, story in enumerate(stories):
        # Stories come in pairs per suggestion: every other suggestion gets both done.
        status, category = [("In Review", "indeterminate"), ("Done", "done")][number // 2 % 2]
        snapshots.append(
            snap(
                story, status, category, assignee=f"Dev {number}", updated=at,
                histories=[
                    StatusHistory(f"{story.jira_id}-{at:%H}a", at - timedelta(minutes=5), "A",
                                  "To Do", "In Progress"),
                    StatusHistory(f"{story.jira_id}-{at:%H}b", at, "B", "In Progress", status),
                ],
            )
        )  # fmt: skip
    return snapshots


def test_statements_per_call_do_not_grow_with_the_snapshots(app, submitter):
    small = [s for _ in range(5) for s in seed(app, submitter.id, points=(1, 2)).stories]
    large = [s for _ in range(100) for s in seed(app, submitter.id, points=(1, 2)).stories]
    assert (len(small), len(large)) == (10, 200)
    settings = SyncSettings()

    def run(stories: list[Story], snapshots: list[IssueSnapshot]) -> int:
        def work() -> None:
            with db.session_scope(app) as session:
                result = delivery.apply_snapshots(
                    session, snapshots, source="sync", now=T0 + timedelta(days=1), settings=settings
                )
                assert result.checked == len(stories)

        return _statements(app, work)

    busy = T0 + timedelta(hours=2)
    first = (run(small, _busy_snapshots(small, busy)), run(large, _busy_snapshots(large, busy)))
    assert first[0] == first[1], first
    with db.session_scope(app) as session:
        delivered = session.exec(
            select(func.count()).where(Suggestion.status == Status.DELIVERED)
        ).one()
    assert delivered == 2 + 50
    # Every issue back in progress, seen without its history: one event each, the delivered
    # suggestions reopened, and still the same cost for any size.
    reopened = T0 + timedelta(hours=3)
    again = (run(small, [snap(s, updated=reopened) for s in small]),
             run(large, [snap(s, updated=reopened) for s in large]))  # fmt: skip
    assert again[0] == again[1], again
    with db.session_scope(app) as session:
        assert session.exec(select(func.count()).select_from(StatusEvent)).one() == 2 * 210 + 210
        delivered = session.exec(
            select(func.count()).where(Suggestion.status == Status.DELIVERED)
        ).one()
    assert delivered == 0
    # Nothing new: applying the same snapshots once more costs the same as well.
    assert run(small, [snap(s, updated=reopened) for s in small]) == run(
        large, [snap(s, updated=reopened) for s in large]
    )


def test_progress_reads_cost_the_same_for_any_number_of_initiatives(app, submitter):
    ids = []
    for number in range(12):
        initiative_id, _ = seed_initiative(app, f"Initiative {number}")
        seed(app, submitter.id, initiative_id=initiative_id, points=(1, 2))
        ids.append(initiative_id)

    def read(wanted: list[int]) -> Callable[[], object]:
        def work() -> None:
            with db.session_scope(app) as session:
                delivery.initiative_progress(session, wanted, settings=SyncSettings(), now=T0)

        return work

    assert _statements(app, read(ids[:1])) == _statements(app, read(ids))
