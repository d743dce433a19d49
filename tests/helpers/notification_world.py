"""A small world for notification tests: ideas, votes and real status changes made through the
services (decisions, push_queue, delivery), and the notification job run at a chosen time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlmodel import Session, col, select

from sync.jobs import notifications as notification_jobs
from tests.helpers.suggestions import AREAS, suggestion_input
from tracker import db
from tracker.models import (
    DeliveryState,
    JiraLink,
    Notification,
    PushJob,
    Role,
    StoryDraft,
    User,
    utcnow,
)
from tracker.services.jira_status import delivery
from tracker.services.stories import drafts, push_execution
from tracker.services.suggestions import decisions, engagement, submissions

RICE = {"reach": 400, "impact": 2, "confidence": 80, "effort": 3}


@dataclass
class IdeaWorld:
    app: Flask
    make_user: Callable[..., User]
    pm: User

    def user(self, role: Role | str = Role.SUBMITTER, **overrides: Any) -> User:
        return self.make_user(role, **overrides)

    def _actor(self, session: Session, user: User | None) -> User:
        found = session.get(User, (user or self.pm).id)
        assert found is not None
        return found

    def idea(self, author: User, *, shared_with_vendors: bool = False, **fields: Any) -> int:
        with db.session_scope(self.app) as session:
            created = submissions.create_suggestion(
                session,
                actor=self._actor(session, author),
                raw=suggestion_input(**fields),
                areas=AREAS,
            )
            created.shared_with_vendors = shared_with_vendors and not created.confidential
            session.add(created)
            session.flush()
            assert created.id is not None
            return created.id

    def vote(self, voter: User, suggestion_id: int) -> None:
        with db.session_scope(self.app) as session:
            engagement.vote(session, actor=self._actor(session, voter), suggestion_id=suggestion_id)

    def accept(self, suggestion_id: int, *, by: User | None = None, reason: str = "") -> None:
        with db.session_scope(self.app) as session:
            actor = self._actor(session, by)
            decisions.score(
                session, actor=actor, suggestion_id=suggestion_id, framework="rice", inputs=RICE
            )
            decisions.change_status(
                session, actor=actor, suggestion_id=suggestion_id, to="accepted", reason=reason
            )

    def decline(self, suggestion_id: int, reason: str, *, by: User | None = None) -> None:
        with db.session_scope(self.app) as session:
            decisions.change_status(
                session,
                actor=self._actor(session, by),
                suggestion_id=suggestion_id,
                to="declined",
                reason=reason,
            )

    def merge(self, duplicate_id: int, target_id: int, *, by: User | None = None) -> None:
        with db.session_scope(self.app) as session:
            decisions.merge(
                session,
                actor=self._actor(session, by),
                duplicate_id=duplicate_id,
                target_id=target_id,
            )

    def push(self, suggestion_id: int, jira_key: str) -> None:
        """A story drafted from the accepted idea, pushed at the PM's request and created in
        Jira as `jira_key` (what the push worker records)."""
        settings = self.app.config["SETTINGS"].stories
        with db.session_scope(self.app) as session:
            draft = drafts.generate_draft(
                session,
                actor=self._actor(session, None),
                suggestion_id=suggestion_id,
                settings=settings,
            )
            job = PushJob(requested_by_id=self.pm.id, total=1)
            session.add(job)
            session.flush()
            link = JiraLink(story_id=draft.id, label=f"tracker-story-{draft.id}", job_id=job.id)
            session.add(link)
            session.flush()
            push_execution.mark_pushed(
                session,
                link=link,
                jira_id=f"1{draft.id}",
                jira_key=jira_key,
                browse_url=f"https://jira.example/browse/{jira_key}",
            )

    def deliver(self, suggestion_id: int) -> None:
        """Every story of the idea done in Jira, rolled up the way the status sync does it."""
        with db.session_scope(self.app) as session:
            links = session.exec(
                select(JiraLink)
                .join(StoryDraft, col(JiraLink.story_id) == col(StoryDraft.id))
                .where(StoryDraft.suggestion_id == suggestion_id)
            ).all()
            for link in links:
                link.delivery_state = DeliveryState.DONE.value
                link.status_name = "Done"
                link.status_since = utcnow()
                session.add(link)
            session.flush()
            assert delivery.roll_up(session, suggestion_ids=[suggestion_id], now=utcnow()) == 1

    def deactivate(self, user: User) -> None:
        with db.session_scope(self.app) as session:
            found = self._actor(session, user)
            found.is_active = False
            session.add(found)

    def run(self, now: datetime | None = None) -> notification_jobs.NotificationReport:
        return notification_jobs.run(self.app, now=now)

    def notifications(self, user: User | None = None) -> list[Notification]:
        with db.session_scope(self.app) as session:
            query = select(Notification).order_by(col(Notification.id))
            if user is not None:
                query = query.where(Notification.user_id == user.id)
            return list(session.exec(query).all())
