"""JiraClient at the request level: exact URLs, methods, headers and bodies (with `responses`),
the retry policy with an injected sleep, error mapping, and a few runs against the fake Jira."""

from __future__ import annotations

import base64
import logging
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from sync.jira.backoff import rate_limit_seconds, with_jitter
from sync.jira.client import JiraClient
from sync.jira.errors import (
    JiraBadResponse,
    JiraError,
    JiraForbidden,
    JiraNotConfigured,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraServerError,
    JiraUnauthorized,
    JiraUnavailable,
)
from tests.fakejira import FakeJira
from tracker.config import JiraSettings

BASE = "https://jira.example.test"
CLOUD_TOKEN = "cloud-token-SECRET-1234"
PAT = "dc-pat-SECRET-5678"
EMAIL = "bot@example.com"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{CLOUD_TOKEN}".encode()).decode()
SECRETS = (CLOUD_TOKEN, PAT, BASIC.split()[1])
CREATE_URL = f"{BASE}/rest/api/3/issue"
INFO_URL = f"{BASE}/rest/api/3/serverInfo"


class LowJitter(random.Random):
    """Jitter at its smallest (none), so waits are exact."""

    def uniform(self, a: float, b: float) -> float:
        return a


def make_settings(**overrides: Any) -> JiraSettings:
    values: dict[str, Any] = {
        "base_url": BASE,
        "email": EMAIL,
        "api_token": CLOUD_TOKEN,
        "personal_access_token": PAT,
        "project_key": "OPS",
        "max_attempts": 3,
    }
    values.update(overrides)
    return JiraSettings(**values)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def cloud(waits: list[float]) -> Iterator[JiraClient]:
    with JiraClient.from_settings(
        make_settings(), "cloud", sleep=waits.append, rng=LowJitter()
    ) as client:
        yield client


@pytest.fixture
def datacenter(waits: list[float]) -> Iterator[JiraClient]:
    with JiraClient.from_settings(
        make_settings(), "datacenter", sleep=waits.append, rng=LowJitter()
    ) as client:
        yield client


def auth_is(expected: str) -> Any:
    """A responses matcher on Authorization (header_matcher compares names case-sensitively,
    and pycontribs' bearer auth writes "authorization")."""

    def match(request: requests.PreparedRequest) -> tuple[bool, str]:
        found = request.headers.get("Authorization")
        return found == expected, f"Authorization is {found!r}"

    return match


# ---- auth, flavour, paths ----------------------------------------------------------------------
def test_cloud_sends_basic_auth_to_rest_v3(mock: responses.RequestsMock, cloud: JiraClient) -> None:
    mock.get(INFO_URL, json={"deploymentType": "Cloud", "version": "1001.0.0"})

    assert cloud.server_info()["version"] == "1001.0.0"
    assert mock.calls[0].request.headers["Authorization"] == BASIC
    assert cloud.api_path("issue") == "/rest/api/3/issue"
    assert cloud.calls == 1


def test_datacenter_sends_the_pat_as_bearer_to_rest_v2(
    mock: responses.RequestsMock, datacenter: JiraClient
) -> None:
    mock.get(f"{BASE}/rest/api/2/serverInfo", json={"deploymentType": "Server"})

    datacenter.server_info()
    assert mock.calls[0].request.headers["Authorization"] == f"Bearer {PAT}"
    assert datacenter.api_path("/field") == "/rest/api/2/field"


@pytest.mark.parametrize(
    ("answer", "flavour", "credentials"),
    [
        ("Cloud", "cloud", {"personal_access_token": ""}),
        ("Server", "datacenter", {"api_token": ""}),
        ("DataCenter", "datacenter", {"api_token": ""}),
    ],
)
def test_auto_deployment_asks_server_info_once(
    mock: responses.RequestsMock, answer: str, flavour: str, credentials: dict[str, str]
) -> None:
    mock.get(f"{BASE}/rest/api/2/serverInfo", json={"deploymentType": answer})

    client = JiraClient.from_settings(make_settings(deployment="auto", **credentials))

    assert client.flavour == flavour
    assert len(mock.calls) == 1
    client.close()


