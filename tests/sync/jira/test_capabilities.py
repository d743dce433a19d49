"""What a site has shown it answers, at the request level (`responses`): GET search once a
proxy refuses POST, the old or the paged createmeta chosen by version and by answer, and the
capabilities' round trip through JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from responses import matchers

from sync.jira.capabilities import Capabilities, createmeta_for_version
from sync.jira.client import JiraClient
from sync.jira.createmeta import CreateMetaReader, IssueTypeInfo
from sync.jira.errors import JiraForbidden, JiraMisconfigured
from tracker.config import JiraSettings

BASE = "https://jira.example.test"
SEARCH = f"{BASE}/rest/api/2/search"
PROXY_405 = "<html><body><h1>405 Not Allowed</h1></body></html>"


def dc_client() -> JiraClient:
    settings = JiraSettings(
        base_url=BASE,
        project_key="OPS",
        personal_access_token="pat",
        deployment="datacenter",
        max_attempts=2,
    )
    return JiraClient.from_settings(settings, sleep=lambda _: None)


def page(ids: list[str], start: int, total: int) -> dict[str, Any]:
    issues = [{"id": i, "key": f"OPS-{i}", "fields": {"labels": []}} for i in ids]
    return {"startAt": start, "maxResults": 2, "total": total, "issues": issues}


@responses.activate
def test_a_refused_post_search_switches_to_get_for_good() -> None:
    responses.post(SEARCH, status=405, body=PROXY_405, content_type="text/html")
    responses.get(
        SEARCH,
        json=page(["1", "2"], 0, 3),
        match=[
            matchers.query_param_matcher(
                {"jql": "labels = x", "fields": "labels,status", "startAt": "0", "maxResults": "2"}
            )
        ],
    )
    responses.get(
        SEARCH,
        json=page(["3"], 2, 3),
        match=[
            matchers.query_param_matcher(
                {"jql": "labels = x", "fields": "labels,status", "startAt": "2", "maxResults": "2"}
            )
        ],
    )
    client = dc_client()

    found = [i["id"] for i in client.search("labels = x", ["labels", "status"], page_size=2)]

    assert found == ["1", "2", "3"]
    assert client.capabilities.search == "get"
    assert client.capabilities.changed
    # One refused POST, then GET only: the second page never tries POST again.
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "GET"]


@responses.activate
def test_a_site_known_to_refuse_post_search_gets_no_post() -> None:
    responses.get(SEARCH, json=page(["1"], 0, 1))
    client = dc_client()
    client.capabilities = Capabilities(search="get")

    assert [i["id"] for i in client.search("labels = x", ["labels"])] == ["1"]
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_other_search_failures_do_not_switch_method() -> None:
    responses.post(SEARCH, status=403, json={"errorMessages": ["No."]})
    client = dc_client()

    with pytest.raises(JiraForbidden, match="not allowed"):
        list(client.search("labels = x", ["labels"]))
    assert client.capabilities.search is None


@pytest.mark.parametrize(
    ("version", "cloud", "expected"),
    [
        ("7.6.1", False, "legacy"),
        ("8.3.4", False, "legacy"),
        ("8.4.0", False, "paged"),
        ("8.20.30", False, "paged"),
        ("9.12.12", False, "paged"),
        ("10.3.1", False, "paged"),
        ("", False, "paged"),
        ("1001.0.0-SNAPSHOT", True, "paged"),
    ],
)
def test_the_version_picks_the_createmeta_tried_first(
    version: str, cloud: bool, expected: str
) -> None:
    assert createmeta_for_version(version, cloud) == expected


LEGACY = {
    "expand": "projects",
    "projects": [
        {
            "id": "10000",
            "key": "OPS",
            "name": "Ops",
            "issuetypes": [
                {
                    "id": "10001",
                    "name": "Story",
                    "fields": {
                        "summary": {"name": "Summary", "required": True},
                        "priority": {"name": "Priority", "required": True, "hasDefaultValue": True},
                    },
                },
                {"id": "10002", "name": "Epic", "fields": {}},
            ],
        }
    ],
}


@responses.activate
def test_a_site_without_paged_createmeta_is_read_through_the_old_one_in_one_call() -> None:
    responses.get(
        f"{BASE}/rest/api/2/issue/createmeta/OPS/issuetypes",
        status=404,
        json={"errorMessages": ["null for uri"]},
    )
    responses.get(
        f"{BASE}/rest/api/2/issue/createmeta",
        json=LEGACY,
        match=[
            matchers.query_param_matcher(
                {"projectKeys": "OPS", "expand": "projects.issuetypes.fields"}
            )
        ],
    )
    client = dc_client()
    client.server_version = "9.0.0"  # claims paged; the answer decides
    reader = CreateMetaReader(client, "OPS")

    types = reader.issue_types()
    screen = reader.screen(IssueTypeInfo("10001", "Story"))

    assert [t.name for t in types] == ["Story", "Epic"]
    assert [(f.id, f.required, f.has_default) for f in screen] == [
        ("summary", True, False),
        ("priority", True, True),
    ]
    assert client.capabilities.createmeta == "legacy"
    assert len(responses.calls) == 2  # one 404, one old createmeta for types and screens


@responses.activate
def test_neither_createmeta_is_said_in_words() -> None:
    responses.get(f"{BASE}/rest/api/2/issue/createmeta", status=404)
    responses.get(f"{BASE}/rest/api/2/issue/createmeta/OPS/issuetypes", status=404)
    client = dc_client()
    client.server_version = "7.6.1"

    with pytest.raises(JiraMisconfigured) as caught:
        CreateMetaReader(client, "OPS").issue_types()

    assert "Create issues permission in OPS" in caught.value.message
    assert client.capabilities.createmeta is None


def test_capabilities_survive_json_and_ignore_junk() -> None:
    known = Capabilities(search="get", createmeta="legacy", bulk_create=False, id_in=True)

    again = Capabilities.from_json(json.loads(json.dumps(known.to_json())))

    assert again == known
    assert Capabilities.from_json({"search": "PUT", "bulk_create": "yes"}) == Capabilities()
    assert Capabilities.from_json(None) == Capabilities()


def test_learning_marks_only_news_as_changed() -> None:
    known = Capabilities(search="post")

    assert not known.learn(search="post")
    assert not known.changed
    assert known.learn(bulk_create=False)
    assert known.changed
    with pytest.raises(TypeError):
        known.learn(teleport=True)
