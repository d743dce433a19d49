"""A tour of one Jira site the way a company runs it, step by step, counting the calls each step
sends and the fewest it could: the check, stories pushed before their epic, the epic, a lost
answer, a push killed mid-flight and resumed from the CLI, and a full reconcile. Each step starts
as a new process would (nothing cached in memory), so only what the database keeps carries over.

Used by tests/sync/test_jira_profiles.py (every profile of the fake) and bench/jira_profiles.py
(the table in the closing note).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from sync.jira.check import check_site
from sync.jira.metadata_store import metadata_cache
from sync.jira.site import site_facts
from sync.pull.status_sync import run_sync
from tests.fakejira import FakeJira
from tests.helpers.jira import SITE_ID
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.models import JiraLink, JobState, PushJob, PushState, SyncKind, utcnow
from tracker.services.ports import CheckResult

OTHER_ISSUES = 120
STEPS = (
    "check",
    "push stories before epic",
    "push their epic",
    "lost answer",
    "kill -9, push again",
    "full reconcile",
)


@dataclass
class Step:
    name: str
    calls: int
    minimum: int
    paths: list[str] = field(default_factory=list)


@dataclass
class TourResult:
    profile: str
    steps: list[Step]
    check: list[CheckResult]
    epic_key: str
    story_keys: dict[int, str]


def minimum_calls(fake: FakeJira) -> dict[str, int]:
    """The fewest calls each step can cost on this site, knowing only what earlier steps
    could have learnt (the check cannot learn whether bulk create works without creating)."""
    profile = fake.profile
    legacy_only = profile is not None and not profile.paged_createmeta
    post_refused = profile is not None and "/search" in profile.refused_posts
    no_bulk = profile is not None and "/issue/bulk" in profile.refused_posts
    # serverInfo, fields, project, then types and two screens (paged) or the old createmeta.
    metadata = 4 if legacy_only else 6
    search = 2 if post_refused else 1  # the first search learns POST is refused
    check = metadata + search + 1  # + GET /myself
    stories = 3 if no_bulk else 1  # one refused bulk, then one create each; else one bulk
    ignores_id_in = profile is not None and not profile.honours_id_in
    reconcile = 1 + (2 if ignores_id_in else 1)
    return {
        "check": check,
        "push stories before epic": stories,
        "push their epic": 1 + 2,  # the epic, then one edit per story put under it
        "lost answer": 2,  # the create whose answer was lost, then the label search
        "kill -9, push again": 1,  # the label search finds what the dead process created
        # GET /field for the sprint field, then one search (plus, on a site that ignores
        # `id in`, the label search that replaces it).
        "full reconcile": reconcile,
    }


def new_process() -> None:
    metadata_cache.clear()
    site_facts.clear()


def run_tour(
    world: PushWorld,
    profile: str,
    *,
    push_cli: Callable[[int], None],
) -> TourResult:
    """The tour on `world` (an app wired to `world.fake`); `push_cli(story_id)` runs
    `tracker jira push --story ID` as a PM would after a crash."""
    fake, app = world.fake, world.app
    minimum = minimum_calls(fake)
    # The project is not the tracker's alone: people's own issues came first.
    for number in range(OTHER_ISSUES):
        fake.add_issue(f"Someone's own task {number}", issue_type="Task")
    steps: list[Step] = []

    def step(name: str, action: Callable[[], object]) -> object:
        new_process()
        before = len(fake.calls)
        outcome = action()
        paths = [f"{c.method} {c.path}" for c in fake.calls[before:]]
        steps.append(Step(name, len(paths), minimum[name], paths))
        return outcome

    check = step("check", lambda: check_site(app, refresh=True))
    assert isinstance(check, list)
    initiative = world.initiative()
    early = world.stories(2, initiative_id=initiative)
    step("push stories before epic", lambda: (world.push(early), world.run()))
    step("push their epic", lambda: (world.push_initiative(initiative), world.run()))

    lost = world.stories(1, initiative_id=initiative)
    fake.faults.add("POST", r"/issue$", "lost_response")
    step("lost answer", lambda: (world.push(lost), world.run()))

    killed = world.stories(1, initiative_id=initiative)
    _die_mid_push(world, killed[0], world.epic_link(initiative).jira_key or "")
    step("kill -9, push again", lambda: push_cli(killed[0]))

    step("full reconcile", lambda: run_sync(app, kind=SyncKind.FULL, owner="tour"))
    links = world.links()
    return TourResult(
        profile,
        steps,
        check,
        world.epic_link(initiative).jira_key or "",
        {story: links[story].jira_key or "" for story in early + lost + killed},
    )


def _die_mid_push(world: PushWorld, story_id: int, epic_key: str) -> None:
    """As if `tracker jira push --story ID` was killed with -9 right after Jira created the
    issue from the fields sent (under its epic): the link is SENDING in a job whose lease ran
    out, and Jira holds the issue."""
    job_id = world.push([story_id])
    with db.session_scope(world.app) as session:
        link = session.exec(select(JiraLink).where(JiraLink.story_id == story_id)).one()
        label = link.label
        link.state = PushState.SENDING.value
        link.attempts = 1
        link.sent_at = utcnow() - timedelta(minutes=10)
        session.add(link)
        session.execute(
            update(PushJob)
            .where(col(PushJob.id) == job_id)
            .values(
                state=JobState.RUNNING.value,
                lease_owner="cli@dead-host:4242",
                lease_until=utcnow() - timedelta(minutes=1),
            )
        )
    fake = world.fake
    epic_field = "parent" if fake.flavour == "cloud" else fake.config.epic_link_field
    assert epic_field is not None
    epic: Any = {"key": epic_key} if epic_field == "parent" else epic_key
    fake.add_issue(
        f"Story {story_id} created just before the kill",
        labels=[label, f"trk-{SITE_ID}"],
        **{epic_field: epic},
    )
