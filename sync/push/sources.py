"""The database rows a push batch makes its Jira fields from, loaded in a few queries, and the
checks that stop a link from being sent (pure once loaded: no HTTP)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from sync.jira.discovery import SiteMetadata
from sync.mapping.payload import epic_fields, story_fields
from tracker.config import JiraSettings
from tracker.models import DraftState, Initiative, JiraLink, PushState, StoryDraft, Suggestion


class CannotPush(Exception):
    """This link cannot be sent as it stands; the message is its failure reason."""


_Row = TypeVar("_Row", StoryDraft, Suggestion, Initiative)


@dataclass
class BatchSources:
    """Drafts, their suggestions, and the initiatives and epic links they belong to."""

    drafts: dict[int, StoryDraft]
    suggestions: dict[int, Suggestion]
    epics: dict[int, JiraLink]  # initiative id -> its epic's link
    initiatives: dict[int, Initiative]

    @classmethod
    def load(cls, session: Session, links: Sequence[JiraLink]) -> BatchSources:
        """The rows behind these story and epic links (four queries at most)."""
        story_ids = [link.story_id for link in links if link.story_id is not None]
        drafts = _by_id(session.exec(select(StoryDraft).where(col(StoryDraft.id).in_(story_ids))))
        suggestion_ids = {draft.suggestion_id for draft in drafts.values()}
        suggestions = _by_id(
            session.exec(select(Suggestion).where(col(Suggestion.id).in_(suggestion_ids)))
        )
        initiative_ids = {d.initiative_id for d in drafts.values() if d.initiative_id is not None}
        initiative_ids |= {link.initiative_id for link in links if link.initiative_id is not None}
        if not initiative_ids:
            return cls(drafts, suggestions, {}, {})
        epic_links = session.exec(
            select(JiraLink).where(col(JiraLink.initiative_id).in_(initiative_ids))
        )
        initiatives = session.exec(select(Initiative).where(col(Initiative.id).in_(initiative_ids)))
        return cls(
            drafts,
            suggestions,
            {link.initiative_id: link for link in epic_links if link.initiative_id},
            _by_id(initiatives),
        )

    def fields(
        self,
        link: JiraLink,
        *,
        site: SiteMetadata,
        jira: JiraSettings,
        tracker_url: str,
        job_id: int,
    ) -> dict[str, Any]:
        """The create fields for the link's story or epic. Raises CannotPush when the story is
        not ready any more, its epic failed in this job, or the site has no epic type."""
        if link.initiative_id is not None:
            initiative = self.initiatives.get(link.initiative_id)
            if initiative is None:
                raise CannotPush("The initiative no longer exists.")
            try:
                return epic_fields(
                    initiative,
                    site=site,
                    jira=jira,
                    tracker_url=tracker_url,
                    label=link.label,
                )
            except ValueError as exc:
                raise CannotPush(str(exc)) from exc
        draft = self.drafts.get(link.story_id or 0)
        suggestion = self.suggestions.get(draft.suggestion_id) if draft else None
        if draft is None or suggestion is None:
            raise CannotPush("The story draft no longer exists.")
        if draft.state != DraftState.READY:
            raise CannotPush("The story is no longer ready; mark it ready and push it again.")
        return story_fields(
            draft,
            suggestion,
            site=site,
            jira=jira,
            tracker_url=tracker_url,
            label=link.label,
            epic_key=self._epic_key(draft, job_id),
        )

    def _epic_key(self, draft: StoryDraft, job_id: int) -> str | None:
        epic = self.epics.get(draft.initiative_id or 0)
        if epic is None:
            return None
        if epic.state == PushState.PUSHED:
            return epic.jira_key
        if epic.state == PushState.FAILED and epic.job_id == job_id:
            raise CannotPush(f"Its epic could not be created. {epic.last_error}".strip())
        return None  # the epic is not part of this push: the story goes in without one


def _by_id(rows: Iterable[_Row]) -> dict[int, _Row]:
    return {row.id: row for row in rows if row.id is not None}