def test_auto_deployment_tries_the_pat_when_basic_auth_is_refused(
    mock: responses.RequestsMock,
) -> None:
    info = f"{BASE}/rest/api/2/serverInfo"
    mock.get(info, status=401, match=[auth_is(BASIC)])
    mock.get(
        info,
        json={"deploymentType": "Server"},
        match=[auth_is(f"Bearer {PAT}")],
    )

    client = JiraClient.from_settings(make_settings(deployment="auto"))

    assert client.flavour == "datacenter"
    client.close()


def test_missing_credentials_are_named_before_any_request() -> None:
    with pytest.raises(JiraNotConfigured, match=r"jira\.email and jira\.api_token"):
        JiraClient.from_settings(make_settings(api_token=""), "cloud")
    with pytest.raises(JiraNotConfigured, match=r"jira\.personal_access_token"):
        JiraClient.from_settings(make_settings(personal_access_token=""), "datacenter")
    with pytest.raises(JiraNotConfigured, match=r"jira\.base_url"):
        JiraClient.from_settings(make_settings(base_url=""))


# ---- search -------------------------------------------------------------------------------------
def test_cloud_search_follows_next_page_token_until_absent(
    mock: responses.RequestsMock, cloud: JiraClient
) -> None:
    url = f"{BASE}/rest/api/3/search/jql"
    query = {"jql": "labels = trk", "fields": ["summary", "status"], "maxResults": 2}
    pages = [
        ({}, {"issues": [{"key": "OPS-1"}, {"key": "OPS-2"}], "nextPageToken": "p2"}),
        ({"nextPageToken": "p2"}, {"issues": [{"key": "OPS-3"}], "nextPageToken": "p3"}),
        ({"nextPageToken": "p3"}, {"issues": [{"key": "OPS-4"}]}),
    ]
    for extra, body in pages:
        mock.post(url, json=body, match=[matchers.json_params_matcher({**query, **extra})])

    keys = [i["key"] for i in cloud.search("labels = trk", ["summary", "status"], page_size=2)]

    assert keys == ["OPS-1", "OPS-2", "OPS-3", "OPS-4"]
    assert [c.request.method for c in mock.calls] == ["POST"] * 3


def test_datacenter_search_pages_by_start_at_and_total(
    mock: responses.RequestsMock, datacenter: JiraClient
) -> None:
    url = f"{BASE}/rest/api/2/search"
    query = {"jql": "project = OPS", "fields": ["summary"], "maxResults": 3}
    # The server caps pages at 2 although 3 were asked for: paging follows what came back.
    for start, keys in ((0, ["OPS-1", "OPS-2"]), (2, ["OPS-3", "OPS-4"]), (4, ["OPS-5"])):
        mock.post(
            url,
            json={
                "startAt": start,
                "maxResults": 2,
                "total": 5,
                "issues": [{"key": k} for k in keys],
            },
            match=[matchers.json_params_matcher({**query, "startAt": start})],
        )

    found = [i["key"] for i in datacenter.search("project = OPS", ["summary"], page_size=3)]

    assert found == ["OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5"]


def test_search_needs_explicit_fields(cloud: JiraClient) -> None:
    with pytest.raises(ValueError, match="fields"):
        list(cloud.search("project = OPS", []))


# ---- other operations ---------------------------------------------------------------------------
def test_get_edit_and_remote_link_requests(mock: responses.RequestsMock, cloud: JiraClient) -> None:
    issue = f"{BASE}/rest/api/3/issue/OPS-7"
    mock.get(
        issue,
        json={"key": "OPS-7", "fields": {"summary": "S"}},
        match=[matchers.query_param_matcher({"fields": "summary,labels"})],
    )
    mock.put(issue, status=204, match=[matchers.json_params_matcher({"fields": {"summary": "T"}})])
    link = {"globalId": "https://t/s/1", "object": {"url": "https://t/s/1", "title": "Idea 1"}}
    mock.post(
        f"{issue}/remotelink",
        status=201,
        json={"id": 5},
        match=[matchers.json_params_matcher(link)],
    )

    assert cloud.get_issue("OPS-7", ["summary", "labels"])["fields"] == {"summary": "S"}
    cloud.edit_issue("OPS-7", {"summary": "T"})
    assert cloud.add_remote_link("OPS-7", "https://t/s/1", "Idea 1") == {"id": 5}


