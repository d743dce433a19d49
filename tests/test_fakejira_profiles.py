"""Tests for the fake Jira's version profiles (tests/fakejira/profiles.py), over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.fakejira import PROFILE_NAMES, PROFILES, FakeJira

# Which createmeta answers 200 on each profile: (old, paged).
CREATEMETA = {
    "cloud": (False, True),
    "dc10": (False, True),
    "dc9": (False, True),
    "dc8": (True, True),
    "server7": (True, False),
    "proxy": (False, True),
    "ignores-id-in": (True, True),
}
OLD_CREATEMETA = {"projectKeys": "OPS", "expand": "projects.issuetypes.fields"}
Start = Callable[[str], tuple[FakeJira, requests.Session]]


def session(fake: FakeJira) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = fake.auth_header
    return http


@pytest.fixture
def start(start_fake_jira: Callable[..., FakeJira]) -> Iterator[Start]:
    """start(profile) -> (fake, session); the plugin's factory checks each fake at teardown."""
    sessions: list[requests.Session] = []

    def start(profile: str) -> tuple[FakeJira, requests.Session]:
        fake = start_fake_jira(PROFILES[profile].flavour, profile=profile)
        sessions.append(session(fake))
        return fake, sessions[-1]

    yield start
    for http in sessions:
        http.close()


def test_every_profile_is_described() -> None:
    assert set(PROFILE_NAMES) == set(CREATEMETA)
    assert PROFILES["dc8"].version == "8.20.30"


def test_each_profile_reports_its_version_and_createmeta(jira_profile_fake: FakeJira) -> None:
    fake = jira_profile_fake
    profile = fake.profile
    assert profile is not None
    with session(fake) as http:
        info = http.get(f"{fake.api_url}/serverInfo").json()
        old = http.get(f"{fake.api_url}/issue/createmeta", params=OLD_CREATEMETA)
        types = http.get(f"{fake.api_url}/issue/createmeta/OPS/issuetypes")
        screen = http.get(f"{fake.api_url}/issue/createmeta/OPS/issuetypes/10001")
    assert (info["version"], info["versionNumbers"]) == (
        profile.version,
        [*profile.version_numbers],
    )
    assert info["deploymentType"] == ("Cloud" if profile.name == "cloud" else "Server")
    has_old, has_paged = CREATEMETA[profile.name]
    assert old.status_code == (200 if has_old else 404)
    assert (types.status_code, screen.status_code) == ((200, 200) if has_paged else (404, 404))
    if not has_paged:
        assert types.json()["errorMessages"][0].startswith("null for uri: ")
    assert fake.call_count(r"/issue/createmeta") == 3  # counted, though not violations


def test_profile_arguments() -> None:
    assert FakeJira().profile is None
    assert FakeJira("datacenter", profile="server7").flavour == "datacenter"
    assert FakeJira(profile="dc8", version_numbers=(8, 5, 0)).version_numbers == (8, 5, 0)
    with pytest.raises(ValueError, match="is datacenter, not cloud"):
        FakeJira("cloud", profile="dc8")
    with pytest.raises(ValueError, match="unknown Jira profile"):
        FakeJira(profile="dc6")


def test_old_createmeta_with_and_without_fields(start: Start) -> None:
    fake, http = start("dc8")
    url = f"{fake.api_url}/issue/createmeta"
    body = http.get(url, params=OLD_CREATEMETA).json()
    assert body["expand"] == "projects"
    [project] = body["projects"]
    assert (project["key"], project["id"], project["name"]) == ("OPS", "10000", "Operations")
    assert set(project["avatarUrls"]) == {"16x16", "24x24", "32x32", "48x48"}
    types = {t["name"]: t for t in project["issuetypes"]}
    assert set(types) == {"Epic", "Story", "Task"}
    story = types["Story"]
    assert {"self", "id", "description", "iconUrl", "subtask", "expand"} <= set(story)
    summary = story["fields"]["summary"]
    assert summary["required"] is True
    assert (summary["key"], summary["name"], summary["schema"]["type"]) == (
        "summary",
        "Summary",
        "string",
    )
    assert {"hasDefaultValue", "operations"} <= set(summary)
    assert "fieldId" not in summary
    link = str(fake.config.epic_link_field)
    assert link in story["fields"]
    assert link not in types["Epic"]["fields"]
    assert types["Epic"]["fields"][str(fake.config.epic_name_field)]["required"] is True
    assert {p["name"] for p in story["fields"]["priority"]["allowedValues"]} >= {"High", "Low"}
    bare = http.get(url, params={"projectKeys": "OPS"}).json()
    assert all("fields" not in t for t in bare["projects"][0]["issuetypes"])
    fake.add_project("WEB")
    narrowed = http.get(
        url, params=[("projectIds", "10100"), ("issuetypeNames", "Story,Task")]
    ).json()
    assert [p["key"] for p in narrowed["projects"]] == ["WEB"]
    assert [t["name"] for t in narrowed["projects"][0]["issuetypes"]] == ["Story", "Task"]
    by_id = http.get(url, params={"projectKeys": "OPS,WEB", "issuetypeIds": "10000"}).json()
    assert [[t["id"] for t in p["issuetypes"]] for p in by_id["projects"]] == [["10000"]] * 2
    assert http.get(url, params={"projectKeys": "NOPE"}).json()["projects"] == []


