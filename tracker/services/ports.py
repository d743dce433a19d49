"""The doors from the web to sync/: what views, the API and the CLI may ask of Jira and of the
scheduled jobs, as typed interfaces.

Views and the API never import sync/ (tests/test_architecture.py). `create_app` registers the
implementation (sync/gateway.py) with `register`; a view asks `jira(current_app)` or
`digests(current_app)` for it, and catches the exceptions below, which sync's own Jira errors
(sync/jira/errors.py) subclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from markupsafe import Markup

from tracker.db import on_commit
from tracker.models import JiraLink, StoryDraft, Suggestion, SyncKind, User
from tracker.services.jira_status.snapshots import IssueSnapshot

if TYPE_CHECKING:
    from flask import Flask
    from sqlmodel import Session

__all__ = [
    "CheckResult",
    "DescriptionPreview",
    "DigestPort",
    "FoundIssue",
    "JiraFailure",
    "JiraMissing",
    "JiraPort",
    "JiraUnreadable",
    "KpiPullPort",
    "SendNowResult",
    "SendReport",
    "digests",
    "jira",
    "kpi_pulls",
    "register",
]

_JIRA_PORT = "jira_port"
_DIGEST_PORT = "digest_port"
_KPI_PULL_PORT = "kpi_pull_port"


# ---- errors ------------------------------------------------------------------------------------
class JiraFailure(Exception):
    """Jira could not do what was asked; `message` (also `str(exc)`) is one sentence to show,
    without tokens or request headers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JiraMissing(JiraFailure):
    """No such thing in Jira, or the account cannot see it (Jira does not say which)."""


class JiraUnreadable(JiraFailure):
    """What came from Jira (an answer, or a webhook's issue) is not the JSON expected."""


# ---- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    """One line of the connection check: what was checked, whether it passed, and the sentence
    that says why (naming the fix when it failed)."""

    name: str
    ok: bool
    message: str
    # Jira's own answer behind a failure (endpoint, status, its words), for whoever digs further.
    detail: str = ""


@dataclass(frozen=True)
class DescriptionPreview:
    """A story's description as Jira will store it: wiki markup on Data Center, Atlassian
    Document Format on Cloud, and that ADF as HTML for the preview page."""

    wiki: str
    adf: dict[str, Any]
    html: Markup


@dataclass(frozen=True)
class FoundIssue:
    """An existing issue to link a story to; the key is the current one (a moved issue has a
    new key)."""

    jira_id: str
    jira_key: str
    browse_url: str


@dataclass
class SendReport:
    """How one run of emailing digests went."""

    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0  # SENDING rows left by a crashed run; never resent
    skipped: int = 0  # the person was deactivated or turned digests off after preparing
    busy: bool = False  # another run holds the sender lease; this one sent nothing
    errors: list[str] = field(default_factory=list)


@dataclass
class SendNowResult:
    prepared: int
    report: SendReport


# ---- the ports ---------------------------------------------------------------------------------
class JiraPort(Protocol):
    """Jira, the push worker and the status sync, for the app the port was registered on."""

    def check_connection(self) -> list[CheckResult]:
        """Every check of the Jira settings against the live site (creates nothing); Jira
        trouble is a failed result, never an exception."""
        ...

    def description_preview(self, draft: StoryDraft, suggestion: Suggestion) -> DescriptionPreview:
        """The draft's description in both of Jira's formats (pure: no request)."""
        ...

    def update_story(self, session: Session, *, actor: User, story_id: int) -> JiraLink:
        """Bring a pushed draft's issue up to date: summary, description, points, labels,
        priority and the epic of its initiative. Does not commit. Raises a DomainError (not
        visible, not in Jira yet) or a JiraFailure."""
        ...

    def find_issue(self, key: str) -> FoundIssue:
        """The issue with this key, for relinking. Raises JiraMissing when the account sees no
        such issue, another JiraFailure when Jira cannot be asked."""
        ...

    def start_push_worker(self) -> None:
        """Run the queued pushes in a background thread; safe to call often."""
        ...

    def sync_enabled(self) -> bool:
        """Whether the scheduler runs the status sync (Jira configured, sync and scheduler on)."""
        ...

    def sync_refusal(self, kind: SyncKind) -> str | None:
        """Why a sync of `kind` cannot start now, as a sentence, or None if it can."""
        ...

    def start_sync(self, *, kind: SyncKind, owner: str) -> None:
        """Start a sync of `kind` in a background thread under the scheduler job's lease."""
        ...

    def worker_name(self, role: str) -> str:
        """This process and thread as a lease owner, e.g. "web-host1-4242-139872"."""
        ...

    def parse_webhook_issue(self, issue: Mapping[str, Any]) -> IssueSnapshot:
        """The issue of a webhook delivery as a snapshot. Raises JiraUnreadable."""
        ...


class DigestPort(Protocol):
    """The digest job, for the PMs' "send now" button."""

    def send_now(self, *, actor: User) -> SendNowResult:
        """Prepare every audience's digest for the period ending now and email them. Raises
        PermissionDenied for anyone but PMs, Conflict when no mail server is configured."""
        ...


class KpiPullPort(Protocol):
    """The warehouse pulls of `[kpis.sources]`, for the admin page's "Pull now" buttons."""

    def kpi_pull_refusal(self, source: str) -> str | None:
        """Why `source` cannot be pulled now (unknown, or a pull of it is running), or None."""
        ...

    def start_kpi_pull(self, *, source: str, owner: str) -> None:
        """Pull `source` in a background thread under the scheduler job's lease."""
        ...

    def worker_name(self, role: str) -> str:
        """This process and thread as a lease owner."""
        ...


# ---- registration ------------------------------------------------------------------------------
def register(
    app: Flask,
    *,
    jira_port: JiraPort,
    digest_port: DigestPort,
    kpi_pull_port: KpiPullPort | None = None,
) -> None:
    """Make the implementations the app's ports (create_app calls this once; a test replacing
    one port may leave the KPI pull port as it was)."""
    app.extensions[_JIRA_PORT] = jira_port
    app.extensions[_DIGEST_PORT] = digest_port
    if kpi_pull_port is not None:
        app.extensions[_KPI_PULL_PORT] = kpi_pull_port


def jira(app: Flask) -> JiraPort:
    """The app's Jira port."""
    port: JiraPort = app.extensions[_JIRA_PORT]
    return port


def digests(app: Flask) -> DigestPort:
    """The app's digest port."""
    port: DigestPort = app.extensions[_DIGEST_PORT]
    return port


def kpi_pulls(app: Flask) -> KpiPullPort:
    """The app's port to the warehouse pulls."""
    port: KpiPullPort = app.extensions[_KPI_PULL_PORT]
    return port


def wake_push_worker(app: Flask) -> None:
    """Start the push worker once this request's work is committed (it must see the new rows):
    it runs queued pushes and moves stories whose initiative changed under the right epic.
    A testing app starts nothing: tests run the queue themselves, synchronously."""
    if app.testing or not app.config["SETTINGS"].jira.base_url:
        return
    on_commit(lambda: jira(app).start_push_worker())
