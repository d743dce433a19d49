"""Exactly once under trouble: rate limits, 5xx, lost and garbled answers, partial bulk
failures, a crash before the commit, a killed worker and refused credentials. Every test ends
with one Jira issue per story, counted by the story's unique label in the fake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import col, select

from sync.jira.client import JiraClient
from sync.jira.errors import JiraUnauthorized
from sync.push.worker import LEASE, run_job
from tests.fakejira import FakeJira
from tests.helpers.client import TrackerClient
from tests.helpers.jira import create_calls, jira_config, story_label
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.models import JiraLink, JobState, PushJob, PushState, Role, StoryDraft, User
from tracker.services.stories import push_execution

BULK = r"/issue/bulk$"
SEARCH = r"/search(/jql)?$"


def once_each(world: PushWorld, story_ids: list[int]) -> None:
    assert world.issues_per_label() == {story_label(i): 1 for i in story_ids}
    assert {world.links()[i].state for i in story_ids} == {PushState.PUSHED}


def test_rate_limited_bulk_waits_as_asked_then_succeeds(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(3)
    world.push(story_ids)
    fake.faults.add("POST", BULK, "429", retry_after=7)

    world.run()

    assert any(7 <= wait <= 7 * 1.25 for wait in world.waits)  # Retry-After, plus jitter
    assert fake.call_count(BULK) == 2
    once_each(world, story_ids)


def test_rate_limit_outlasting_the_client_is_waited_out_by_the_worker(
    world: PushWorld, fake: FakeJira
) -> None:
    story_ids = world.stories(2)
    world.push(story_ids)
    fake.faults.add("POST", BULK, "429", times=5, retry_after=3)  # max_attempts is 5

    world.run()

    assert len([wait for wait in world.waits if wait >= 3]) >= 5
    assert fake.call_count(BULK) == 6
    once_each(world, story_ids)


@pytest.mark.parametrize("status", ["500", "503"])
def test_server_error_on_bulk_is_checked_by_label_then_resent(
    world: PushWorld, fake: FakeJira, status: str
) -> None:
    story_ids = world.stories(3)
    world.push(story_ids)
    fake.faults.add("POST", BULK, status)  # answered before creating anything

    world.run()

    assert fake.call_count(SEARCH) == 1  # looked before sending again
    assert fake.call_count(BULK) == 2
    once_each(world, story_ids)


@pytest.mark.parametrize("mode", ["drop", "504"])
def test_lost_answer_after_the_create_is_adopted_not_repeated(
    world: PushWorld, fake: FakeJira, mode: str
) -> None:
    story_ids = world.stories(3)
    world.push(story_ids)
    fake.faults.add("POST", BULK, "lost_response", mode=mode)

    world.run()

    assert create_calls(fake) == 1  # Jira made them; the next pass found them by label
    assert fake.call_count(SEARCH) == 1
    once_each(world, story_ids)
    links = world.links()
    for story_id in story_ids:
        issue = fake.issue_by_key(links[story_id].jira_key or "")
        assert issue is not None
        assert story_label(story_id) in issue.labels


@pytest.mark.parametrize("performed", [True, False])
def test_malformed_json_on_bulk(world: PushWorld, fake: FakeJira, performed: bool) -> None:
    story_ids = world.stories(2)
    world.push(story_ids)
    fake.faults.add("POST", BULK, "malformed_json", perform=performed)

    world.run()

    assert create_calls(fake) == (1 if performed else 2)
    once_each(world, story_ids)


def test_partial_bulk_failure_shows_jiras_message_and_the_fixed_story_goes_later(
    world: PushWorld, fake: FakeJira
) -> None:
    story_ids = world.stories(3)
    job_id = world.push(story_ids)
    message = "Summary must be less than 255 characters."
    fake.faults.add("POST", BULK, "bulk_partial", indexes=[1], field="summary", message=message)

    world.run()

    links = world.links()
    failed = links[story_ids[1]]
    assert failed.state == PushState.FAILED
    assert failed.last_error == f"Jira refused the issue: Summary: {message.rstrip('.')}."
    assert failed.jira_key is None
    assert links[story_ids[0]].state == links[story_ids[2]].state == PushState.PUSHED
    progress = world.job(job_id)
    assert progress.state == JobState.DONE
    assert world.issues_per_label() == {story_label(i): 1 for i in (story_ids[0], story_ids[2])}

    world.push([story_ids[1]])  # after the PM fixed it
    world.run()

    once_each(world, story_ids)


def test_crash_after_the_create_before_the_commit_is_adopted_on_rerun(
    world: PushWorld, fake: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    story_ids = world.stories(3)
    job_id = world.push(story_ids)
    real = push_execution.mark_pushed_many
    calls = {"n": 0}

    def crash_once(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("power cut between the create and the commit")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(push_execution, "mark_pushed_many", crash_once)

    world.run()

    assert fake.issues() != []  # created in Jira ...
    assert {link.state for link in world.links().values()} == {PushState.SENDING}  # ... unknown
    assert world.job(job_id).last_error == (
        "The push stopped unexpectedly (see the server log); it is paused."
    )
    world.expire_leases()

    world.run()

    assert create_calls(fake) == 1
    once_each(world, story_ids)
    assert world.job(job_id).state == JobState.DONE


def test_worker_killed_mid_batch_is_resumed_by_another(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(3)
    job_id = world.push(story_ids)
    # The dead worker had marked every link SENDING and committed; its bulk call reached Jira
    # for the first two stories only, then the process was killed.
    with db.session_scope(world.app) as session:
        assert push_execution.claim_job(session, owner="dead-worker", lease=LEASE) is not None
        links = session.exec(
            select(JiraLink).where(col(JiraLink.story_id).in_(story_ids)).order_by(col(JiraLink.id))
        ).all()
        push_execution.mark_sending(session, links=links)
    for story_id in story_ids[:2]:
        fake.add_issue("Made before the kill", labels=[story_label(story_id)])
    assert world.run() == 0  # the lease is still the dead worker's
    world.expire_leases()

    assert world.run() == 1

    assert create_calls(fake) == 1
    assert fake.call_count(r"/issue$", "POST") == 1  # a create of the one story Jira never got
    once_each(world, story_ids)
    job = world.job(job_id)
    assert (job.state, job.lease_owner) == (JobState.DONE, "test-worker")


def test_refused_credentials_stop_the_job_and_lose_nothing(
    make_app: Callable[..., Flask],
    database_url: str,
    fake: FakeJira,
    make_user: Callable[..., User],
    flavour: str,
) -> None:
    wrong = {"api_token": "revoked"} if flavour == "cloud" else {"personal_access_token": "revoked"}
    world = PushWorld(
        make_app(database_url, jira=jira_config(fake, **wrong)), fake, make_user(Role.PM)
    )
    story_ids = world.stories(2)
    job_id = world.push(story_ids)

    world.run()

    job = world.job(job_id)
    assert job.state == JobState.DONE
    assert job.last_error.startswith("Jira refused the credentials: check jira.")
    assert {link.state for link in world.links().values()} == {PushState.QUEUED}
    assert fake.issues() == []


@pytest.mark.parametrize("status", ["401", "403"])
def test_credentials_refused_mid_job_put_the_stories_back_in_the_queue_with_the_reason(
    world: PushWorld, fake: FakeJira, client: TrackerClient, status: str
) -> None:
    story_ids = world.stories(2)
    job_id = world.push(story_ids)
    fake.faults.add("POST", BULK, status)  # Jira refused the call without acting on it

    world.run()

    job = world.job(job_id)
    assert (job.state, job.last_error != "") == (JobState.DONE, True)
    for link in world.links().values():
        assert (link.state, link.last_error, link.attempts) == (PushState.QUEUED, job.last_error, 0)
    client.login(world.pm.email)
    page = client.get(f"/jira/pushes/{job_id}").text
    # The push stopped, so its stories are not pushed (with its reason), not "Queued".
    assert page.count('<span class="state state-failed">Not pushed</span>') == 2
    assert "state-sending" not in page
    assert fake.issues() == []

    world.push(story_ids)  # once the account is fixed
    world.run()

    assert fake.call_count(SEARCH) == 0  # Jira certainly made nothing: no label search needed
    assert create_calls(fake) == 2
    once_each(world, story_ids)


def test_permission_refused_creating_one_by_one_queues_the_rest(
    world: PushWorld, fake: FakeJira
) -> None:
    fake.bulk_enabled = False
    story_ids = world.stories(3)
    job_id = world.push(story_ids)
    fake.forbid_next(method="POST", path_regex=r"/issue$").opts["after"] = 1

    world.run()

    reason = world.job(job_id).last_error
    assert reason.startswith("The Jira account is not allowed to do POST /rest/api/")
    links = world.links()
    assert links[story_ids[0]].state == PushState.PUSHED
    for story_id in story_ids[1:]:  # the refused one, and the one never sent
        assert (links[story_id].state, links[story_id].last_error) == (PushState.QUEUED, reason)
    assert world.issues_per_label() == {story_label(story_ids[0]): 1}

    world.push(story_ids)
    world.run()

    assert fake.call_count(SEARCH) == 0
    once_each(world, story_ids)


@pytest.mark.parametrize("how", ["search_refused_after_a_lost_answer", "anonymous_2xx"])
def test_credentials_refused_when_jira_may_have_created_leave_the_stories_sending(
    world: PushWorld, fake: FakeJira, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    story_ids = world.stories(2)
    job_id = world.push(story_ids)
    if how == "search_refused_after_a_lost_answer":
        fake.faults.add("POST", BULK, "lost_response")  # created, answer lost
        fake.faults.add("POST", SEARCH, "401")  # then the label search is refused
    else:
        real = JiraClient.bulk_create

        def as_anonymous(client: JiraClient, issues: Any) -> dict[str, Any]:
            real(client, issues)  # Data Center made them, then flagged the login as failed
            raise JiraUnauthorized("Jira refused the credentials.", outcome_unknown=True)

        monkeypatch.setattr(JiraClient, "bulk_create", as_anonymous)

    world.run()
    monkeypatch.undo()

    assert world.job(job_id).state == JobState.DONE
    assert {link.state for link in world.links().values()} == {PushState.SENDING}
    assert len(fake.issues()) == 2

    world.push(story_ids)  # the label search finds them: nothing is created twice
    world.run()

    assert create_calls(fake) == 1
    once_each(world, story_ids)


def test_a_story_jira_never_confirms_fails_after_max_attempts(
    make_app: Callable[..., Flask],
    database_url: str,
    fake: FakeJira,
    make_user: Callable[..., User],
) -> None:
    world = PushWorld(
        make_app(database_url, jira=jira_config(fake, max_attempts=3)), fake, make_user(Role.PM)
    )
    story_ids = world.stories(2)
    job_id = world.push(story_ids)
    fake.faults.add("POST", BULK, "500", times=None)

    world.run()

    assert fake.call_count(BULK) == 3
    for link in world.links().values():
        assert link.state == PushState.FAILED
        assert link.last_error.startswith("Gave up after 3 attempts: Jira failed with HTTP 500")
    assert world.job(job_id).state == JobState.DONE
    assert fake.issues() == []


def test_a_draft_edited_back_to_draft_is_not_sent(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(2)
    world.push(story_ids)
    with db.session_scope(world.app) as session:
        session.execute(
            update(StoryDraft).where(col(StoryDraft.id) == story_ids[0]).values(state="draft")
        )

    world.run()

    link = world.links()[story_ids[0]]
    assert (link.state, link.last_error) == (
        PushState.FAILED,
        "The story is no longer ready; mark it ready and push it again.",
    )
    assert world.issues_per_label() == {story_label(story_ids[1]): 1}


def test_two_workers_never_run_the_same_job(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(2)
    job_id = world.push(story_ids)
    with db.session_scope(world.app) as session:
        taken = push_execution.claim_job(session, owner="other-worker", lease=LEASE)
        assert taken is not None

    assert world.run() == 0

    assert fake.call_count() == 0
    with db.session_scope(world.app) as session:
        job = session.get(PushJob, job_id)
        assert job is not None
        assert job.lease_owner == "other-worker"


def test_a_refused_epic_fails_its_stories_with_the_reason(world: PushWorld, fake: FakeJira) -> None:
    initiative_id = world.initiative()
    story_ids = world.stories(2, initiative_id=initiative_id)
    job_id = world.push_initiative(initiative_id)
    fake.faults.add("POST", r"/issue$", "400", message="The project is archived.")

    world.run()

    epic = world.epic_link(initiative_id)
    assert (epic.state, epic.last_error) == (
        PushState.FAILED,
        "Jira refused the issue: The project is archived.",
    )
    for link in world.links().values():
        assert link.state == PushState.FAILED
        assert link.last_error == (
            "Its epic could not be created. Jira refused the issue: The project is archived."
        )
    assert world.job(job_id).state == JobState.DONE
    assert fake.issues() == []

    world.push_initiative(initiative_id)  # once the project is open again
    world.run()

    assert world.epic_link(initiative_id).state == PushState.PUSHED
    expected = {story_label(i): 1 for i in story_ids} | {f"trk-t1-e{initiative_id}": 1}
    assert world.issues_per_label() == expected
    assert {link.state for link in world.links().values()} == {PushState.PUSHED}


def test_a_worker_that_lost_its_job_stops_without_sending(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(2)
    job_id = world.push(story_ids)
    with db.session_scope(world.app) as session:
        assert push_execution.claim_job(session, owner="slow-worker", lease=LEASE) is not None
        # Its lease ran out while it was stuck, and another worker took the job over.
        session.execute(update(PushJob).values(lease_owner="other-worker"))
    settings = world.app.config["SETTINGS"]

    with world.client(settings.jira) as client:
        run_job(world.app, job_id, owner="slow-worker", client=client, sleep=world.waits.append)

    assert create_calls(fake) == 0
    job = world.job(job_id)
    assert (job.state, job.lease_owner) == (JobState.RUNNING, "other-worker")
    assert {link.state for link in world.links().values()} == {PushState.QUEUED}


def test_a_bulk_answer_that_does_not_add_up_is_settled_by_label(
    world: PushWorld, fake: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    story_ids = world.stories(3)
    world.push(story_ids)
    real = JiraClient.bulk_create

    def short_answer(client: JiraClient, issues: Any) -> dict[str, Any]:
        answer = real(client, issues)
        return {**answer, "issues": answer["issues"][1:]}  # one created issue goes unmentioned

    monkeypatch.setattr(JiraClient, "bulk_create", short_answer)

    world.run()

    assert create_calls(fake) == 1
    assert fake.call_count(SEARCH) == 1
    once_each(world, story_ids)


@pytest.mark.parametrize("count", [1, 3])  # one create, and a bulk create
def test_a_field_gone_since_discovery_fails_the_push_and_the_next_one_discovers_again(
    world: PushWorld, fake: FakeJira, flavour: str, count: int
) -> None:
    earlier = world.stories(1)
    world.push(earlier)
    world.run()  # discovers the site and keeps it for an hour
    old = fake.config.story_points_field
    # An admin replaced the story points field: same name, new id; the cached id is unknown now.
    fake.config = fake.state.config = replace(fake.config, story_points_field="customfield_10099")
    story_ids = world.stories(count)
    world.push(story_ids)

    world.run()

    name = fake.config.story_points_name
    for story_id in story_ids:
        link = world.links()[story_id]
        assert (link.state, link.last_error) == (
            PushState.FAILED,
            f"Jira refused the issue: {name}: Field '{old}' cannot be set. It is not on the "
            "appropriate screen, or unknown.",
        )
    assert fake.call_count("/field$") == 1  # no discovery again within the job: no loop
    # The fake flags fields a create may not set; here that is the point of the test.
    refused = fake.take_violations()
    assert len(refused) == count  # one per issue refused, each sent once
    assert all(f"'{old}' cannot be set" in violation for violation in refused)

    world.push(story_ids)
    world.run()

    assert fake.call_count("/field$") == 2
    once_each(world, earlier + story_ids)
    for story_id in story_ids:
        issue = fake.issue_by_key(world.links()[story_id].jira_key or "")
        assert issue is not None
        assert issue.fields["customfield_10099"] is not None

    world.push(world.stories(1))
    world.run()

    assert fake.call_count("/field$") == 2  # cached again