def test_create_and_bulk_create_bodies(mock: responses.RequestsMock, cloud: JiraClient) -> None:
    fields = {"project": {"key": "OPS"}, "summary": "One"}
    mock.post(
        CREATE_URL,
        status=201,
        json={"id": "1", "key": "OPS-1"},
        match=[matchers.json_params_matcher({"fields": fields})],
    )
    bulk = {"issueUpdates": [{"fields": fields}, {"fields": {"summary": "Two"}}]}
    failed = {
        "status": 400,
        "failedElementNumber": 1,
        "elementErrors": {"errors": {"project": "Specify a project"}},
    }
    mock.post(
        f"{CREATE_URL}/bulk",
        status=201,
        json={"issues": [{"key": "OPS-2"}], "errors": [failed]},
        match=[matchers.json_params_matcher(bulk)],
    )

    assert cloud.create_issue(fields)["key"] == "OPS-1"
    answer = cloud.bulk_create([fields, {"summary": "Two"}])
    assert answer["issues"] == [{"key": "OPS-2"}]
    assert answer["errors"][0]["failedElementNumber"] == 1


def test_bulk_create_returns_element_errors_when_every_element_fails(
    mock: responses.RequestsMock, cloud: JiraClient
) -> None:
    failed = {
        "status": 400,
        "failedElementNumber": 0,
        "elementErrors": {"errors": {"summary": "Required"}},
    }
    mock.post(f"{CREATE_URL}/bulk", status=400, json={"issues": [], "errors": [failed]})

    assert cloud.bulk_create([{"summary": ""}])["errors"] == [failed]


def test_bulk_create_refuses_more_than_fifty_without_calling(cloud: JiraClient) -> None:
    with pytest.raises(ValueError, match="50"):
        cloud.bulk_create([{"summary": str(n)} for n in range(51)])
    assert cloud.calls == 0


# ---- retries ------------------------------------------------------------------------------------
def test_get_429_waits_for_retry_after_then_succeeds(
    mock: responses.RequestsMock, cloud: JiraClient, waits: list[float]
) -> None:
    mock.get(INFO_URL, status=429, headers={"Retry-After": "7", "X-RateLimit-Remaining": "0"})
    mock.get(INFO_URL, json={"version": "1"})

    assert cloud.server_info() == {"version": "1"}
    assert waits == [7.0]
    assert cloud.calls == 2


def test_get_429_gives_up_after_max_attempts(
    mock: responses.RequestsMock, cloud: JiraClient, waits: list[float]
) -> None:
    for _ in range(3):
        mock.get(INFO_URL, status=429, headers={"Retry-After": "2"})

    with pytest.raises(JiraRateLimited) as caught:
        cloud.server_info()

    assert caught.value.retry_after == 2.0
    assert caught.value.outcome_unknown is False
    assert len(mock.calls) == 3
    assert waits == [2.0, 2.0]


def test_a_very_long_retry_after_is_reported_not_slept(
    mock: responses.RequestsMock, cloud: JiraClient, waits: list[float]
) -> None:
    mock.get(INFO_URL, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(JiraRateLimited) as caught:
        cloud.server_info()
    assert caught.value.retry_after == 3600.0
    assert waits == []


def test_get_5xx_and_connection_errors_back_off_exponentially(
    mock: responses.RequestsMock, cloud: JiraClient, waits: list[float]
) -> None:
    mock.get(INFO_URL, status=503, json={"errorMessages": ["Service Unavailable"]})
    mock.get(INFO_URL, body=requests.ConnectionError("reset"))
    mock.get(INFO_URL, json={"version": "1"})

    assert cloud.server_info() == {"version": "1"}
    assert waits == [1.0, 2.0]


def test_post_create_is_not_retried_on_503(
    mock: responses.RequestsMock, cloud: JiraClient, waits: list[float]
) -> None:
    mock.post(CREATE_URL, status=503, json={"errorMessages": ["Service Unavailable"]})

    with pytest.raises(JiraServerError) as caught:
        cloud.create_issue({"summary": "S"})

    assert caught.value.outcome_unknown is True
    assert caught.value.status == 503
    assert len(mock.calls) == 1
    assert waits == []


def _refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, CREATE_URL, reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("failure", "unknown"),
    [
        (
            requests.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104))
            ),
            True,
        ),
        (requests.ReadTimeout("read timed out"), True),
        (_refused(), False),
        (requests.ConnectTimeout("connect timed out"), False),
    ],
)
def test_post_create_is_not_retried_on_connection_errors(
    mock: responses.RequestsMock,
    cloud: JiraClient,
    waits: list[float],
    failure: Exception,
    unknown: bool,
) -> None:
    mock.post(CREATE_URL, body=failure)

    with pytest.raises(JiraUnavailable) as caught:
        cloud.create_issue({"summary": "S"})

    assert caught.value.outcome_unknown is unknown
    assert len(mock.calls) == 1
    assert waits == []


