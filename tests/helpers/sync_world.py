"""A status-sync world for the sync tests: stories pushed to the fake Jira through the real push
worker, then synced back with the fake's clock as the tracker's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from sync.pull.status_sync import SyncSummary, run_sync
from tests.fakejira import FakeJira, Issue
from tests.helpers.push_world import PushWorld
from tracker import db
from tracker.models import JiraLink, Status, StatusEvent, StoryDraft, SyncKind, SyncRun

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@dataclass
class SyncWorld:
    push: PushWorld

    @property
    def fake(self) -> FakeJira:
        return self.push.fake

    def pushed(self, count: int, initiative_id: int | None = None) -> list[int]:
        """`count` stories pushed to Jira (one suggestion each); their story ids."""
        story_ids = self.push.stories(count, initiative_id=initiative_id)
        self.push.push(story_ids)
        self.push.run()
        assert all(self.link(i).jira_id for i in story_ids)
        return story_ids

    def sync(self, kind: SyncKind = SyncKind.INCREMENTAL, **options: Any) -> SyncSummary:
        options.setdefault("client_factory", self.push.client)
        options.setdefault("now", lambda: self.fake.now)
        return run_sync(self.push.app, kind=kind, owner="test-sync", **options)

    def link(self, story_id: int) -> JiraLink:
        return self.push.links()[story_id]

    def issue(self, story_id: int) -> Issue:
        found = self.fake.issue_by_key(self.link(story_id).jira_id or "")
        assert found is not None
        return found

    def key(self, story_id: int) -> str:
        return self.issue(story_id).key

    def suggestion_of(self, story_id: int) -> int:
        with db.session_scope(self.push.app) as session:
            draft = session.get(StoryDraft, story_id)
            assert draft is not None
            return draft.suggestion_id

    def status_of(self, story_id: int) -> Status:
        return self.push.status_of(self.suggestion_of(story_id))

    def runs(self) -> list[SyncRun]:
        with db.session_scope(self.push.app) as session:
            return list(session.exec(select(SyncRun).order_by(col(SyncRun.id))).all())

    def events(self, story_id: int) -> list[StatusEvent]:
        with db.session_scope(self.push.app) as session:
            return list(
                session.exec(
                    select(StatusEvent)
                    .where(StatusEvent.story_id == story_id)
                    .order_by(col(StatusEvent.changed_at), col(StatusEvent.id))
                ).all()
            )

    def searches(self) -> list[Any]:
        """The bodies of the search calls the fake received, oldest first."""
        return [
            body
            for call, body in zip(self.fake.calls, self.fake.bodies, strict=True)
            if call.path.endswith(("/search", "/search/jql"))
        ]

    def search_calls(self) -> int:
        return self.fake.call_count(r"/search(/jql)?$")
