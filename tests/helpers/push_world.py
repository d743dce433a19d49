"""A push world: an app wired to a fake Jira, with ready story drafts seeded through the
services and the push worker run in-process."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import update
from sqlmodel import Session, col, select

from sync.jira.client import JiraClient
from sync.push.worker import run_pending_jobs
from tests.fakejira import FakeJira
from tests.helpers.jira import SITE_ID
from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.config import JiraSettings
from tracker.models import JiraLink, PushJob, Status, Suggestion, User, utcnow
from tracker.services.stories import drafts as stories
from tracker.services.stories import initiatives, push_queue


@dataclass
class PushWorld:
    app: Flask
    fake: FakeJira
    pm: User
    waits: list[float] = field(default_factory=list)
    counter: int = 0

    @contextmanager
    def as_pm(self) -> Iterator[tuple[Session, User]]:
        """A unit of work acting as the world's PM."""
        with db.session_scope(self.app) as session:
            actor = session.get(User, self.pm.id)
            assert actor is not None
            yield session, actor

    def stories(self, count: int, initiative_id: int | None = None) -> list[int]:
        """`count` ready drafts, one per new accepted, RICE-scored suggestion."""
        settings = self.app.config["SETTINGS"].stories
        ids = []
        for _ in range(count):
            self.counter += 1
            title = f"Route scam appeals to the specialist queue {self.counter}"
            suggestion_id = accepted_idea(self.app, self.pm, title)
            with self.as_pm() as (session, actor):
                if initiative_id is not None:
                    initiatives.add_suggestion(
                        session,
                        actor=actor,
                        initiative_id=initiative_id,
                        suggestion_id=suggestion_id,
                    )
                draft = stories.generate_draft(
                    session, actor=actor, suggestion_id=suggestion_id, settings=settings
                )
                assert draft.id is not None
                stories.mark_ready(session, actor=actor, draft_id=draft.id, settings=settings)
                ids.append(draft.id)
        return ids

    def initiative(self, name: str = "Faster scam handling") -> int:
        with self.as_pm() as (session, actor):
            data = initiatives.InitiativeInput(
                name=name, goal="Halve scam handling time.", owner_id=actor.id, target_date=None
            )
            made = initiatives.create_initiative(session, actor=actor, data=data)
            assert made.id is not None
            return made.id

    def push(self, story_ids: list[int]) -> int:
        with self.as_pm() as (session, actor):
            job = push_queue.request_push(
                session, actor=actor, story_ids=story_ids, site_id=SITE_ID
            )
            assert job.id is not None
            return job.id

    def push_initiative(self, initiative_id: int) -> int:
        with self.as_pm() as (session, actor):
            job = push_queue.request_initiative_push(
                session, actor=actor, initiative_id=initiative_id, site_id=SITE_ID
            )
            assert job.id is not None
            return job.id

    def client(self, settings: JiraSettings) -> JiraClient:
        return JiraClient.from_settings(settings, sleep=self.waits.append)

    def run(self, **options: Any) -> int:
        """Run the push worker in-process; waits are recorded instead of slept."""
        options.setdefault("client_factory", self.client)
        return run_pending_jobs(self.app, owner="test-worker", sleep=self.waits.append, **options)

    def links(self) -> dict[int, JiraLink]:
        """Story id -> its link."""
        with db.session_scope(self.app) as session:
            found = session.exec(select(JiraLink).where(col(JiraLink.story_id).is_not(None)))
            return {link.story_id: link for link in found if link.story_id is not None}

    def epic_link(self, initiative_id: int) -> JiraLink:
        with db.session_scope(self.app) as session:
            link = session.exec(
                select(JiraLink).where(JiraLink.initiative_id == initiative_id)
            ).one()
            return link

    def job(self, job_id: int) -> PushJob:
        with db.session_scope(self.app) as session:
            job = session.get(PushJob, job_id)
            assert job is not None
            return job

    def status_of(self, suggestion_id: int) -> Status:
        with db.session_scope(self.app) as session:
            suggestion = session.get(Suggestion, suggestion_id)
            assert suggestion is not None
            return suggestion.status

    def issues_per_label(self) -> Counter[str]:
        """How many issues in the fake carry each tracker label."""
        return Counter(
            label
            for issue in self.fake.issues()
            for label in issue.labels
            if label.startswith(f"trk-{SITE_ID}-")
        )

    def expire_leases(self) -> None:
        """As if the worker holding each job died long enough ago."""
        with db.session_scope(self.app) as session:
            session.execute(update(PushJob).values(lease_until=utcnow() - timedelta(seconds=1)))
