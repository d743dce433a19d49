"""'Test Jira connection' on every kind of site (tests/fakejira/profiles.py): it passes where a
push and a sync will work, learns what the site answers, and says in words what to change when
something in front of Jira refuses what they need."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from sync.jira.check import check_site
from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tracker import db
from tracker.services import jira_sites


def test_every_kind_of_site_passes_and_is_remembered(
    jira_profile_fake: FakeJira, make_app: Callable[..., Flask], database_url: str
) -> None:
    fake = jira_profile_fake
    assert fake.profile is not None
    app = make_app(database_url, jira=jira_config(fake))

    results = check_site(app, refresh=True)

    assert [(r.name, r.message) for r in results if not r.ok] == []
    search = next(r.message for r in results if r.name == "Search")
    assert ("by GET" in search) is (fake.profile.name == "proxy")
    with db.session_scope(app) as session:
        site = jira_sites.find(session, base_url=fake.url)
        assert site is not None
        assert site.server_version == fake.profile.version
        assert site.capabilities["createmeta"] == (
            "legacy" if fake.profile.name == "server7" else "paged"
        )
        assert site.site_metadata is not None  # the next push discovers nothing


def test_a_search_refused_both_ways_is_said_in_words(
    start_fake_jira: Callable[..., FakeJira], make_app: Callable[..., Flask], database_url: str
) -> None:
    fake = start_fake_jira("datacenter", profile="proxy")
    fake.faults.add("GET", r"/search$", "405", times=None)
    app = make_app(database_url, jira=jira_config(fake))

    results = check_site(app)

    failed = [r for r in results if not r.ok]
    assert [r.name for r in failed] == ["Search"]
    assert failed[0].message == (
        "Something in front of Jira (a proxy or firewall) refuses the request to search Jira "
        "(it finds its issues again after a lost answer and syncs their status that way); ask "
        "whoever runs it to let the tracker's requests through."
    )
    assert "GET /rest/api/2/search" in failed[0].detail
    assert "/rest/api/" not in failed[0].message


def test_a_stored_site_spares_the_next_process_its_discovery(
    start_fake_jira: Callable[..., FakeJira], make_app: Callable[..., Flask], database_url: str
) -> None:
    fake = start_fake_jira("datacenter", profile="server7")
    app = make_app(database_url, jira=jira_config(fake, deployment="auto"))
    check_site(app, refresh=True)
    first = len(fake.calls)

    check_site(app)  # as a new `tracker jira check` would: flavour and createmeta known

    calls = [f"{c.method} {c.path}" for c in fake.calls[first:]]
    assert calls.count("GET /rest/api/2/issue/createmeta") == 1
    assert not any("/issuetypes" in c for c in calls)  # no probe of the paged createmeta
    assert calls.count("GET /rest/api/2/serverInfo") == 1  # the check's own, no detection


def test_server_before_tokens_signs_in_with_username_and_password(
    start_fake_jira: Callable[..., FakeJira], make_app: Callable[..., Flask], database_url: str
) -> None:
    fake = start_fake_jira("datacenter", profile="server7")
    good = make_app(database_url, jira=jira_config(fake, deployment="auto"))

    results = check_site(good, refresh=True)

    assert ("Credentials", "Jira accepts the account jira-bot.") in [
        (r.name, r.message) for r in results
    ]
    wrong = jira_config(fake, password="not-the-password")
    refused = check_site(make_app(database_url, jira=wrong), refresh=True)
    assert (refused[-1].name, refused[-1].message) == (
        "Credentials",
        "Jira refused the credentials: check jira.username and jira.password.",
    )
    shown = " ".join(f"{r.message} {r.detail}" for r in refused)
    assert "not-the-password" not in shown
    assert fake.auth_failures >= 1
