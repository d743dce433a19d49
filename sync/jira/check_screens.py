"""The create-screen half of 'Test Jira connection' (sync/jira/check.py): the story and epic
create screens hold every field the tracker sets and require none it leaves empty, and the
story points and epic link fields are found and on the screen."""

from __future__ import annotations

from collections.abc import Sequence

from sync.jira.check_words import in_words
from sync.jira.client import CLOUD, JiraClient
from sync.jira.createmeta import CreateMetaReader, IssueTypeInfo, ScreenField
from sync.jira.discovery import (
    FieldInfo,
    find_epic_link,
    find_epic_name,
    find_story_points,
    required_ids,
)
from sync.jira.errors import JiraError
from tracker.config import JiraSettings
from tracker.services.ports import CheckResult

# Fields on the story create screen the tracker sets: id -> (name, why it needs them).
NEEDED_ON_SCREEN = {
    "summary": ("Summary", "every story has a title"),
    "description": ("Description", "the story text goes there"),
    "labels": ("Labels", "the tracker finds its issues again by their labels"),
    "priority": ("Priority", "the tracker sets each story's priority"),
}
# Set on every create (or by Jira itself), so a required one is no problem.
ALWAYS_FILLED = frozenset({"project", "issuetype", "reporter", *NEEDED_ON_SCREEN})


class Stop(Exception):
    """A failure the remaining checks depend on."""


class ScreenChecks:
    """Mixed into the check run; needs its settings, key, results and reporting methods."""

    settings: JiraSettings
    key: str
    results: list[CheckResult]
    _reader: CreateMetaReader | None

    def ok(self, name: str, message: str) -> None:
        self.results.append(CheckResult(name, True, message))

    def fail(self, name: str, message: str, detail: str = "") -> None:
        self.results.append(CheckResult(name, False, message, detail))

    def stop(self, name: str, message: str, detail: str = "") -> Stop:
        self.fail(name, message, detail)
        return Stop()

    def createmeta(self, client: JiraClient) -> CreateMetaReader:
        if self._reader is None:
            self._reader = CreateMetaReader(client, self.key)
        return self._reader

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

    def epic_screen(
        self, client: JiraClient, fields: list[FieldInfo], epic: IssueTypeInfo
    ) -> list[ScreenField]:
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
        return screen

    def _screen(self, client: JiraClient, issue_type: IssueTypeInfo) -> list[ScreenField]:
        try:
            return self.createmeta(client).screen(issue_type)
        except JiraError as exc:
            raise self.stop(
                "Create screen",
                *in_words(exc, f"read the create screen of {issue_type.name} in {self.key}"),
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
