"""'Test Jira connection' against the fake Jira over real HTTP: every check passes on a healthy
site, and each broken set-up is reported in its one plain sentence."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from sync.jira.check import CheckResult, check_connection
from sync.jira.client import JiraClient
from tests.fakejira import FakeJira, FieldConfig
from tests.fakejira.catalog import FieldDef, IssueType
from tracker.config import JiraSettings

ALL_CHECKS = [
    "Configuration",
    "Connection",
    "Credentials",
    "Project",
    "Issue types",
    "Create screen",
    "Story points",
    "Epic link",
    "Epic create screen",
    "Search",
    "Status sync",
]
TEAM = FieldDef(
    "customfield_10100",
    "Team",
    {
        "type": "option",
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
        "customId": 10100,
    },
)


@dataclass(frozen=True)
class ReshapedScreens(FieldConfig):
    """The fake's fields with two changes it has no option for: extra required fields on
    every create screen, and fields taken off the screens (test-side only)."""

    extra_required: tuple[FieldDef, ...] = ()
    off_screen: frozenset[str] = frozenset()

    def all_fields(self) -> list[FieldDef]:
        return [*super().all_fields(), *self.extra_required]

    def screen(self, issue_type: IssueType) -> list[FieldDef]:
        return [f for f in super().screen(issue_type) if f.id not in self.off_screen]

    def required(self, issue_type: IssueType) -> set[str]:
        return super().required(issue_type) | {f.id for f in self.extra_required}


def reshape(fake: FakeJira, **changes: Any) -> None:
    config = ReshapedScreens(**vars(fake.config), **changes)
    fake.config = fake.state.config = config


def settings_for(fake: FakeJira, **overrides: Any) -> JiraSettings:
    values: dict[str, Any] = {"base_url": fake.url, "project_key": "OPS"}
    if fake.flavour == "cloud":
        values.update(email=fake.email, api_token=fake.api_token)
    else:
        values.update(personal_access_token=fake.pat)
    values.update(overrides)
    return JiraSettings(**values)


def no_sleep_factory(settings: JiraSettings) -> JiraClient:
    return JiraClient.from_settings(settings, sleep=lambda _: None)


def run(settings: JiraSettings) -> list[CheckResult]:
    return check_connection(settings, client_factory=no_sleep_factory)


def failures(results: list[CheckResult]) -> list[str]:
    return [r.message for r in results if not r.ok]


def test_healthy_site_passes_every_check(start_fake: Any, flavour: str) -> None:
    fake = start_fake()

    results = check_connection(settings_for(fake))  # the default factory, as the CLI calls it

    assert [r.name for r in results] == ALL_CHECKS
    assert failures(results) == []
    by_name = {r.name: r.message for r in results}
    kind = "Cloud" if flavour == "cloud" else "Data Center"
    assert (
        by_name["Connection"]
        == f"Jira {'.'.join(map(str, fake.version_numbers))} ({kind}) answers at {fake.url}."
    )
    if flavour == "cloud":
        assert (
            by_name["Story points"]
            == "Story points go to field 'Story point estimate' (customfield_10016)."
        )
    else:
        assert by_name["Epic link"] == "Stories are put under their epic with field 'Epic Link'."


def test_wrong_token_is_reported_with_the_settings_to_fix(start_fake: Any, flavour: str) -> None:
    fake = start_fake()
    wrong = {"api_token": "wrong"} if flavour == "cloud" else {"personal_access_token": "wrong"}

    results = run(settings_for(fake, deployment=flavour, **wrong))

    hint = "jira.email and jira.api_token" if flavour == "cloud" else "jira.personal_access_token"
    assert [(r.name, r.ok) for r in results] == [
        ("Configuration", True),
        ("Connection", True),
        ("Credentials", False),
    ]
    assert results[-1].message == f"Jira refused the credentials: check {hint}."
    assert "wrong" not in " ".join(r.message for r in results)


def test_wrong_token_with_auto_deployment(start_fake: Any, flavour: str) -> None:
    fake = start_fake()
    wrong = {"api_token": "wrong"} if flavour == "cloud" else {"personal_access_token": "wrong"}

    results = run(settings_for(fake, deployment="auto", **wrong))

    assert results[-1].name == "Credentials"
    assert results[-1].message.startswith("Jira refused the credentials: check jira.")


def test_unknown_project(start_fake: Any) -> None:
    fake = start_fake()

    results = run(settings_for(fake, project_key="NOPE"))

    assert results[-1] == CheckResult(
        "Project",
        False,
        f"Project NOPE does not exist on Jira at {fake.url} or the account cannot see it; check "
        "jira.project_key and the account's Browse projects permission.",
    )


def test_story_points_field_missing_from_the_site(start_fake: Any) -> None:
    # FakeJira(story_points_field="") keeps the default field, so the field is renamed instead:
    # the tracker then finds no field by the names it knows.
    fake = start_fake(story_points_name="Effort")

    results = run(settings_for(fake))

    assert failures(results) == [
        "No story points field was found on this Jira site (looked for 'Story Points' and "
        "'Story point estimate'); set jira.story_points_field to the field's id."
    ]


def test_configured_story_points_field_that_does_not_exist(start_fake: Any) -> None:
    fake = start_fake()

    results = run(settings_for(fake, story_points_field="customfield_404"))

    assert failures(results) == [
        "Story points field 'customfield_404' (jira.story_points_field) does not exist on this "
        "Jira site; set it to the field's id, or leave it empty to find the field by name."
    ]


def test_story_points_field_not_on_the_create_screen(start_fake: Any, flavour: str) -> None:
    fake = start_fake(story_points_name="Story Points")
    points = fake.config.story_points_field
    reshape(fake, off_screen=frozenset({points}))

    results = run(settings_for(fake))

    assert failures(results) == [
        "Story points field 'Story Points' is not on the create screen of project OPS; add it to "
        "the create screen of Story."
    ]


def test_required_field_the_tracker_does_not_fill(start_fake: Any) -> None:
    fake = start_fake()
    reshape(fake, extra_required=(TEAM,))

    results = run(settings_for(fake))

    assert failures(results) == [
        "Field 'Team' is required on the create screen of OPS but the tracker does not fill it; "
        "make it optional or give it a default.",
        "Field 'Team' is required on the create screen of Epic in OPS but the tracker does not "
        "fill it; make it optional or give it a default.",
    ]


def test_labels_missing_from_the_create_screen(start_fake: Any) -> None:
    fake = start_fake()
    reshape(fake, off_screen=frozenset({"labels"}))

    results = run(settings_for(fake))

    assert failures(results) == [
        "Field 'Labels' is not on the create screen of Story in project OPS; add it, because the "
        "tracker finds its issues again by their labels."
    ]


def test_configured_components_need_the_components_field(start_fake: Any) -> None:
    fake = start_fake()
    reshape(fake, off_screen=frozenset({"components"}))

    results = run(settings_for(fake, components=["Backend"]))

    assert failures(results) == [
        "Field 'Components' is not on the create screen of Story in project OPS; add it or "
        "empty jira.components."
    ]


def test_datacenter_without_epic_link_field() -> None:
    with FakeJira("datacenter", epic_link_field="") as fake:
        results = run(settings_for(fake))
        fake.assert_no_violations()

    assert failures(results) == [
        "No Epic Link field was found on this Jira site, so stories cannot be put under epics; "
        "make sure Jira Software is installed, or set jira.epic_link_field to the field's id."
    ]


def test_cloud_without_parent_on_the_story_screen() -> None:
    with FakeJira("cloud") as fake:
        reshape(fake, off_screen=frozenset({"parent"}))
        results = run(settings_for(fake))
        fake.assert_no_violations()

    assert failures(results) == [
        "Field 'Parent' is not on the create screen of project OPS, so stories cannot be put "
        "under epics; add it to the create screen of Story."
    ]


def test_unknown_issue_types_and_components(start_fake: Any) -> None:
    fake = start_fake()

    results = run(
        settings_for(
            fake, epic_issue_type="Initiative", story_issue_type="Bug", components=["Payments"]
        )
    )

    assert failures(results) == [
        "Component 'Payments' does not exist in project OPS; create it in Jira or remove it from "
        "jira.components.",
        "Issue type 'Initiative' cannot be created in project OPS; set jira.epic_issue_type to "
        "one of: Epic, Story, Task.",
        "Issue type 'Bug' cannot be created in project OPS; set jira.story_issue_type to one of: "
        "Epic, Story, Task.",
    ]


def test_deployment_setting_that_contradicts_server_info() -> None:
    with FakeJira("datacenter", deployment_type="Cloud") as fake:
        url = fake.url
        results = run(settings_for(fake, deployment="datacenter"))
        fake.assert_no_violations()

    assert (
        f"jira.deployment says Data Center but Jira at {url} is Cloud; set jira.deployment "
        'to "cloud" or "auto".'
    ) in failures(results)


def test_jira_failures_become_results_not_exceptions(start_fake: Any) -> None:
    fake = start_fake()
    fake.faults.add("GET", r"/project/OPS$", "500", times=None)

    results = run(settings_for(fake, max_attempts=2))

    assert results[-1].name == "Project"
    assert results[-1].message == (
        "Jira failed when asked to read project OPS; look at Jira's logs, or try again later."
    )
    assert results[-1].detail.startswith("Jira failed with HTTP 500 on GET /rest/api/")
    assert fake.call_count(r"/project/OPS$") == 2  # a read is retried before giving up


def test_not_configured_makes_no_request() -> None:
    results = check_connection(JiraSettings())

    assert results == [
        CheckResult(
            "Configuration",
            False,
            "Jira is not configured: set jira.base_url, jira.project_key and the token.",
        )
    ]


def test_unreachable_jira() -> None:
    with socket.socket() as sock:  # a free loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = JiraSettings(
        base_url=f"http://127.0.0.1:{port}", project_key="OPS", personal_access_token="pat"
    )

    results = run(settings)

    assert results[-1] == CheckResult(
        "Connection",
        False,
        f"Jira at http://127.0.0.1:{port} could not be reached (connection refused or unknown "
        "host); check jira.base_url and the network.",
    )
