"""What a paused push leaves behind, against the fake Jira over HTTP: only the story whose create
answer was lost is SENDING (those after it were never sent), the pause says what happened
without promising a resume, and a site without bulk create is asked once, ever."""

from __future__ import annotations

import pytest

from sync.jira.metadata_store import metadata_cache
from sync.jira.site import site_facts
from sync.push.engine import NOT_SENT_NO_ANSWER
from tests.fakejira import FakeJira
from tests.helpers.jira import create_calls, story_label
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.models import JobState, PushState
from tracker.services import jira_sites

BULK = r"/issue/bulk$"
SINGLE = r"/issue$"
SEARCH = r"/search(/jql)?$"


def once_each(world: PushWorld, story_ids: list[int]) -> None:
    assert world.issues_per_label() == {story_label(i): 1 for i in story_ids}
    assert {world.links()[i].state for i in story_ids} == {PushState.PUSHED}


def stored_bulk_create(world: PushWorld) -> bool | None:
    with db.session_scope(world.app) as session:
        site = jira_sites.find(session, base_url=world.fake.url)
        assert site is not None
        known = site.capabilities.get("bulk_create")
        assert known is None or isinstance(known, bool)
        return known


def new_process() -> None:
    """Forget what this process learnt: only the database carries over."""
    metadata_cache.clear()
    site_facts.clear()


@pytest.mark.parametrize("mode", ["drop", "504"])
def test_a_lost_answer_creating_one_by_one_leaves_only_that_story_unknown(
    world: PushWorld, fake: FakeJira, mode: str
) -> None:
    fake.bulk_enabled = False
    story_ids = world.stories(3)
    job_id = world.push(story_ids)
    # The second create reaches Jira but its answer is lost; then the label search that would
    # settle it is refused, which stops the job where the pause left it.
    fake.faults.add("POST", SINGLE, "lost_response", mode=mode).opts["after"] = 1
    fake.faults.add("POST", SEARCH, "401")

    world.run()

    links = world.links()
    first, lost, never_sent = (links[i] for i in story_ids)
    assert first.state == PushState.PUSHED
    assert lost.state == PushState.SENDING
    assert "may" in lost.last_error  # Jira may have created it
    assert (never_sent.state, never_sent.last_error, never_sent.attempts) == (
        PushState.QUEUED,
        NOT_SENT_NO_ANSWER,
        0,
    )
    assert world.job(job_id).state == JobState.DONE
    assert fake.call_count(SINGLE, "POST") == 2  # the third story never left

    world.push(story_ids)  # once the account is fixed
    world.run()

    assert fake.call_count(SINGLE, "POST") == 3  # the lost one was found by its label
    once_each(world, story_ids)


def test_a_pause_says_what_happened_without_promising_a_resume(
    world: PushWorld, fake: FakeJira
) -> None:
    story_ids = world.stories(2)
    job_id = world.push(story_ids)
    fake.faults.add("GET", r"/serverInfo$", "503", times=None)
    fake.faults.add("GET", r"/field$", "503", times=None)

    world.run()

    job = world.job(job_id)
    assert job.state != JobState.DONE
    assert job.last_error.endswith(" The push is paused.")
    assert "resume" not in job.last_error
    fake.faults.clear()


def test_a_site_without_bulk_create_is_asked_once_ever(world: PushWorld, fake: FakeJira) -> None:
    fake.bulk_enabled = False
    first = world.stories(2)
    world.push(first)
    world.run()
    assert (fake.call_count(BULK), fake.call_count(SINGLE, "POST")) == (1, 2)
    assert stored_bulk_create(world) is False

    new_process()
    later = world.stories(2)
    world.push(later)
    world.run()

    assert fake.call_count(BULK) == 1  # not asked again, in this process or another
    assert fake.call_count(SINGLE, "POST") == 4
    once_each(world, first + later)


def test_a_bulk_create_that_works_is_remembered(world: PushWorld, fake: FakeJira) -> None:
    story_ids = world.stories(2)
    world.push(story_ids)

    world.run()

    assert create_calls(fake) == 1
    assert stored_bulk_create(world) is True
    once_each(world, story_ids)
