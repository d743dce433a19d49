"""Site discovery and its cache, against the fake Jira over real HTTP in both flavours."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from sync.jira.client import JiraClient
from sync.jira.discovery import FieldInfo, discover, find_epic_link, find_story_points
from sync.jira.errors import JiraMisconfigured, JiraNotFound
from sync.jira.metadata_store import MetadataCache
from tests.fakejira import FakeJira
from tracker.config import JiraSettings

POINTS = {
    "cloud": ("customfield_10016", "Story point estimate"),
    "datacenter": ("customfield_10002", "Story Points"),
}


def settings_for(fake: FakeJira, **overrides: Any) -> JiraSettings:
    values: dict[str, Any] = {
        "base_url": fake.url,
        "project_key": "OPS",
        "deployment": fake.flavour,
    }
    if fake.flavour == "cloud":
        values.update(email=fake.email, api_token=fake.api_token)
    else:
        values.update(personal_access_token=fake.pat)
    values.update(overrides)
    return JiraSettings(**values)


def connect(fake: FakeJira, settings: JiraSettings) -> JiraClient:
    return JiraClient.from_settings(settings, sleep=lambda _: None)


def test_discovery_finds_ids_and_fields_by_name(start_fake: Any, flavour: str) -> None:
    fake = start_fake()
    settings = settings_for(fake)

    with connect(fake, settings) as client:
        meta = discover(client, settings)

    assert (meta.flavour, meta.project_key, meta.project_id) == (flavour, "OPS", "10000")
    assert (meta.story_type_id, meta.epic_type_id) == ("10001", "10000")
    assert meta.story_points_field == POINTS[flavour][0]
    assert meta.field_names[POINTS[flavour][0]] == POINTS[flavour][1]
    assert meta.on_story_screen(meta.story_points_field)
    assert {"summary", "description", "labels", "priority"} <= meta.story_fields
    assert meta.story_required == {"summary", "issuetype", "project"}
    assert meta.components == {"Backend", "Frontend"}
    if flavour == "cloud":
        assert (meta.epic_field, meta.epic_link_field, meta.epic_name_field) == (
            "parent",
            None,
            None,
        )
    else:
        assert meta.epic_field == meta.epic_link_field == "customfield_10014"
        assert meta.epic_name_field == "customfield_10011"
        assert "customfield_10011" in meta.epic_required  # Epic Name must be filled on DC
    assert fake.call_count() == 6


def test_story_points_name_is_matched_case_insensitively(start_fake: Any) -> None:
    fake = start_fake(story_points_field="customfield_10500", story_points_name="STORY POINTS")
    settings = settings_for(fake)

    with connect(fake, settings) as client:
        assert discover(client, settings).story_points_field == "customfield_10500"


def test_configured_story_points_id_wins_over_names(start_fake: Any) -> None:
    fake = start_fake(story_points_field="customfield_12345", story_points_name="Effort")

    with connect(fake, settings_for(fake)) as client:
        by_name = discover(client, settings_for(fake))
        configured = settings_for(fake, story_points_field="customfield_12345")
        by_id = discover(client, configured)

    assert by_name.story_points_field is None  # "Effort" is not a name the tracker knows
    assert by_id.story_points_field == "customfield_12345"


def test_datacenter_epic_link_can_be_configured_or_absent() -> None:
    with FakeJira("datacenter", epic_link_field="customfield_20000") as fake:
        settings = settings_for(fake, epic_link_field="customfield_20000")
        with connect(fake, settings) as client:
            assert discover(client, settings).epic_link_field == "customfield_20000"
        fake.assert_no_violations()
    with FakeJira("datacenter", epic_link_field="") as fake:
        settings = settings_for(fake)
        with connect(fake, settings) as client:
            meta = discover(client, settings)
        assert meta.epic_link_field is None
        assert meta.epic_field is None
        fake.assert_no_violations()


def test_unknown_story_type_or_project_raises(start_fake: Any) -> None:
    fake = start_fake()

    with connect(fake, settings_for(fake)) as client:
        with pytest.raises(JiraMisconfigured) as caught:
            discover(client, settings_for(fake, story_issue_type="Bug"))
        with pytest.raises(JiraNotFound):
            discover(client, settings_for(fake, project_key="NOPE"))

    assert str(caught.value) == (
        "Issue type 'Bug' cannot be created in project OPS; set jira.story_issue_type to one "
        "of: Epic, Story, Task."
    )


def test_the_story_points_field_on_the_create_screen_wins() -> None:
    """Cloud sites often have both fields; the create screen decides which one stories use."""
    fields = [
        FieldInfo("customfield_1", "Story Points", True),
        FieldInfo("customfield_2", "Story point estimate", True),
    ]

    assert find_story_points(fields) == fields[0]
    assert find_story_points(fields, screen={"customfield_2"}) == fields[1]
    assert find_story_points(fields, "Story point estimate") == fields[1]
    assert find_story_points(fields, "customfield_9") is None


def test_epic_link_is_found_by_its_type_before_its_name() -> None:
    plugin = "com.pyxis.greenhopper.jira:gh-epic-link"
    fields = [
        FieldInfo("customfield_1", "Epic Link", True),
        FieldInfo("customfield_2", "Lien d'epic", True, plugin),
    ]

    assert find_epic_link(fields) == fields[1]
    assert find_epic_link(fields[:1]) == fields[0]
    assert find_epic_link([]) is None


# ---- cache -------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_returns_the_same_object_until_refresh_or_expiry(start_fake: Any) -> None:
    fake = start_fake()
    settings = settings_for(fake)
    clock = Clock()
    cache = MetadataCache(ttl_seconds=3600, clock=clock)

    with connect(fake, settings) as client:
        first = cache.get(client, settings)
        calls = fake.call_count()
        assert cache.get(client, settings) is first
        assert fake.call_count() == calls  # nothing asked again

        refreshed = cache.get(client, settings, refresh=True)
        assert refreshed is not first
        assert refreshed == first
        assert fake.call_count() == 2 * calls

        clock.now += 3599
        assert cache.get(client, settings) is refreshed
        clock.now += 2
        assert cache.get(client, settings) is not refreshed
        assert fake.call_count() == 3 * calls


def test_cache_keys_on_site_project_and_field_settings(start_fake: Any) -> None:
    fake = start_fake()
    fake.add_project("SEC", "Security")
    cache = MetadataCache()

    with connect(fake, settings_for(fake)) as client:
        ops = cache.get(client, settings_for(fake))
        sec = cache.get(client, settings_for(fake, project_key="SEC"))
        renamed = cache.get(client, settings_for(fake, story_points_field="customfield_404"))

    assert (ops.project_key, sec.project_key) == ("OPS", "SEC")
    assert renamed is not ops
    assert renamed.story_points_field is None


def test_forgetting_a_site_drops_all_its_projects_and_only_them(start_fake: Any) -> None:
    fake, other = start_fake(), start_fake()
    fake.add_project("SEC", "Security")
    cache = MetadataCache()
    with connect(fake, settings_for(fake)) as client, connect(other, settings_for(other)) as far:
        ops = cache.get(client, settings_for(fake))
        sec = cache.get(client, settings_for(fake, project_key="SEC"))
        kept = cache.get(far, settings_for(other))

        cache.forget(fake.url)

        assert cache.get(client, settings_for(fake)) is not ops
        assert cache.get(client, settings_for(fake, project_key="SEC")) is not sec
        assert cache.get(far, settings_for(other)) is kept
    assert (fake.call_count("/field$"), other.call_count("/field$")) == (4, 1)


def test_metadata_is_outdated_by_refused_fields_it_chose_not_by_refused_values(
    start_fake: Any, flavour: str
) -> None:
    fake = start_fake()
    settings = settings_for(fake)
    with connect(fake, settings) as client:
        site = discover(client, settings)
    points = POINTS[flavour][0]
    not_on_screen = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."

    assert site.outdated_by({points: not_on_screen.format(points)})
    assert site.outdated_by({"issuetype": "The issue type selected is invalid."})
    assert site.outdated_by({"description": not_on_screen.format("description")})
    assert not site.outdated_by({"summary": "Summary must be less than 255 characters."})
    assert not site.outdated_by({})


def test_concurrent_callers_share_one_discovery(start_fake: Any) -> None:
    fake = start_fake(latency=0.02)
    settings = settings_for(fake)
    cache = MetadataCache()
    found: list[object] = []

    with connect(fake, settings) as client:

        def work() -> None:
            found.append(cache.get(client, settings))

        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(found) == 6
    assert all(meta is found[0] for meta in found)
    assert fake.call_count("/field$") == 1