def test_proxy_refuses_post_search_and_bulk_but_get_search_pages(start: Start) -> None:
    fake, http = start("proxy")
    for i in range(5):
        fake.add_issue(f"Story {i}", labels=["p"])
    fake.transition("OPS-2", "In Progress")
    url = f"{fake.api_url}/search"
    refused = http.post(url, json={"jql": "labels = p"})
    assert refused.status_code == 405
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "405 Not Allowed" in refused.text
    bulk = http.post(f"{fake.api_url}/issue/bulk", json={"issueUpdates": []})
    assert bulk.status_code == 405
    assert requests.post(url, json={}, timeout=5).status_code == 405  # before any login
    params: dict[str, Any] = {"jql": "labels = p ORDER BY key", "maxResults": 2}
    params.update(fields="summary,labels", expand="changelog", validateQuery="warn")
    pages = []
    while True:
        page = http.get(url, params=params).json()
        pages.append(page)
        params["startAt"] = page["startAt"] + len(page["issues"])
        if params["startAt"] >= page["total"]:
            break
    assert [(p["startAt"], p["total"], len(p["issues"])) for p in pages] == [
        (0, 5, 2),
        (2, 5, 2),
        (4, 5, 1),
    ]
    first = pages[0]["issues"]
    assert [i["key"] for i in first] == ["OPS-1", "OPS-2"]
    assert set(first[0]["fields"]) == {"summary", "labels"}
    assert first[1]["changelog"]["total"] == 1
    assert fake.call_count(r"/search$", "POST") == 2
    assert fake.issues()[0].summary == "Story 0"
    assert len(fake.issues()) == 5


def test_get_search_answers_as_post_does(start: Start) -> None:
    fake, http = start("dc9")
    for i in range(3):
        fake.add_issue(f"Story {i}", labels=["same"])
    fake.transition("OPS-3", "Done")
    jql = "labels = same AND key in (OPS-1, OPS-3, OPS-9)"
    query: dict[str, Any] = {"jql": jql, "startAt": 1, "maxResults": 1, "validateQuery": "warn"}
    got = http.get(
        f"{fake.api_url}/search",
        params={**query, "fields": "summary,status", "expand": "changelog"},
    ).json()
    posted = http.post(
        f"{fake.api_url}/search",
        json={**query, "fields": ["summary", "status"], "expand": ["changelog"]},
    ).json()
    assert got == posted
    assert (got["total"], [i["key"] for i in got["issues"]]) == (2, ["OPS-1"])
    assert "OPS-9" in got["warningMessages"][0]


def test_a_site_that_ignores_id_in(start: Start) -> None:
    fake, http = start("ignores-id-in")
    wanted = fake.add_issue("wanted", labels=["mine"])
    fake.add_issue("unasked", labels=["mine"])
    fake.add_issue("other", labels=["theirs"])
    body = {"jql": f"id in ({wanted.id}) AND labels = mine", "fields": ["summary"]}
    found = http.post(f"{fake.api_url}/search", json=body).json()
    assert sorted(i["fields"]["summary"] for i in found["issues"]) == ["unasked", "wanted"]
    only = http.post(f"{fake.api_url}/search", json={**body, "jql": "labels = theirs"}).json()
    assert [i["fields"]["summary"] for i in only["issues"]] == ["other"]
    everything = http.post(f"{fake.api_url}/search", json={**body, "jql": "id in (1)"}).json()
    assert everything["total"] == 3
    fake.honours_id_in = True
    assert http.post(f"{fake.api_url}/search", json=body).json()["total"] == 1


@pytest.mark.parametrize("profile", ["cloud", "dc9"])
def test_editing_the_epic_labels_and_priority(start: Start, profile: str) -> None:
    fake, http = start(profile)
    cloud = fake.flavour == "cloud"
    epic_name = {} if cloud else {str(fake.config.epic_name_field): "Epic"}
    epic = fake.add_issue("Epic", issue_type="Epic", **epic_name)
    other = fake.add_issue("Other epic", issue_type="Epic", **epic_name)
    story = fake.add_issue("Story", labels=["a"])
    field = "parent" if cloud else str(fake.config.epic_link_field)
    url = f"{fake.api_url}/issue/{story.key}"

    def link(key: str | None) -> Any:
        return key if not cloud or key is None else {"key": key}

    assert fake.epic_of(story.key) is None
    assert http.put(url, json={"fields": {field: link(epic.key)}}).status_code == 204
    assert fake.epic_of(story.key) == epic.key
    shown = http.get(url, params={"fields": field}).json()["fields"][field]
    assert (shown["key"] if cloud else shown) == epic.key
    assert http.put(url, json={"fields": {field: link(other.key)}}).status_code == 204
    assert fake.epic_of(story.key) == other.key
    assert http.put(url, json={"fields": {field: None}}).status_code == 204
    assert fake.epic_of(story.key) is None
    edit: dict[str, Any] = {"labels": ["b", "c"], "priority": {"name": "High"}}
    assert http.put(url, json={"fields": edit}).status_code == 204
    got = http.get(url, params={"fields": "labels,priority"}).json()["fields"]
    assert (got["labels"], got["priority"]["name"]) == (["b", "c"], "High")
    edited = fake.issue_by_key(story.key)
    assert edited is not None
    changed = [item["fieldId"] for entry in edited.changelog for item in entry["items"]]
    assert changed == [field, field, field, "labels", "priority"]
