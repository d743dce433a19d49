"""Every kind of Jira site a company runs (tests/fakejira/profiles.py: Cloud, Data Center 10, 9
and 8.20, Server 7.6, a proxy refusing POST search and bulk create, a site ignoring `id in`),
toured end to end over HTTP: the check passes, stories pushed before their epic end under it,
a lost answer and a killed push leave one issue each, the reconcile finds every issue, and no
step sends more calls than the fewest it could (tests/helpers/jira_tour.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.fakejira import FakeJira
from tests.fakejira.profiles import PROFILE_NAMES, PROFILES
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.jira import jira_config
from tests.helpers.jira_tour import STEPS, run_tour
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.models import Role
from tracker.services import jira_sites


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_each_kind_of_site_is_toured_with_the_fewest_calls(
    profile: str,
    start_fake_jira: Callable[..., FakeJira],
    make_app: Callable[..., Flask],
    database_url: str,
) -> None:
    fake = start_fake_jira(PROFILES[profile].flavour, profile=profile)
    app = make_app(database_url, jira=jira_config(fake))
    # Not the `make_user` fixture: in tests/sync it brings a second app and fake per flavour.
    pm = user_factory(app, organisation_factory(app))(Role.PM)
    world = PushWorld(app, fake, pm)

    def push_cli(story_id: int) -> None:
        args = ["jira", "push", "--as", world.pm.email, "--story", str(story_id)]
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output

    tour = run_tour(world, profile, push_cli=push_cli)

    assert [(r.name, r.message, r.detail) for r in tour.check if not r.ok] == []
    assert [step.name for step in tour.steps] == list(STEPS)
    for step in tour.steps:
        assert step.calls <= step.minimum * 1.1, (step.name, step.paths)
    # Each issue created once, every story under the epic pushed after some of them.
    assert set(world.issues_per_label().values()) == {1}
    assert len(tour.story_keys) == 4
    assert {fake.epic_of(key) for key in tour.story_keys.values()} == {tour.epic_key}
    with db.session_scope(app) as session:
        site = jira_sites.find(session, base_url=fake.url)
        assert site is not None
        known = site.capabilities
    assert known["search"] == ("get" if profile == "proxy" else "post")
    assert known["createmeta"] == ("legacy" if profile == "server7" else "paged")
    assert known["id_in"] is (profile != "ignores-id-in")
