"""The HTTP side of Jira: one client for Cloud (REST v3) and Data Center (REST v2).

Built on pycontribs `jira.JIRA` for its session and auth set-up, with the library's own retry
loop switched off: it retries POSTs on 429/503/connection errors, which can create the same
issue twice. This client retries only calls that are safe to repeat (GET, PUT, search, remote
links keyed by globalId). A create is sent once, except after a 429, which Jira documents as
"not processed"; any other failure raises with `outcome_unknown` set so the push layer can
look for the issue by its unique label before trying again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests
from jira import JIRA

from sync.jira import connect
from sync.jira.backoff import MAX_WAIT_SECONDS, backoff_seconds, rate_limit_seconds, with_jitter
from sync.jira.capabilities import Capabilities
from sync.jira.connect import CLOUD, DATACENTER, Flavour
from sync.jira.errors import JiraBadResponse, JiraError, JiraRejected, JiraUnauthorized
from sync.jira.replies import (
    WRITES,
    Site,
    bad_json,
    error_for_exception,
    error_for_reply,
    expect_object,
    unauthorized,
)
from tracker.config import JiraSettings

__all__ = ["CLOUD", "DATACENTER", "MAX_BULK", "Flavour", "JiraClient"]

log = logging.getLogger(__name__)

MAX_BULK = 50  # POST /issue/bulk takes at most 50 issues per call
# What a proxy answers to a method it refuses (and a server to one it lacks).
REFUSED_METHOD = frozenset({405, 501})
Json = Any


class JiraClient:
    """Typed calls to one Jira site; every failure raises a `sync.jira.errors.JiraError`.

    `calls` counts HTTP requests sent (retries included), for benchmarks. Safe to share
    between threads as far as `requests.Session` is.
    """

    def __init__(
        self,
        jira: JIRA,
        *,
        flavour: Flavour,
        timeout: float = 30.0,
        max_attempts: int = 5,
        credential_hint: str = "check the Jira credentials",
        secrets: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.flavour: Flavour = flavour
        self.base_url: str = jira.server_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.calls = 0
        self._jira = jira
        self._session: requests.Session = jira._session
        self._site = Site(self.base_url, timeout, credential_hint, tuple(s for s in secrets if s))
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._now = now
        self._lock = threading.Lock()
        # What the site has shown it answers, and its metadata as stored and as discovered in
        # this client's life (sync/jira/sites.py loads the first two and saves the rest).
        self.capabilities = Capabilities()
        self.server_version = ""
        self.stored_metadata: dict[str, Any] | None = None
        self.learnt_metadata: dict[str, Any] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: JiraSettings,
        flavour: Flavour | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> JiraClient:
        """A client for `flavour`, else `settings.deployment`; "auto" asks serverInfo once.

        Raises JiraNotConfigured when a needed setting is empty; when detecting, whatever
        serverInfo raises (JiraUnauthorized if every configured credential is refused).
        """

        def build(kind: Flavour) -> JiraClient:
            made = connect.login(settings, kind)
            return cls(
                made.jira,
                flavour=made.flavour,
                timeout=settings.timeout_seconds,
                max_attempts=settings.max_attempts,
                credential_hint=made.credential_hint,
                secrets=made.secrets,
                sleep=sleep,
                rng=rng,
            )

        chosen = connect.chosen_flavour(settings, flavour)
        if chosen is not None:
            return build(chosen)
        tried = connect.candidates(settings)
        for candidate in tried:
            client = build(candidate)
            try:
                # REST v2 serverInfo answers on both flavours.
                info = client.request("GET", "/rest/api/2/serverInfo", idempotent=True)
            except JiraUnauthorized:
                client.close()
                continue
            except BaseException:
                client.close()
                raise
            detected = connect.reported_flavour(info)
            log.info("Jira at %s is %s", client.base_url, detected)
            if detected == candidate:
                return client
            client.close()
            return build(detected)
        raise connect.refused(tried, settings)

    # ---- plumbing ---------------------------------------------------------------------------
    def api_path(self, path: str) -> str:
        """The site-relative path of a REST resource: /rest/api/3/<path> on Cloud,
        /rest/api/2/<path> on Data Center."""
        version = "3" if self.flavour == CLOUD else "2"
        return f"/rest/api/{version}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Json = None,
        idempotent: bool,
    ) -> Json:
        """Send one call (path from the site root, e.g. api_path("issue")) and return the parsed
        JSON, or None for an empty answer.

        Idempotent calls are retried on 429, 5xx and connection trouble up to `max_attempts`;
        others only on 429. Raises a `sync.jira.errors.JiraError` subclass.
        """
        method = method.upper()
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_attempts
            try:
                response = self._send(method, path, params, json)
            except requests.RequestException as exc:
                failure = error_for_exception(self._site, method, path, exc)
                if last or not idempotent:
                    raise failure from exc
                self._pause(backoff_seconds(attempt), failure.message, attempt)
                continue
            status = response.status_code
            if status == 429:
                wait = rate_limit_seconds(response.headers, attempt, self._now)
                if last or wait > MAX_WAIT_SECONDS:
                    raise error_for_reply(self._site, method, path, response, wait)
                self._pause(wait, f"Jira answered 429 to {method} {path}", attempt)
                continue
            if status >= 500 and idempotent and not last:
                reason = f"Jira answered {status} to {method} {path}"
                self._pause(backoff_seconds(attempt), reason, attempt)
                continue
            return self._result(method, path, response)

    def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Json
    ) -> requests.Response:
        with self._lock:
            self.calls += 1
        # requests.Session.request itself, not ResilientSession.request: the session's auth
        # and headers apply, but none of the library's retries, sleeps or header logging.
        return requests.Session.request(
            self._session,
            method,
            self.base_url + path,
            params=dict(params) if params else None,
            json=body,
            timeout=self.timeout,
            # A redirected POST turns into a GET; better to report a wrong base URL.
            allow_redirects=False,
        )

    def _result(self, method: str, path: str, response: requests.Response) -> Json:
        status = response.status_code
        if not 200 <= status < 300:
            raise error_for_reply(self._site, method, path, response)
        # Data Center answers some calls with a wrong token as anonymous, flagged only here
        # (https://jira.atlassian.com/browse/JRA-41559). A write it answered 2xx may have been
        # carried out as the anonymous user.
        if "AUTHENTICATED_FAILED" in response.headers.get("X-Seraph-LoginReason", ""):
            raise unauthorized(self._site, outcome_unknown=method in WRITES)
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise bad_json(self._site, method, path, status) from None

    def _pause(self, seconds: float, reason: str, attempt: int) -> None:
        wait = with_jitter(seconds, self._rng)
        log.warning(
            "%s; retrying in %.1f s (attempt %d of %d)",
            reason,
            wait,
            attempt + 1,
            self.max_attempts,
        )
        self._sleep(wait)

    def close(self) -> None:
        self._jira.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, val: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- Jira operations --------------------------------------------------------------------
    def server_info(self) -> dict[str, Any]:
        """serverInfo: version, deploymentType, serverTitle ..."""
        path = self.api_path("serverInfo")
        info = expect_object(self.request("GET", path, idempotent=True), path)
        self.server_version = str(info.get("version") or "")
        return info

    def search(
        self,
        jql: str,
        fields: Sequence[str],
        page_size: int = 100,
        *,
        expand: Sequence[str] = (),
        lenient: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every issue matching `jql` with the given fields, page by page (lazily).

        Cloud: POST /rest/api/3/search/jql, paged by nextPageToken (no total; the old /search
        answers 410 there). Data Center: POST /rest/api/2/search, paged by startAt/total. Either
        goes by GET on a site that refuses POST search (see _search_page).
        `expand` e.g. ["changelog"]. `lenient` (Data Center only: validateQuery=warn) turns
        unknown issue ids or keys in the JQL into warnings instead of a 400; Cloud's search/jql
        has no such switch and always answers 400 naming them.
        """
        if not fields:
            raise ValueError("name the fields to fetch; Cloud returns only ids by default")
        if self.flavour == CLOUD:
            yield from self._search_cloud(jql, list(fields), page_size, list(expand))
        else:
            yield from self._search_datacenter(jql, list(fields), page_size, list(expand), lenient)

    def _search_page(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One page of a search, by POST (JQL in the body) unless the site has shown it
        refuses that: a proxy or WAF in front of Jira may answer 405 to POST search while GET
        with the JQL in the query string works. The first 405 switches this site to GET."""
        if self.capabilities.search != "get":
            try:
                answer = self.request("POST", path, json=body, idempotent=True)
            except JiraError as exc:
                if exc.status not in REFUSED_METHOD:
                    raise
                log.warning(
                    "Jira at %s refuses POST %s (HTTP %s); searching with GET from now on",
                    self.base_url,
                    path,
                    exc.status,
                )
                self.capabilities.learn(search="get")
            else:
                if self.capabilities.search is None:
                    self.capabilities.learn(search="post")
                return expect_object(answer, path)
        params = {
            key: ",".join(map(str, value)) if isinstance(value, list) else value
            for key, value in body.items()
        }
        return expect_object(self.request("GET", path, params=params, idempotent=True), path)

    def _search_cloud(
        self, jql: str, fields: list[str], size: int, expand: list[str]
    ) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": size}
            if expand:
                # A comma-separated string here, unlike Data Center's list.
                body["expand"] = ",".join(expand)
            if token:
                body["nextPageToken"] = token
            path = self.api_path("search/jql")
            page = self._search_page(path, body)
            yield from _issues(page, path)
            following = page.get("nextPageToken")
            if not following or page.get("isLast") is True:
                return
            if following == token:
                raise JiraBadResponse("Jira sent the same search page token twice in a row.")
            token = str(following)

    def _search_datacenter(
        self, jql: str, fields: list[str], size: int, expand: list[str], lenient: bool
    ) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": fields,
                "startAt": start,
                "maxResults": size,
            }
            if expand:
                body["expand"] = expand
            if lenient:
                body["validateQuery"] = "warn"
            path = self.api_path("search")
            page = self._search_page(path, body)
            issues = _issues(page, path)
            yield from issues
            # Advance by what came back: the server may cap maxResults below our page size.
            start += len(issues)
            total = page.get("total")
            if not issues or (isinstance(total, int) and start >= total):
                return

    def get_issue(self, key: str, fields: Sequence[str]) -> dict[str, Any]:
        params = {"fields": ",".join(fields)} if fields else None
        path = self.api_path(f"issue/{_segment(key)}")
        return expect_object(self.request("GET", path, params=params, idempotent=True), path)

    def create_issue(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create one issue; returns {"id", "key", "self"}. Sent once (see the module doc)."""
        path = self.api_path("issue")
        answer = self.request("POST", path, json={"fields": dict(fields)}, idempotent=False)
        return expect_object(answer, path)

    def bulk_create(self, issues: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Create up to 50 issues in one call; returns Jira's body: `issues` (created, in
        order) and `errors` (each with `failedElementNumber`), also when every element failed.
        Raises ValueError for more than 50. Sent once, like create_issue."""
        if len(issues) > MAX_BULK:
            raise ValueError(f"Jira creates at most {MAX_BULK} issues per bulk call")
        if not issues:
            return {"issues": [], "errors": []}
        body = {"issueUpdates": [{"fields": dict(fields)} for fields in issues]}
        path = self.api_path("issue/bulk")
        try:
            answer = self.request("POST", path, json=body, idempotent=False)
        except JiraRejected as exc:
            # Every element failed: Jira says 400 but the body still has the per-element errors.
            if isinstance(exc.body, dict) and isinstance(exc.body.get("errors"), list):
                return {"issues": [], **exc.body}
            raise
        return expect_object(answer, path)

    def edit_issue(
        self, key: str, fields: Mapping[str, Any], *, update: Mapping[str, Any] | None = None
    ) -> None:
        """Set `fields`; `update` holds operations such as {"labels": [{"add": "x"}]}."""
        body: dict[str, Any] = {"fields": dict(fields)}
        if update:
            body["update"] = dict(update)
        path = self.api_path(f"issue/{_segment(key)}")
        self.request("PUT", path, json=body, idempotent=True)

    def add_remote_link(
        self, key: str, url: str, title: str, *, global_id: str | None = None
    ) -> dict[str, Any]:
        """Add (or, for the same globalId, update) a web link on the issue. Keyed by globalId
        (the URL unless given), so repeating the call cannot add a second link."""
        body = {"globalId": global_id or url, "object": {"url": url, "title": title}}
        path = self.api_path(f"issue/{_segment(key)}/remotelink")
        return expect_object(self.request("POST", path, json=body, idempotent=True), path)


def _segment(value: str) -> str:
    return quote(value, safe="")


def _issues(page: dict[str, Any], path: str) -> list[dict[str, Any]]:
    issues = page.get("issues", [])
    if not isinstance(issues, list) or not all(isinstance(i, dict) for i in issues):
        raise JiraBadResponse(f"Jira's answer to {path} is a search page without issues.")
    return issues
