"""'Test Jira connection': every way the Jira set-up can stop a push, each reported as one plain
sentence that names the fix. Made for `tracker jira check` and the admin page.

`check_connection` never raises for a Jira problem; each becomes a failed CheckResult. Later
checks need earlier ones (no project, no create screen), so a failure that blocks the rest
ends the list there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Flask

from sync.jira.client import CLOUD, JiraClient
from sync.jira.discovery import (
    FieldInfo,
    IssueTypeInfo,
    ProjectInfo,
    ScreenField,
    fetch_create_screen,
    fetch_fields,
    fetch_issue_types,
    fetch_project,
    find_epic_link,
    find_epic_name,
    find_issue_type,
    find_story_points,
    missing_issue_type,
    required_ids,
)
from sync.jira.errors import (
    JiraError,
    JiraForbidden,
    JiraNotConfigured,
    JiraNotFound,
    JiraUnauthorized,
)
from tracker.config import JiraSettings, Settings
from tracker.services.ports import CheckResult

__all__ = ["CheckResult", "check_connection", "check_site"]

ClientFactory = Callable[[JiraSettings], JiraClient]
# Fields on the story create screen the tracker sets: id -> (name, why it needs them).
NEEDED_ON_SCREEN = {
    "summary": ("Summary", "every story has a title"),
    "description": ("Description", "the story text goes there"),
    "labels": ("Labels", "the tracker finds its issues again by their labels"),
    "priority": ("Priority", "the tracker sets each story's priority"),
}
# Set on every create (or by Jira itself), so a required one is no problem.
ALWAYS_FILLED = frozenset({"project", "issuetype", "reporter", *NEEDED_ON_SCREEN})


class _Stop(Exception):
    """A failure the remaining checks depend on."""


def check_site(app: Flask, *, refresh: bool = False) -> list[CheckResult]:
    """`check_connection` for the app's configured site, with what the database knows about it
    (nothing stored is trusted when `refresh`; what the check learns is stored)."""
    settings: Settings = app.config["SETTINGS"]

    def factory(jira: JiraSettings) -> JiraClient:
        return JiraClient.from_settings(jira)

    return check_connection(settings.jira, factory)


def check_connection(
    settings: JiraSettings, client_factory: ClientFactory = JiraClient.from_settings
) -> list[CheckResult]:
    """Check the settings against the live site; one CheckResult per check or problem."""
    run = _Run(settings)
    try:
        run.configuration()
        client = run.connect(client_factory)
        try:
            run.against(client)
        finally:
            client.close()
    except _Stop:
        pass
    return run.results


class _Run:
    def __init__(self, settings: JiraSettings) -> None:
        self.settings = settings
        self.results: list[CheckResult] = []
        self.key = settings.project_key

    def ok(self, name: str, message: str) -> None:
        self.results.append(CheckResult(name, True, message))

    def fail(self, name: str, message: str) -> None:
        self.results.append(CheckResult(name, False, message))

    def stop(self, name: str, message: str) -> _Stop:
        self.fail(name, message)
        return _Stop()

    # ---- before any request ------------------------------------------------------------------
    def configuration(self) -> None:
        s = self.settings
        problem = None
        cloud_ready = bool(s.email and s.api_token.get_secret_value())
        dc_ready = bool(s.personal_access_token.get_secret_value())
        if not s.base_url:
            problem = "Jira is not configured: set jira.base_url, jira.project_key and the token."
        elif not s.project_key:
            problem = "Config key jira.project_key is empty; set it to the key of the project."
        elif s.deployment == "cloud" and not cloud_ready:
            problem = "Jira Cloud needs an account email and API token: set jira.email and "
            problem += "jira.api_token."
        elif s.deployment == "datacenter" and not dc_ready:
            problem = "Jira Data Center needs a personal access token: set "
            problem += "jira.personal_access_token."
        elif not (cloud_ready or dc_ready):
            problem = "No Jira credentials are configured: set jira.email and jira.api_token "
            problem += "(Cloud) or jira.personal_access_token (Data Center)."
        if problem:
            raise self.stop("Configuration", problem)
        self.ok("Configuration", f"The tracker uses project {s.project_key} at {s.base_url}.")

    def connect(self, client_factory: ClientFactory) -> JiraClient:
        try:
            return client_factory(self.settings)
        except JiraNotConfigured as exc:
            raise self.stop("Configuration", exc.message) from None
        except JiraUnauthorized as exc:
            self.ok("Connection", f"Jira answers at {self.settings.base_url}.")
            raise self.stop("Credentials", exc.message) from None
        except JiraError as exc:
            raise self.stop("Connection", exc.message) from None

    # ---- against the site --------------------------------------------------------------------
    def against(self, client: JiraClient) -> None:
        self.connection(client)
        fields = self.credentials(client)
        project = self.project(client)
        self.components(project)
        story, epic = self.issue_types(client, project)
        screen = self.story_screen(client, fields, story)
        self.story_points(fields, screen, story)
        self.epic_link(client, fields, screen, story)
        if epic is not None:
            self.epic_screen(client, fields, epic)

    def connection(self, client: JiraClient) -> None:
        try:
            info = client.server_info()
        except JiraUnauthorized as exc:
            self.ok("Connection", f"Jira answers at {client.base_url}.")
            raise self.stop("Credentials", exc.message) from None
        except JiraError as exc:
            raise self.stop("Connection", exc.message) from None
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

    def credentials(self, client: JiraClient) -> list[FieldInfo]:
        # serverInfo may answer anonymously, so the field list (which needs a login) decides.
        try:
            fields = fetch_fields(client)
        except JiraUnauthorized as exc:
            raise self.stop("Credentials", exc.message) from None
        except JiraError as exc:
            raise self.stop(
                "Fields", f"The tracker could not read Jira's field list. {exc.message}"
            ) from None
        who = (
            f"the account {self.settings.email}"
            if client.flavour == CLOUD
            else "the personal access token"
        )
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
            raise self.stop("Project", exc.message) from None
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
            types = fetch_issue_types(client, project.key)
        except JiraError as exc:
            raise self.stop("Issue types", exc.message) from None
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

    def story_screen(
        self, client: JiraClient, fields: list[FieldInfo], story: IssueTypeInfo
    ) -> list[ScreenField]:
        screen = self._screen(client, story)
        reported = len(self.results)
        on_screen = {f.id for f in screen}
        missing = [need for fid, need in NEEDED_ON_SCREEN.items() if fid not in on_screen]
        for name, why in missing:
            self.fail(
                "Create screen",
                f"Field '{name}' is not on the create screen of {story.name} in project "
                f"{self.key}; add it, because {why}.",
            )
        if self.settings.components and "components" not in on_screen:
            self.fail(
                "Create screen",
                f"Field 'Components' is not on the create screen of {story.name} in project "
                f"{self.key}; add it or empty jira.components.",
            )
        self._unfilled(screen, self._story_filled(client, fields, on_screen))
        if len(self.results) == reported:
            self.ok(
                "Create screen",
                f"The create screen of {story.name} in {self.key} has the fields the tracker "
                "sets and requires no other.",
            )
        return screen

    def epic_screen(self, client: JiraClient, fields: list[FieldInfo], epic: IssueTypeInfo) -> None:
        screen = self._screen(client, epic)
        reported = len(self.results)
        filled = set(ALWAYS_FILLED)
        epic_name = find_epic_name(fields) if client.flavour != CLOUD else None
        if epic_name is not None:
            filled.add(epic_name.id)  # Data Center epics need their Epic Name
        if self.settings.components:
            filled.add("components")
        self._unfilled(screen, filled, epic.name)
        if len(self.results) == reported:
            self.ok(
                "Epic create screen",
                f"The create screen of {epic.name} in {self.key} requires no field the tracker "
                "leaves empty.",
            )

    def _screen(self, client: JiraClient, issue_type: IssueTypeInfo) -> list[ScreenField]:
        try:
            return fetch_create_screen(client, self.key, issue_type.id)
        except JiraError as exc:
            raise self.stop(
                "Create screen",
                f"The tracker could not read the create screen of {issue_type.name} in "
                f"{self.key}. {exc.message}",
            ) from None

    def _story_filled(
        self, client: JiraClient, fields: list[FieldInfo], on_screen: set[str]
    ) -> set[str]:
        """What a story create sets: the basics, components if configured, story points and
        the epic field (a required one of those is the tracker's to fill, not a problem)."""
        s = self.settings
        filled = set(ALWAYS_FILLED) | ({"components"} if s.components else set())
        points = find_story_points(fields, s.story_points_field, on_screen)
        link = find_epic_link(fields, s.epic_link_field) if client.flavour != CLOUD else None
        filled.update(f.id for f in (points, link) if f is not None)
        filled.add("parent")
        return filled

    def _unfilled(
        self, screen: Sequence[ScreenField], filled: set[str], type_name: str | None = None
    ) -> None:
        """Report each required field the tracker leaves empty."""
        required = required_ids(screen)
        where = f"{type_name} in {self.key}" if type_name else self.key
        for f in screen:
            if f.id not in required or f.id in filled:
                continue
            self.fail(
                "Epic create screen" if type_name else "Create screen",
                f"Field '{f.name}' is required on the create screen of {where} but the "
                "tracker does not fill it; make it optional or give it a default.",
            )

    def story_points(
        self, fields: list[FieldInfo], screen: list[ScreenField], story: IssueTypeInfo
    ) -> None:
        configured = self.settings.story_points_field
        on_screen = {f.id for f in screen}
        found = find_story_points(fields, configured, on_screen)
        if found is None and configured:
            self.fail(
                "Story points",
                f"Story points field '{configured}' (jira.story_points_field) does not exist on "
                "this Jira site; set it to the field's id, or leave it empty to find the field by "
                "name.",
            )
        elif found is None:
            self.fail(
                "Story points",
                "No story points field was found on this Jira site (looked for 'Story Points' and "
                "'Story point estimate'); set jira.story_points_field to the field's id.",
            )
        elif found.id not in on_screen:
            self.fail(
                "Story points",
                f"Story points field '{found.name}' is not on the create screen of project "
                f"{self.key}; add it to the create screen of {story.name}.",
            )
        else:
            self.ok("Story points", f"Story points go to field '{found.name}' ({found.id}).")

    def epic_link(
        self,
        client: JiraClient,
        fields: list[FieldInfo],
        screen: list[ScreenField],
        story: IssueTypeInfo,
    ) -> None:
        on_screen = {f.id for f in screen}
        if client.flavour == CLOUD:
            if "parent" in on_screen:
                self.ok("Epic link", "Stories are put under their epic with the parent field.")
            else:
                self.fail(
                    "Epic link",
                    f"Field 'Parent' is not on the create screen of project {self.key}, so "
                    f"stories cannot be put under epics; add it to the create screen of "
                    f"{story.name}.",
                )
            return
        configured = self.settings.epic_link_field
        found = find_epic_link(fields, configured)
        if found is None and configured:
            self.fail(
                "Epic link",
                f"Epic Link field '{configured}' (jira.epic_link_field) does not exist on this "
                "Jira site; set it to the field's id, or leave it empty to find it by name.",
            )
        elif found is None:
            self.fail(
                "Epic link",
                "No Epic Link field was found on this Jira site, so stories cannot be put under "
                "epics; make sure Jira Software is installed, or set jira.epic_link_field to the "
                "field's id.",
            )
        elif found.id not in on_screen:
            self.fail(
                "Epic link",
                f"Epic Link field '{found.name}' is not on the create screen of project "
                f"{self.key}; add it to the create screen of {story.name}.",
            )
        else:
            self.ok("Epic link", f"Stories are put under their epic with field '{found.name}'.")
