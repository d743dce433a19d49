"""'Test Jira connection': everything a push and a sync will ask of Jira, tried without
creating anything, each problem reported as one plain sentence that names the fix (Jira's own
answer, with the endpoint, only as the detail). Made for `tracker jira check` and the admin page.

`check_connection` never raises for a Jira problem; each becomes a failed CheckResult. Later
checks need earlier ones (no project, no create screen), so a failure that blocks the rest
ends the list there. The screens half is sync/jira/check_screens.py.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from typing import Any

from flask import Flask

from sync.jira import connect, sites
from sync.jira.check_screens import ScreenChecks, Stop
from sync.jira.check_words import in_words
from sync.jira.client import CLOUD, JiraClient
from sync.jira.createmeta import CreateMetaReader, IssueTypeInfo
from sync.jira.discovery import (
    FieldInfo,
    ProjectInfo,
    assemble,
    fetch_fields,
    fetch_project,
    find_issue_type,
    missing_issue_type,
)
from sync.jira.errors import (
    JiraError,
    JiraForbidden,
    JiraNotConfigured,
    JiraNotFound,
    JiraUnauthorized,
)
from sync.jira.metadata_store import metadata_cache
from sync.jira.site import fetch_time_zone
from sync.mapping.payload import site_label
from tracker.config import JiraSettings, Settings
from tracker.services.ports import CheckResult

__all__ = ["CheckResult", "check_connection", "check_site"]

ClientFactory = Callable[[JiraSettings], JiraClient]
Opener = Callable[[JiraSettings], AbstractContextManager[JiraClient]]


def check_site(app: Flask, *, refresh: bool = False) -> list[CheckResult]:
    """`check_connection` for the app's configured site, primed with what the database knows
    about it (nothing stored is trusted when `refresh`); what the check learns is stored."""
    settings: Settings = app.config["SETTINGS"]
    return check_connection(
        settings.jira, opener=lambda jira: sites.connected(app, jira, refresh=refresh)
    )


def check_connection(
    settings: JiraSettings,
    client_factory: ClientFactory = JiraClient.from_settings,
    *,
    opener: Opener | None = None,
) -> list[CheckResult]:
    """Check the settings against the live site; one CheckResult per check or problem."""
    run = _Run(settings)
    open_client = opener or (lambda jira: closing(client_factory(jira)))
    try:
        run.configuration()
        try:
            with open_client(settings) as client:
                run.against(client)
        except JiraError as exc:  # the checks catch their own: this one came from connecting
            run.not_connected(exc)
    except Stop:
        pass
    return run.results


class _Run(ScreenChecks):
    def __init__(self, settings: JiraSettings) -> None:
        self.settings = settings
        self.results: list[CheckResult] = []
        self.key = settings.project_key
        self._reader: CreateMetaReader | None = None

    # ---- before any request ------------------------------------------------------------------
    def configuration(self) -> None:
        s = self.settings
        problem = None
        cloud_ready = bool(s.email and s.api_token.get_secret_value())
        basic = bool(s.username and s.password.get_secret_value())
        dc_ready = bool(s.personal_access_token.get_secret_value()) or basic
        if not s.base_url:
            problem = "Jira is not configured: set jira.base_url, jira.project_key and the token."
        elif not s.project_key:
            problem = "Config key jira.project_key is empty; set it to the key of the project."
        elif s.deployment == "cloud" and not cloud_ready:
            problem = "Jira Cloud needs an account email and API token: set jira.email and "
            problem += "jira.api_token."
        elif s.deployment == "datacenter" and not dc_ready:
            problem = connect.NO_DATACENTER_CREDENTIALS
        elif not (cloud_ready or dc_ready):
            problem = "No Jira credentials are configured: set jira.email and jira.api_token "
            problem += "(Cloud) or jira.personal_access_token (Data Center)."
        if problem:
            raise self.stop("Configuration", problem)
        self.ok("Configuration", f"The tracker uses project {s.project_key} at {s.base_url}.")

    def not_connected(self, exc: JiraError) -> None:
        if isinstance(exc, JiraNotConfigured):
            raise self.stop("Configuration", exc.message)
        if isinstance(exc, JiraUnauthorized):
            self.ok("Connection", f"Jira answers at {self.settings.base_url}.")
            raise self.stop("Credentials", exc.message)
        raise self.stop("Connection", *in_words(exc, "connect"))

    # ---- against the site --------------------------------------------------------------------
    def against(self, client: JiraClient) -> None:
        info = self.connection(client)
        fields = self.credentials(client)
        project = self.project(client)
        self.components(project)
        story, epic = self.issue_types(client, project)
        screen = self.story_screen(client, fields, story)
        self.story_points(fields, screen, story)
        self.epic_link(client, fields, screen, story)
        epic_screen = self.epic_screen(client, fields, epic) if epic is not None else []
        # What was read is what a push's discovery reads: keep it, so the next push (in any
        # process) needs no discovery of its own.
        metadata = assemble(
            client,
            self.settings,
            info=info,
            fields=fields,
            project=project,
            story=story,
            epic=epic,
            story_screen=screen,
            epic_screen=epic_screen,
        )
        metadata_cache.put(client, self.settings, metadata)
        self.search(client)
        self.status_sync(client)

    def connection(self, client: JiraClient) -> dict[str, Any]:
        try:
            info = client.server_info()
        except JiraUnauthorized as exc:
            self.ok("Connection", f"Jira answers at {client.base_url}.")
            raise self.stop("Credentials", exc.message) from None
        except JiraError as exc:
            raise self.stop(
                "Connection", *in_words(exc, "read Jira's server information")
            ) from None
        kind = "Cloud" if client.flavour == CLOUD else "Data Center"
        title, version = info.get("serverTitle") or "Jira", info.get("version") or "?"
        self.ok("Connection", f"{title} {version} ({kind}) answers at {client.base_url}.")
        real = "Cloud" if info.get("deploymentType") == "Cloud" else "Data Center"
        if real != kind:
            wanted = "cloud" if real == "Cloud" else "datacenter"
            self.fail(
                "Configuration",
                f"jira.deployment says {kind} but Jira at {client.base_url} is {real}; set "
                f'jira.deployment to "{wanted}" or "auto".',
            )
        return info

    def credentials(self, client: JiraClient) -> list[FieldInfo]:
        # serverInfo may answer anonymously, so the field list (which needs a login) decides.
        try:
            fields = fetch_fields(client)
        except JiraUnauthorized as exc:
            raise self.stop("Credentials", exc.message) from None
        except JiraError as exc:
            raise self.stop("Fields", *in_words(exc, "read Jira's list of fields")) from None
        if client.flavour == CLOUD:
            who = f"the account {self.settings.email}"
        elif self.settings.personal_access_token.get_secret_value():
            who = "the personal access token"
        else:
            who = f"the account {self.settings.username}"
        self.ok("Credentials", f"Jira accepts {who}.")
        return fields

    def project(self, client: JiraClient) -> ProjectInfo:
        try:
            project = fetch_project(client, self.key)
        except (JiraNotFound, JiraForbidden):
            raise self.stop(
                "Project",
                f"Project {self.key} does not exist on Jira at {client.base_url} or the account "
                "cannot see it; check jira.project_key and the account's Browse projects "
                "permission.",
            ) from None
        except JiraError as exc:
            raise self.stop("Project", *in_words(exc, f"read project {self.key}")) from None
        self.ok("Project", f"Project {project.key} ({project.name}) exists and is visible.")
        return project

    def components(self, project: ProjectInfo) -> None:
        for name in self.settings.components:
            if name not in project.components:
                self.fail(
                    "Components",
                    f"Component '{name}' does not exist in project {project.key}; create it in "
                    "Jira or remove it from jira.components.",
                )

    def issue_types(
        self, client: JiraClient, project: ProjectInfo
    ) -> tuple[IssueTypeInfo, IssueTypeInfo | None]:
        try:
            types = self.createmeta(client).issue_types()
        except JiraError as exc:
            doing = f"list the issue types the account can create in {project.key}"
            raise self.stop("Issue types", *in_words(exc, doing)) from None
        s = self.settings
        story = find_issue_type(types, s.story_issue_type)
        epic = find_issue_type(types, s.epic_issue_type)
        if epic is None:
            self.fail(
                "Issue types",
                missing_issue_type(s.epic_issue_type, "jira.epic_issue_type", project.key, types),
            )
        if story is None:
            raise self.stop(
                "Issue types",
                missing_issue_type(s.story_issue_type, "jira.story_issue_type", project.key, types),
            )
        if epic is not None:
            self.ok(
                "Issue types",
                f"Issue types '{story.name}' and '{epic.name}' can be created in {project.key}.",
            )
        return story, epic

    # ---- what the push's recovery and the status sync ask ----------------------------------
    def search(self, client: JiraClient) -> None:
        """A read-only search for the site's label: the push finds its issues again that way
        after a lost answer, and the sync asks the same endpoint for status changes."""
        label = site_label(self.settings.site_id)
        jql = f'labels = "{label}" ORDER BY created ASC'
        try:
            next(iter(client.search(jql, ["labels"], page_size=1)), None)
        except JiraError as exc:
            self.fail(
                "Search",
                *in_words(
                    exc,
                    "search Jira (it finds its issues again after a lost answer and syncs their "
                    "status that way)",
                ),
            )
            return
        how = (
            "by GET, because something in front of Jira refuses POST searches"
            if client.capabilities.search == "get"
            else "by POST"
        )
        self.ok("Search", f"Jira answers the tracker's searches for label {label} ({how}).")

    def status_sync(self, client: JiraClient) -> None:
        try:
            zone = fetch_time_zone(client)
        except JiraError as exc:
            doing = "read its own profile (the status sync reads Jira's dates in its time zone)"
            self.fail("Status sync", *in_words(exc, doing))
            return
        self.ok(
            "Status sync",
            f"The status sync reads Jira's dates in the account's time zone ({zone.key}).",
        )
