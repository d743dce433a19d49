"""Tests for the fake Jira in tests/fakejira, over real HTTP, for both flavours."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from jira import JIRA, JIRAError

from tests.fakejira import FakeJira
from tests.fakejira.adf import to_adf


@pytest.fixture(params=["cloud", "datacenter"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    with FakeJira(request.param) as jira_fake:
        yield jira_fake
        jira_fake.assert_no_violations()
        assert jira_fake.response_violations == []


@pytest.fixture
def cloud() -> Iterator[FakeJira]:
    with FakeJira("cloud") as jira_fake:
        yield jira_fake
        jira_fake.assert_no_violations()
        assert jira_fake.response_violations == []


def session(fake: FakeJira) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = fake.auth_header
    return http


@pytest.fixture
def http(fake: FakeJira) -> Iterator[requests.Session]:
    with session(fake) as http:
        yield http


@pytest.fixture
def cloud_http(cloud: FakeJira) -> Iterator[requests.Session]:
    with session(cloud) as http:
        yield http


@pytest.fixture
def client(fake: FakeJira) -> Iterator[JIRA]:
    jira = fake.jira_client()
    yield jira
    jira.close()


def story(fake: FakeJira, summary: str, *labels: str, **extra: Any) -> dict[str, Any]:
    text = f"Details of {summary}"
    return {
        "fields": {
            "project": {"key": "OPS"},
            "issuetype": {"name": "Story"},
            "summary": summary,
            "description": to_adf(text) if fake.flavour == "cloud" else text,
            "labels": list(labels),
            **extra,
        }
    }


def test_server_info_and_fields(fake: FakeJira, client: JIRA, http: requests.Session) -> None:
    info = client.server_info()
    assert info["deploymentType"] == ("Cloud" if fake.flavour == "cloud" else "Server")
    names = {f["name"]: f["id"] for f in client.fields()}
    if fake.flavour == "cloud":
        assert names["Story point estimate"] == "customfield_10016"
        assert "Epic Link" not in names
    else:
        assert names["Story Points"] == "customfield_10002"
        assert names["Epic Link"] == "customfield_10014"
    meta = http.get(f"{fake.api_url}/issue/createmeta/OPS/issuetypes").json()
    types = meta["issueTypes"] if fake.flavour == "cloud" else meta["values"]
    assert {t["name"] for t in types} == {"Epic", "Story", "Task"}
    fields = http.get(f"{fake.api_url}/issue/createmeta/OPS/issuetypes/10001").json()
    listed = fields["fields"] if fake.flavour == "cloud" else fields["values"]
    assert {"summary": True}.items() <= {f["fieldId"]: f["required"] for f in listed}.items()


def test_create_and_get_with_requests(fake: FakeJira, http: requests.Session) -> None:
    points = fake.config.story_points_field
    created = http.post(f"{fake.api_url}/issue", json=story(fake, "First", "init-1", **{points: 5}))
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key == "OPS-1"
    got = http.get(f"{fake.api_url}/issue/{key}", params={"fields": f"summary,labels,{points}"})
    assert got.json()["fields"] == {"summary": "First", "labels": ["init-1"], points: 5}
    full = http.get(f"{fake.api_url}/issue/{key}").json()["fields"]
    assert full["status"]["statusCategory"]["key"] == "new"
    assert isinstance(full["description"], dict if fake.flavour == "cloud" else str)
    assert fake.issue_by_key(key).summary == "First"  # type: ignore[union-attr]


def test_create_get_search_with_jira_client(fake: FakeJira, client: JIRA) -> None:
    fields = story(fake, "Via client", "client-made")["fields"]
    issue = client.create_issue(fields=fields)
    assert issue.key == "OPS-1"
    assert client.issue(issue.key).fields.labels == ["client-made"]
    found = client.search_issues('labels = "client-made"')
    assert [i.key for i in found] == ["OPS-1"]


def test_bulk_create_partial_failure(fake: FakeJira, http: requests.Session) -> None:
    updates = [story(fake, "ok 1"), story(fake, "bad", "has space"), story(fake, "ok 2")]
    reply = http.post(f"{fake.api_url}/issue/bulk", json={"issueUpdates": updates})
    assert reply.status_code == 201
    body = reply.json()
    assert [i["key"] for i in body["issues"]] == ["OPS-1", "OPS-2"]
    assert body["errors"][0]["failedElementNumber"] == 1
    assert "labels" in body["errors"][0]["elementErrors"]["errors"]
    assert len(fake.take_violations()) == 1  # the bad label was the client's fault


def test_bulk_over_50_rejected(fake: FakeJira, http: requests.Session) -> None:
    updates = [story(fake, f"s{i}") for i in range(51)]
    reply = http.post(f"{fake.api_url}/issue/bulk", json={"issueUpdates": updates})
    assert reply.status_code == 400
    assert reply.json()["errorMessages"]
    assert fake.issues() == []
    assert "max 50" in fake.take_violations()[0]


def test_bulk_partial_fault_and_disabled_bulk(fake: FakeJira, http: requests.Session) -> None:
    fake.faults.add("POST", r"/issue/bulk$", "bulk_partial", indexes=[0, 2], field="labels")
    updates = [story(fake, f"s{i}") for i in range(3)]
    body = http.post(f"{fake.api_url}/issue/bulk", json={"issueUpdates": updates}).json()
    assert [e["failedElementNumber"] for e in body["errors"]] == [0, 2]
    assert [i["key"] for i in body["issues"]] == ["OPS-1"]
    fake.bulk_enabled = False
    assert (
        http.post(f"{fake.api_url}/issue/bulk", json={"issueUpdates": updates}).status_code == 404
    )


def test_cloud_search_by_label_pages_with_token(
    cloud: FakeJira, cloud_http: requests.Session
) -> None:
    for i in range(7):
        cloud.add_issue(f"Story {i}", labels=["init-7"])
    cloud.add_issue("Other", labels=["other"])
    keys: list[str] = []
    pages, url = 0, f"{cloud.api_url}/search/jql"
    params: dict[str, Any] = {"jql": 'labels = "init-7" ORDER BY key', "maxResults": 3}
    while True:
        body = cloud_http.get(url, params={**params, "fields": "summary"}).json()
        assert "total" not in body
        keys += [i["key"] for i in body["issues"]]
        pages += 1
        if body["isLast"]:
            break
        params["nextPageToken"] = body["nextPageToken"]
    assert keys == [f"OPS-{n}" for n in range(1, 8)]
    assert pages == 3
    ids_only = cloud_http.post(url, json={"jql": "labels in (init-7, other)"}).json()
    assert ids_only["issues"][0] == {"id": "10008"}  # default: ids only, key DESC
    assert [bool(c.query.get("nextPageToken")) for c in cloud.calls[:3]] == [False, True, True]


def test_cloud_max_results_capped(cloud: FakeJira, cloud_http: requests.Session) -> None:
    for i in range(105):
        cloud.add_issue(f"S{i}", labels=["many"])
    params: dict[str, Any] = {"jql": "labels = many", "maxResults": 500}
    body = cloud_http.get(f"{cloud.api_url}/search/jql", params=params).json()
    assert len(body["issues"]) == 100
    assert body["nextPageToken"]


def test_datacenter_search_pages_with_start_at() -> None:
    with FakeJira("datacenter") as dc, session(dc) as http:
        for i in range(5):
            dc.add_issue(f"Story {i}", labels=["init-5"])
        jql: dict[str, Any] = {"jql": "labels = init-5 ORDER BY key", "maxResults": 2}
        first = http.get(f"{dc.api_url}/search", params={**jql, "fields": "summary"}).json()
        last = http.post(
            f"{dc.api_url}/search", json={**jql, "startAt": 4, "fields": ["summary"]}
        ).json()
        assert (first["total"], first["startAt"], len(first["issues"])) == (5, 0, 2)
        assert [i["key"] for i in last["issues"]] == ["OPS-5"]
        missing = http.get(
            f"{dc.api_url}/search",
            params={"jql": "key in (OPS-1, OPS-99)", "validateQuery": "false"},
        ).json()
        assert missing["total"] == 1
        assert "OPS-99" in missing["warningMessages"][0]
        dc.assert_no_violations()


@pytest.mark.parametrize("version", ["2", "3"])
def test_cloud_old_search_is_gone(cloud: FakeJira, version: str) -> None:
    url = f"{cloud.url}/rest/api/{version}/search"
    auth = {"Authorization": cloud.auth_header}
    assert (
        requests.get(url, params={"jql": "labels = x"}, headers=auth, timeout=5).status_code == 410
    )
    assert (
        requests.post(url, json={"jql": "labels = x"}, headers=auth, timeout=5).status_code == 410
    )
    assert len(cloud.take_violations()) == 2


def test_body_violating_contract_is_rejected_and_recorded(cloud: FakeJira) -> None:
    reply = requests.post(
        f"{cloud.api_url}/search/jql",
        json={"jql": "labels = x", "fields": "summary"},
        headers={"Authorization": cloud.auth_header},
        timeout=5,
    )
    assert reply.status_code == 400
    assert "is not of type 'array'" in reply.json()["errorMessages"][1]
    assert "is not of type 'array'" in cloud.take_violations()[0]


def test_jira_field_rules(fake: FakeJira, http: requests.Session) -> None:
    wrong_text = "plain" if fake.flavour == "cloud" else to_adf("adf")
    cases = {
        "customfield_99999": (
            {"customfield_99999": 1},
            "Field 'customfield_99999' cannot be set. It is not on the appropriate screen",
        ),
        "summary": ({"summary": "x" * 256}, "Summary must be less than 255 characters."),
        "description": ({"description": wrong_text}, "Operation value must be"),
        "issuetype": ({"issuetype": {"name": "Bug"}}, "The issue type selected is invalid."),
    }
    for name, (extra, message) in cases.items():
        body = story(fake, "s")
        body["fields"].update(extra)
        reply = http.post(f"{fake.api_url}/issue", json=body)
        assert reply.status_code == 400
        assert reply.json()["errors"][name].startswith(message)
    assert len(fake.take_violations()) == len(cases)
    assert fake.issues() == []


def test_jql_subset_and_unsupported(fake: FakeJira, http: requests.Session) -> None:
    fake.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    one, two = fake.add_issue("one"), fake.add_issue("two")
    fake.advance(hours=2)
    fake.transition(one.key, "In Progress")
    path = "/search/jql" if fake.flavour == "cloud" else "/search"

    def keys(jql: str) -> list[str]:
        reply = http.get(f"{fake.api_url}{path}", params={"jql": jql, "fields": "summary"})
        assert reply.status_code == 200, reply.text
        return [i["key"] for i in reply.json()["issues"]]

    assert keys('project = OPS AND updated >= "2024-05-01 10:00"') == [one.key]
    assert keys(f"key in ({one.key}, {two.key}) ORDER BY updated DESC, key ASC") == [
        one.key,
        two.key,
    ]
    assert keys(f"id in ({two.id}) AND project = OPS") == [two.key]
    bad = http.get(f"{fake.api_url}{path}", params={"jql": "labels = a OR labels = b"})
    assert bad.status_code == 400
    assert bad.json()["errorMessages"]
    assert len(fake.take_violations()) == 1
    changes = fake.issue_by_key(one.key).changelog  # type: ignore[union-attr]
    assert changes[-1]["items"][0]["toString"] == "In Progress"


def test_jql_dates_in_the_users_time_zone_and_every_unknown_id_named(
    fake: FakeJira, http: requests.Session
) -> None:
    fake.time_zone = "America/New_York"  # UTC-4 in May
    fake.now = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
    issue = fake.add_issue("one")
    assert http.get(f"{fake.api_url}/myself").json()["timeZone"] == "America/New_York"
    path = "/search/jql" if fake.flavour == "cloud" else "/search"

    def search(jql: str, **extra: Any) -> requests.Response:
        return http.get(f"{fake.api_url}{path}", params={"jql": jql, "fields": "id", **extra})

    assert len(search('updated >= "2024-05-01 10:00"').json()["issues"]) == 1
    assert search('updated >= "2024-05-01 10:01"').json()["issues"] == []
    missing = search(f"id in ({issue.id}, 99998, 99999)")
    assert missing.status_code == 400
    assert [m.split("'")[1] for m in missing.json()["errorMessages"]] == ["99998", "99999"]
    if fake.flavour == "datacenter":
        lenient = search(f"id in ({issue.id}, 99999)", validateQuery="warn").json()
        assert [i["id"] for i in lenient["issues"]] == [issue.id]


def test_sprints_and_a_capped_search_changelog(fake: FakeJira, http: requests.Session) -> None:
    issue = fake.add_issue("sprinted", labels=["s"])
    fake.set_sprints(issue.key, {"id": 4, "name": "Sprint 4", "state": "active"})
    fake.transition(issue.key, "In Progress")
    sprint = str(fake.config.sprint_field)
    fields = {f["id"]: f for f in http.get(f"{fake.api_url}/field").json()}
    assert fields[sprint]["schema"]["custom"] == "com.pyxis.greenhopper.jira:gh-sprint"
    fake.search_changelog_cap = 1
    path = "/search/jql" if fake.flavour == "cloud" else "/search"
    body = {"jql": "labels = s", "fields": [sprint]}
    body["expand"] = "changelog" if fake.flavour == "cloud" else ["changelog"]
    [found] = http.post(f"{fake.api_url}{path}", json=body).json()["issues"]
    value = found["fields"][sprint]
    if fake.flavour == "cloud":
        assert value == [{"id": 4, "name": "Sprint 4", "state": "active", "boardId": 1, "goal": ""}]
    else:
        assert value[0].startswith("com.atlassian.greenhopper.service.sprint.Sprint@")
        assert ",state=ACTIVE,name=Sprint 4," in value[0]
    changelog = found["changelog"]
    assert (changelog["total"], len(changelog["histories"])) == (2, 1)
    assert changelog["histories"][0]["items"][0]["toString"] == "In Progress"  # the latest


def test_fault_after_lets_the_first_calls_through(fake: FakeJira, http: requests.Session) -> None:
    fake.faults.add("GET", r"/serverInfo$", "500", after=2)
    codes = [http.get(f"{fake.api_url}/serverInfo").status_code for _ in range(4)]
    assert codes == [200, 200, 500, 200]


def test_faults_status_codes(fake: FakeJira, http: requests.Session) -> None:
    fake.faults.add("GET", r"/serverInfo$", "429", retry_after=7)
    fake.faults.add("*", r"/serverInfo$", "500")
    fake.faults.add("GET", r"/serverInfo$", "503", times=2)
    fake.forbid_next(path_regex=r"/field$")
    url = f"{fake.api_url}/serverInfo"
    limited = http.get(url)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert [http.get(url).status_code for _ in range(4)] == [500, 503, 503, 200]
    assert http.get(f"{fake.api_url}/field").status_code == 403
    assert http.get(f"{fake.api_url}/field").status_code == 200
    assert len(fake.faults) == 0
    assert fake.call_count(r"/serverInfo$") == 5


def test_fault_slow_and_latency(fake: FakeJira, http: requests.Session) -> None:
    fake.faults.add("GET", r"/serverInfo$", "slow", seconds=0.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(f"{fake.api_url}/serverInfo", timeout=0.1)
    fake.latency = 0.05
    started = time.perf_counter()
    assert http.get(f"{fake.api_url}/serverInfo").status_code == 200
    assert time.perf_counter() - started >= 0.05


def test_fault_lost_response_still_creates(fake: FakeJira, http: requests.Session) -> None:
    fake.faults.add("POST", r"/issue$", "lost_response")
    with pytest.raises(requests.exceptions.ConnectionError):
        http.post(f"{fake.api_url}/issue", json=story(fake, "lost"))
    fake.faults.add("POST", r"/issue$", "lost_response", mode="504")
    assert http.post(f"{fake.api_url}/issue", json=story(fake, "lost too")).status_code == 504
    assert [i.summary for i in fake.issues()] == ["lost", "lost too"]


def test_fault_malformed_json(fake: FakeJira, http: requests.Session) -> None:
    fake.faults.add("GET", r"/search", "malformed_json")
    path = "/search/jql" if fake.flavour == "cloud" else "/search"
    reply = http.get(f"{fake.api_url}{path}", params={"jql": "labels = x"})
    assert reply.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        reply.json()


def test_auth_failures(fake: FakeJira) -> None:
    url = f"{fake.api_url}/serverInfo"
    assert requests.get(url, timeout=5).status_code == 401
    wrong = ("bot@example.com", "nope") if fake.flavour == "cloud" else None
    headers = {} if wrong else {"Authorization": "Bearer nope"}
    assert requests.get(url, auth=wrong, headers=headers, timeout=5).status_code == 401
    assert fake.auth_failures == 2
    kwargs = {"basic_auth": ("x", "y")} if fake.flavour == "cloud" else {"token_auth": "y"}
    with pytest.raises(JIRAError) as caught:
        JIRA(options={"server": fake.url}, max_retries=0, **kwargs)
    assert caught.value.status_code == 401


def test_move_keeps_id_and_old_key_resolves(fake: FakeJira, http: requests.Session) -> None:
    issue = fake.add_issue("movable", labels=["mv"])
    new_key = fake.move(issue.key, "NEW")
    assert new_key == "NEW-1"
    moved = http.get(f"{fake.api_url}/issue/{issue.key}").json()
    assert (moved["id"], moved["key"]) == (issue.id, "NEW-1")
    fake.set_visible(new_key, False)
    assert http.get(f"{fake.api_url}/issue/{issue.id}").status_code == 404
    fake.set_visible(new_key, True)
    fake.delete(new_key)
    assert http.get(f"{fake.api_url}/issue/{new_key}").status_code == 404


def test_edit_remote_link_and_changelog(cloud: FakeJira, cloud_http: requests.Session) -> None:
    issue = cloud.add_issue("editable", labels=["a"])
    url = f"{cloud.api_url}/issue/{issue.key}"
    edit: dict[str, Any] = {"fields": {"summary": "edited"}}
    edit["update"] = {"labels": [{"add": "b"}, {"remove": "a"}]}
    assert cloud_http.put(url, json=edit).status_code == 204
    link: dict[str, Any] = {"globalId": "tracker:1"}
    link["object"] = {"url": "https://t.example/1", "title": "Idea 1"}
    assert [cloud_http.post(f"{url}/remotelink", json=link).status_code for _ in "12"] == [201, 200]
    log = cloud_http.get(f"{url}/changelog").json()
    assert {i["fieldId"] for i in log["values"][0]["items"]} == {"summary", "labels"}
    assert cloud.issue_by_key(issue.key).labels == ["b"]  # type: ignore[union-attr]


def test_epic_links_per_flavour(fake: FakeJira, http: requests.Session) -> None:
    epic_name = {fake.config.epic_name_field: "Epic"} if fake.config.epic_name_field else {}
    epic = fake.add_issue("Epic", issue_type="Epic", **epic_name)
    field = "parent" if fake.flavour == "cloud" else str(fake.config.epic_link_field)
    link: dict[str, Any] = {field: {"key": epic.key} if field == "parent" else epic.key}
    created = http.post(f"{fake.api_url}/issue", json=story(fake, "child", **link))
    assert created.status_code == 201, created.text
    got = http.get(f"{fake.api_url}/issue/{created.json()['key']}", params={"fields": field}).json()
    value = got["fields"][field]
    assert (value["key"] if isinstance(value, dict) else value) == epic.key


def test_wrong_api_version_and_unknown_paths(fake: FakeJira, http: requests.Session) -> None:
    other = "2" if fake.flavour == "cloud" else "3"
    assert http.get(f"{fake.url}/rest/api/{other}/issue/OPS-1").status_code == 404
    assert http.get(f"{fake.api_url}/nonsense").status_code == 404
    assert http.get(f"{fake.url}/rest/api/3/dashboard").status_code == 501
    assert len(fake.take_violations()) == 3


def test_concurrent_creates_are_safe(fake: FakeJira) -> None:
    def worker(n: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = fake.auth_header
            for i in range(5):
                session.post(f"{fake.api_url}/issue", json=story(fake, f"t{n}-{i}"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = {i.key for i in fake.issues()}
    assert len(keys) == 20
    assert fake.call_count(r"/issue$", "POST") == 20
