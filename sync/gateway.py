"""The sync side of the ports in tracker/services/ports.py: what the web asks of Jira, the push
worker, the status sync and the digest job, delegated to the modules that do it.

`create_app` registers one gateway per app. Settings are read at each call, from the app, so
the gateway always acts on the configuration the app has now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlmodel import Session

from sync.jira import sites
from sync.jira.check import check_site
from sync.jobs import digest_send, kpi_pull_now
from sync.jobs.owners import thread_owner
from sync.mapping.description import adf_to_html, to_adf, to_wiki
from sync.mapping.issue_fields import parse_issue
from sync.mapping.payload import description_for
from sync.pull.manual import refusal, start_in_background
from sync.pull.status_sync import sync_enabled
from sync.push.engine import find_issue_for_relink, update_pushed_story
from sync.push.worker import start_worker_thread
from tracker.config import Settings
from tracker.models import JiraLink, StoryDraft, Suggestion, SyncKind, User
from tracker.services.jira_status.snapshots import IssueSnapshot
from tracker.services.ports import (
    CheckResult,
    DescriptionPreview,
    FoundIssue,
    SendNowResult,
)

__all__ = ["SyncGateway"]


class SyncGateway:
    """Implements JiraPort, DigestPort and KpiPullPort for one app."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def _settings(self) -> Settings:
        settings: Settings = self._app.config["SETTINGS"]
        return settings

    # ---- JiraPort --------------------------------------------------------------------------
    def check_connection(self) -> list[CheckResult]:
        return check_site(self._app)

    def description_preview(self, draft: StoryDraft, suggestion: Suggestion) -> DescriptionPreview:
        description = description_for(draft, suggestion, self._settings().base_url)
        adf = to_adf(description)
        return DescriptionPreview(wiki=to_wiki(description), adf=adf, html=adf_to_html(adf))

    def update_story(self, session: Session, *, actor: User, story_id: int) -> JiraLink:
        settings = self._settings()
        with sites.connected(self._app, settings.jira) as client:
            return update_pushed_story(
                session, client, settings=settings, actor=actor, story_id=story_id
            )

    def find_issue(self, key: str) -> FoundIssue:
        with sites.connected(self._app, self._settings().jira) as client:
            jira_id, jira_key, browse_url = find_issue_for_relink(client, key)
        return FoundIssue(jira_id=jira_id, jira_key=jira_key, browse_url=browse_url)

    def start_push_worker(self) -> None:
        start_worker_thread(self._app)

    def sync_enabled(self) -> bool:
        return sync_enabled(self._app)

    def sync_refusal(self, kind: SyncKind) -> str | None:
        return refusal(self._app, kind=kind)

    def start_sync(self, *, kind: SyncKind, owner: str) -> None:
        start_in_background(self._app, kind=kind, owner=owner)

    def worker_name(self, role: str) -> str:
        return thread_owner(role)

    def parse_webhook_issue(self, issue: Mapping[str, Any]) -> IssueSnapshot:
        # Sprints are left to the sync, which knows the site's sprint field; None keeps them.
        return parse_issue(issue, sprint_field=None)

    # ---- KpiPullPort -----------------------------------------------------------------------
    def kpi_pull_refusal(self, source: str) -> str | None:
        return kpi_pull_now.refusal(self._app, name=source)

    def start_kpi_pull(self, *, source: str, owner: str) -> None:
        kpi_pull_now.start_in_background(self._app, name=source, owner=owner)

    # ---- DigestPort ------------------------------------------------------------------------
    def send_now(self, *, actor: User) -> SendNowResult:
        return digest_send.send_now(self._app, actor=actor)