def test_post_create_is_retried_after_429(
    mock: responses.RequestsMock, cloud: JiraClient, waits: list[float]
) -> None:
    mock.post(CREATE_URL, status=429, headers={"Retry-After": "3"})
    mock.post(CREATE_URL, status=201, json={"id": "10001", "key": "OPS-1"})

    assert cloud.create_issue({"summary": "S"})["key"] == "OPS-1"
    assert waits == [3.0]
    assert cloud.calls == 2


def test_jitter_spreads_waits_upwards() -> None:
    rng = random.Random(4)
    spread = [with_jitter(4.0, rng) for _ in range(50)]
    assert all(4.0 <= w <= 5.0 for w in spread)
    assert len(set(spread)) > 1


def test_rate_limit_wait_reads_retry_after_dates_and_the_reset_header() -> None:
    now = datetime(2025, 1, 15, 10, 0, 0, tzinfo=UTC)
    clock = lambda: now  # noqa: E731
    assert rate_limit_seconds({"Retry-After": "Wed, 15 Jan 2025 10:00:30 GMT"}, 1, clock) == 30
    assert rate_limit_seconds({"X-RateLimit-Reset": "2025-01-15T10:01Z"}, 1, clock) == 60
    assert rate_limit_seconds({}, 3, clock) == 4.0  # no hint: exponential backoff


# ---- error mapping ------------------------------------------------------------------------------
def test_400_maps_jira_errors_to_field_errors(
    mock: responses.RequestsMock, cloud: JiraClient
) -> None:
    body = {
        "errorMessages": ["The issue could not be created."],
        "errors": {"customfield_10016": "Number value expected.", "labels": "Too long."},
    }
    mock.post(CREATE_URL, status=400, json=body)

    with pytest.raises(JiraRejected) as caught:
        cloud.create_issue({"summary": "S"})

    exc = caught.value
    assert exc.field_errors == body["errors"]
    assert exc.messages == ["The issue could not be created."]
    assert exc.outcome_unknown is False
    assert "customfield_10016: Number value expected" in str(exc)


@pytest.mark.parametrize(
    ("status", "kind"), [(401, JiraUnauthorized), (403, JiraForbidden), (404, JiraNotFound)]
)
def test_4xx_statuses_map_to_their_exceptions(
    mock: responses.RequestsMock, cloud: JiraClient, status: int, kind: type[JiraError]
) -> None:
    mock.get(INFO_URL, status=status, json={"errorMessages": ["No."]})
    with pytest.raises(kind) as caught:
        cloud.server_info()
    assert caught.value.outcome_unknown is False
    assert len(mock.calls) == 1  # not retried


def test_401_names_the_settings_to_check(
    mock: responses.RequestsMock, cloud: JiraClient, datacenter: JiraClient
) -> None:
    mock.get(INFO_URL, status=401)
    mock.get(f"{BASE}/rest/api/2/serverInfo", status=401)

    with pytest.raises(JiraUnauthorized) as on_cloud:
        cloud.server_info()
    with pytest.raises(JiraUnauthorized) as on_dc:
        datacenter.server_info()

    assert str(on_cloud.value) == (
        "Jira refused the credentials: check jira.email and jira.api_token."
    )
    assert str(on_dc.value) == "Jira refused the credentials: check jira.personal_access_token."


def test_datacenter_login_failure_flagged_on_a_200_is_unauthorized(
    mock: responses.RequestsMock, datacenter: JiraClient
) -> None:
    mock.get(
        f"{BASE}/rest/api/2/serverInfo",
        json={"version": "9"},
        headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"},
    )
    with pytest.raises(JiraUnauthorized):
        datacenter.server_info()


@pytest.mark.parametrize(("method", "unknown"), [("GET", False), ("POST", True)])
def test_datacenter_login_failure_flagged_on_a_2xx_write_may_have_acted(
    mock: responses.RequestsMock, datacenter: JiraClient, method: str, unknown: bool
) -> None:
    # Answered as the anonymous user: a create may have happened, so the push must look first.
    mock.add(
        method,
        f"{BASE}/rest/api/2/issue",
        json={"id": "10001", "key": "OPS-1"},
        status=201 if method == "POST" else 200,
        headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"},
    )

    with pytest.raises(JiraUnauthorized) as caught:
        datacenter.request(method, datacenter.api_path("issue"), idempotent=method == "GET")

    assert caught.value.outcome_unknown is unknown


