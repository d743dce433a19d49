"""Delivery seeded for tests: suggestions with stories linked to Jira issues, written straight
through the models as a push leaves them (no fake Jira needed), and issue snapshots built the way
the sync's parser builds them, applied through the delivery service."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tracker import db
from tracker.config import SyncSettings
from tracker.models import Initiative, JiraLink, PushState, Status, StoryDraft, Suggestion
from tracker.services.jira_status import delivery
from tracker.services.jira_status.snapshots import IssueSnapshot, StatusHistory

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
BROWSE = "https://jira.example.com/browse/"
_ids = itertools.count(10_001)


@dataclass(frozen=True)
class Story:
    id: int
    link_id: int | None
    jira_id: str
    key: str


@dataclass(frozen=True)
class Seeded:
    suggestion_id: int
    stories: list[Story]

    @property
    def jira_ids(self) -> list[str]:
        return [story.jira_id for story in self.stories if story.link_id is not None]


def seed(
    app: Flask,
    submitter_id: int,
    *,
    points: Sequence[int | None] = (3,),
    pushed: Sequence[bool] | None = None,
    status: Status = Status.IN_DELIVERY,
    initiative_id: int | None = None,
    confidential: bool = False,
    shared_with_vendors: bool = False,
    title: str = "Route scam appeals to specialists",
    status_name: str = "",
) -> Seeded:
    """A suggestion with one story per entry of `points`, each pushed unless `pushed` says not."""
    flags = list(pushed) if pushed is not None else [True] * len(points)
    with db.session_scope(app) as session:
        suggestion = Suggestion(
            title=title,
            problem="Appeals land in the general queue.",
            proposed_change="Route them to specialists.",
            area="Scams and fraud",
            submitter_id=submitter_id,
            status=status,
            initiative_id=initiative_id,
            confidential=confidential,
            shared_with_vendors=shared_with_vendors,
        )
        session.add(suggestion)
        session.flush()
        assert suggestion.id is not None
        stories = []
        for number, (story_points, is_pushed) in enumerate(zip(points, flags, strict=True), 1):
            draft = StoryDraft(
                suggestion_id=suggestion.id,
                initiative_id=initiative_id,
                summary=f"{title}: part {number}",
                story_points=story_points,
                state="ready",
            )
            session.add(draft)
            session.flush()
            assert draft.id is not None
            jira_id = str(next(_ids))
            key = f"OPS-{jira_id}"
            link_id = None
            if is_pushed:
                link = pushed_link(jira_id, key, story_id=draft.id, status_name=status_name)
                session.add(link)
                session.flush()
                link_id = link.id
            stories.append(Story(draft.id, link_id, jira_id, key))
        return Seeded(suggestion.id, stories)


def pushed_link(
    jira_id: str,
    key: str,
    *,
    status_name: str = "",
    story_id: int | None = None,
    initiative_id: int | None = None,
) -> JiraLink:
    category = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}
    return JiraLink(
        label=f"tracker-{jira_id}",
        state=PushState.PUSHED.value,
        jira_id=jira_id,
        jira_key=key,
        browse_url=BROWSE + key,
        pushed_at=T0,
        status_name=status_name,
        status_category=category.get(status_name, ""),
        delivery_state={"new": "todo", "indeterminate": "in_progress", "done": "done"}.get(
            category.get(status_name, ""), ""
        ),
        story_id=story_id,
        initiative_id=initiative_id,
    )


def seed_initiative(
    app: Flask, name: str = "Scam routing", *, epic: bool = False
) -> tuple[int, str]:
    """An initiative (and its pushed epic when `epic`); returns its id and the epic's Jira id."""
    with db.session_scope(app) as session:
        initiative = Initiative(name=name)
        session.add(initiative)
        session.flush()
        assert initiative.id is not None
        jira_id = str(next(_ids))
        if epic:
            session.add(pushed_link(jira_id, f"OPS-{jira_id}", initiative_id=initiative.id))
        return initiative.id, jira_id


def snap(
    story: Story | str,
    status: str = "In Progress",
    category: str = "indeterminate",
    *,
    histories: Sequence[StatusHistory] = (),
    updated: datetime | None = None,
    **fields: Any,
) -> IssueSnapshot:
    jira_id = story if isinstance(story, str) else story.jira_id
    key = fields.pop("key", f"OPS-{jira_id}")
    return IssueSnapshot(
        jira_id=jira_id,
        key=key,
        status_name=status,
        status_category=category,
        updated=updated or T0 + timedelta(hours=1),
        histories=tuple(histories),
        **fields,
    )


def done(story: Story, *, at: datetime, history_id: str | None = None) -> IssueSnapshot:
    """The story moved from In Progress to Done at `at`, with that history."""
    history = StatusHistory(
        history_id or f"h-{story.jira_id}-done", at, "Dana Dev", "In Progress", "Done"
    )
    return snap(story, "Done", "done", histories=[history], updated=at)


def apply(
    app: Flask,
    snapshots: Sequence[IssueSnapshot],
    *,
    settings: SyncSettings | None = None,
    now: datetime | None = None,
    source: str = "sync",
) -> delivery.ApplyResult:
    with db.session_scope(app) as session:
        return delivery.apply_snapshots(
            session, snapshots, source=source, now=now or T0 + timedelta(days=1),
            settings=settings or SyncSettings(),
        )  # fmt: skip
