"""FakeJira: the public face of the fake - lifecycle, knobs, recorded calls and test helpers."""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, NamedTuple

from werkzeug.datastructures import MultiDict

from . import contract
from .adf import to_adf
from .catalog import CLOUD, FieldConfig
from .faults import Fault, Faults
from .profiles import PROFILES, Profile, resolve
from .rules import check_create, check_edit
from .server import JiraApp, ServerThread, basic_header, decode_basic
from .state import JIRA_USER, Issue, Project, State


class Call(NamedTuple):
    method: str
    path: str
    query: dict[str, list[str]]


class FakeJira:
    """A stateful Jira (Cloud REST v3 or Data Center REST v2) on 127.0.0.1:<ephemeral>."""

    def __init__(
        self,
        flavour: str | None = None,
        latency: float = 0.0,
        *,
        profile: str | Profile | None = None,
        email: str = "bot@example.com",
        api_token: str = "cloud-api-token",  # noqa: S107 - a fake's expected credential
        pat: str = "dc-personal-access-token",
        username: str = "jira-bot",
        password: str = "dc-password",  # noqa: S107 - a fake's expected credential
        story_points_field: str | None = None,
        story_points_name: str | None = None,
        epic_link_field: str | None = None,
        epic_name_field: str | None = None,
        sprint_field: str | None = None,
        time_zone: str = "Etc/UTC",
        deployment_type: str | None = None,
        version_numbers: tuple[int, ...] | None = None,
        check_responses: bool = True,
    ) -> None:
        """`flavour` "cloud" (the default) or "datacenter"; `profile` a PROFILES name (or a
        Profile) sets the flavour, version, deploymentType and the site's quirks, which the
        explicit arguments override."""
        self.profile = resolve(profile)
        if self.profile is not None and flavour not in (None, self.profile.flavour):
            raise ValueError(
                f"profile {self.profile.name!r} is {self.profile.flavour}, not {flavour}"
            )
        flavour = self.profile.flavour if self.profile is not None else (flavour or CLOUD)
        self.config = FieldConfig.for_flavour(
            flavour,
            story_points_field,
            story_points_name,
            epic_link_field,
            epic_name_field,
            sprint_field,
        )
        self.flavour = flavour
        self.latency = latency
        self.email, self.api_token, self.pat = email, api_token, pat
        # Server/Data Center basic auth (the only way in before personal access tokens).
        self.username, self.password = username, password
        cloud = flavour == CLOUD
        site = self.profile or PROFILES["cloud" if cloud else "dc9"]
        self.deployment_type = deployment_type or site.deployment_type
        self.version_numbers = version_numbers or site.version_numbers
        # The site's quirks (profiles.py), as knobs a test may change.
        self.paged_createmeta = site.paged_createmeta
        self.legacy_createmeta = site.legacy_createmeta
        self.refused_posts = set(site.refused_posts)  # POSTs a proxy answers 405
        self.honours_id_in = site.honours_id_in
        self.personal_access_tokens = site.personal_access_tokens
        self.check_responses = check_responses
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.state = State(self.config, lambda: _aware(self.clock()))
        self.state.time_zone = time_zone
        # Search results carry at most this many histories when changelog is expanded.
        self.search_changelog_cap: int | None = None
        self.faults = Faults()
        self.bulk_enabled = True
        self.bulk_disabled_status = 404
        self.max_results_cap = 100 if cloud else 1000
        self.calls: list[Call] = []
        self.bodies: list[Any] = []  # parsed JSON bodies, parallel to calls
        self.contract_violations: list[str] = []
        self.response_violations: list[str] = []
        self.auth_failures = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ServerThread | None = None

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> FakeJira:
        if self._server is None:
            contract.load()
            self._stopping.clear()
            self._server = ServerThread(JiraApp(self))
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._stopping.set()  # wakes "slow" faults and latency sleeps
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeJira:
        return self.start()

    def __exit__(
        self, exc: type[BaseException] | None, val: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeJira is not running; call start() or use `with`")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/rest/api/{3 if self.flavour == CLOUD else 2}"

    def sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # ---- auth ----------------------------------------------------------------------------
    @property
    def auth_header(self) -> str:
        """The Authorization header a correct client sends."""
        if self.flavour == CLOUD:
            return basic_header(self.email, self.api_token)
        if not self.personal_access_tokens:
            return basic_header(self.username, self.password)
        return f"Bearer {self.pat}"

    def authorised(self, header: str) -> bool:
        if self.flavour == CLOUD:
            given = decode_basic(header)
            return given is not None and hmac.compare_digest(
                f"{given[0]}\0{given[1]}", f"{self.email}\0{self.api_token}"
            )
        given = decode_basic(header)
        if given is not None:
            return hmac.compare_digest(
                f"{given[0]}\0{given[1]}", f"{self.username}\0{self.password}"
            )
        return (
            self.personal_access_tokens
            and header.startswith("Bearer ")
            and hmac.compare_digest(header[7:], self.pat)
        )

    def forbid_next(self, times: int = 1, method: str = "*", path_regex: str = ".") -> Fault:
        """The next matching calls answer 403 (authenticated but not allowed)."""
        return self.faults.add(method, path_regex, "403", times=times)

    def jira_client(self, **kwargs: Any) -> Any:
        """A pycontribs `jira.JIRA` wired to this fake (no retries unless asked)."""
        from jira import JIRA

        options: dict[str, Any] = {
            "server": self.url,
            "rest_api_version": "3" if self.flavour == CLOUD else "2",
        }
        auth: dict[str, Any] = (
            {"basic_auth": (self.email, self.api_token)}
            if self.flavour == CLOUD
            else {"token_auth": self.pat}
        )
        kwargs.setdefault("max_retries", 0)
        return JIRA(options=options, **auth, **kwargs)

    # ---- clock -----------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return _aware(self.clock())

    @now.setter
    def now(self, moment: datetime) -> None:
        frozen = _aware(moment)
        self.clock = lambda: frozen

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Freeze the clock at now + the given time, e.g. advance(minutes=5)."""
        self.now = self.now + timedelta(seconds=seconds, **delta)
        return self.now

    # ---- recording -------------------------------------------------------------------------
    def record_call(self, method: str, path: str, query: MultiDict[str, str], body: Any) -> None:
        with self._lock:
            self.calls.append(Call(method, path, {k: query.getlist(k) for k in query}))
            self.bodies.append(body)

    def call_count(self, path_regex: str | None = None, method: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for c in self.calls
                if (path_regex is None or re.search(path_regex, c.path))
                and (method is None or c.method == method.upper())
            )

    def record_violation(self, message: str) -> None:
        with self._lock:
            self.contract_violations.append(message)

    def take_violations(self) -> list[str]:
        """Return and forget the violations (for tests that provoke them on purpose)."""
        with self._lock:
            taken, self.contract_violations[:] = list(self.contract_violations), []
            return taken

    def assert_no_violations(self) -> None:
        with self._lock:
            found = list(self.contract_violations)
        if found:
            raise AssertionError("Jira contract violations:\n  " + "\n  ".join(found))

    # ---- state helpers -------------------------------------------------------------------
    def issues(self) -> list[Issue]:
        """Copies of every issue (hidden ones too), by id."""
        with self.state.lock:
            return [
                self.state.snapshot(i)
                for i in sorted(self.state.issues.values(), key=lambda i: int(i.id))
            ]

    def issue_by_key(self, key: str) -> Issue | None:
        """A copy of the issue with this id, key or former key, or None."""
        issue = self.state.find(key, hidden=True)
        return None if issue is None else self.state.snapshot(issue)

    def _get(self, key: str) -> Issue:
        issue = self.state.find(key, hidden=True)
        if issue is None:
            raise KeyError(key)
        return issue

    def add_project(self, key: str, name: str | None = None) -> Project:
        return self.state.add_project(key, name)

    def add_issue(
        self, summary: str, issue_type: str = "Story", project: str = "OPS", **fields: Any
    ) -> Issue:
        """Seed an issue as if a person made it in Jira; `fields` are API-shaped field ids
        (a plain-text description is converted to ADF on Cloud)."""
        if self.flavour == CLOUD and isinstance(fields.get("description"), str):
            fields["description"] = to_adf(fields["description"])
        body = {"summary": summary, "issuetype": {"name": issue_type}, "project": {"key": project}}
        with self.state.lock:
            out = check_create(
                self.state, {**body, **fields}, {}, "3" if self.flavour == CLOUD else "2"
            )
            if out.errors:
                raise ValueError(out.errors)
            assert out.project is not None
            assert out.issue_type is not None
            return self.state.snapshot(self.state.create(out.project, out.issue_type, out.values))

    def update_issue(self, key: str, **fields: Any) -> None:
        """Edit fields as a person in Jira would (changelog + updated time)."""
        with self.state.lock:
            issue = self._get(key)
            out = check_edit(self.state, issue, fields, {}, "3" if self.flavour == CLOUD else "2")
            if out.errors:
                raise ValueError(out.errors)
            self.state.change(issue, out.values, JIRA_USER)

    def epic_of(self, key: str) -> str | None:
        """The key of the epic the issue is under: its parent on Cloud, its Epic Link on Data
        Center; None if it has none."""
        field = "parent" if self.flavour == CLOUD else self.config.epic_link_field
        with self.state.lock:
            linked = self._get(key).fields.get(field) if field else None
            epic = None if linked is None else self.state.issues.get(str(linked))
            return None if epic is None else epic.key

    def transition(
        self, key: str, status_name: str, category: str | None = None, resolution: str | None = None
    ) -> None:
        """Move to a status (new names need a category: To Do / In Progress / Done)."""
        self.state.transition(self._get(key), status_name, category, resolution)

    def set_sprints(self, key: str, *sprints: dict[str, Any]) -> None:
        """Put the issue in sprints, e.g. {"id": 3, "name": "Sprint 3", "state": "active"}
        (state: active, closed or future); none takes it out of every sprint."""
        defaults = {"boardId": 1, "goal": ""}
        self.state.set_sprints(self._get(key), [{**defaults, **s} for s in sprints])

    @property
    def time_zone(self) -> str:
        """The API user's time zone (GET /myself); Jira reads JQL dates in it."""
        return self.state.time_zone

    @time_zone.setter
    def time_zone(self, zone: str) -> None:
        self.state.time_zone = zone

    def delete(self, key: str) -> None:
        self.state.delete(self._get(key))

    def move(self, key: str, new_key: str) -> str:
        """Move to "NEW-7" or to project "NEW"; returns the new key. The old key still resolves."""
        issue = self._get(key)
        self.state.move(issue, new_key)
        return issue.key

    def set_visible(self, key: str, visible: bool = True) -> None:
        with self.state.lock:
            self._get(key).visible = visible


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