@pytest.mark.parametrize(("method", "unknown"), [("GET", False), ("POST", True)])
def test_malformed_json_raises_bad_response(
    mock: responses.RequestsMock, cloud: JiraClient, method: str, unknown: bool
) -> None:
    mock.add(method, CREATE_URL, body=b'{"id": "10001", "key": ', status=200)

    with pytest.raises(JiraBadResponse) as caught:
        cloud.request(method, cloud.api_path("issue"), idempotent=method == "GET")

    assert caught.value.outcome_unknown is unknown


def test_a_redirect_is_reported_not_followed(
    mock: responses.RequestsMock, cloud: JiraClient
) -> None:
    mock.post(CREATE_URL, status=302, headers={"Location": "https://sso.example.test/login"})

    with pytest.raises(JiraError, match=r"set jira\.base_url"):
        cloud.create_issue({"summary": "S"})
    assert len(mock.calls) == 1


def test_tokens_never_reach_messages_or_logs(
    mock: responses.RequestsMock, cloud: JiraClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"errorMessages": [f"Bad token {CLOUD_TOKEN} in {BASIC}"]}
    mock.get(INFO_URL, status=429, headers={"Retry-After": "1"})
    mock.get(INFO_URL, status=503, json=echo)
    mock.get(INFO_URL, body=requests.ConnectionError(f"reset {CLOUD_TOKEN}"))
    mock.post(CREATE_URL, status=400, json=echo)
    mock.post(CREATE_URL, status=403, json=echo)
    mock.post(CREATE_URL, status=401, json=echo)
    mock.post(CREATE_URL, status=200, body=f"<html>{CLOUD_TOKEN}")

    with pytest.raises(JiraUnavailable) as first:
        cloud.server_info()
    raised: list[JiraError] = [first.value]
    for _ in range(4):
        with pytest.raises(JiraError) as caught:
            cloud.create_issue({"summary": "S"})
        raised.append(caught.value)

    assert "********" in str(raised[1])  # Jira's echo was masked, not dropped
    shown = " ".join([*(str(e) for e in raised), *(repr(e) for e in raised), caplog.text])
    for secret in SECRETS:
        assert secret not in shown


# ---- against the fake Jira ----------------------------------------------------------------------
def fake_client(fake: FakeJira, waits: list[float]) -> JiraClient:
    settings = make_settings(
        base_url=fake.url,
        email=fake.email,
        api_token=fake.api_token,
        personal_access_token=fake.pat,
    )
    return JiraClient.from_settings(settings, sleep=waits.append, rng=LowJitter())


def test_search_pages_through_the_fake(fake: FakeJira, waits: list[float]) -> None:
    for n in range(5):
        fake.add_issue(f"Story {n}", labels=["trk-main"])

    with fake_client(fake, waits) as client:
        found = list(client.search("labels = trk-main ORDER BY key", ["summary"], page_size=2))

    assert [i["fields"]["summary"] for i in found] == [f"Story {n}" for n in range(5)]
    assert fake.call_count("/search", "POST") == 3


def test_lost_create_response_is_outcome_unknown_and_not_repeated(
    fake: FakeJira, waits: list[float]
) -> None:
    fake.faults.add("POST", r"/issue$", "lost_response")
    story = {"project": {"key": "OPS"}, "issuetype": {"name": "Story"}, "summary": "Lost"}

    with fake_client(fake, waits) as client, pytest.raises(JiraUnavailable) as caught:
        client.create_issue(story)

    assert caught.value.outcome_unknown is True
    assert [i.summary for i in fake.issues()] == ["Lost"]  # created once, not twice
    assert fake.call_count(r"/issue$", "POST") == 1


def test_rate_limited_read_on_the_fake_is_retried(fake: FakeJira, waits: list[float]) -> None:
    fake.faults.add("GET", r"/field$", "429", retry_after=4)

    with fake_client(fake, waits) as client:
        fields = client.request("GET", client.api_path("field"), idempotent=True)

    assert any(f["id"] == "summary" for f in fields)
    assert waits == [4.0]
