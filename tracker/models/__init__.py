"""SQLModel table classes. Import from here; the submodules group them by area."""

from tracker.models.accounts import ApiToken, Organisation, Role, User
from tracker.models.base import UTCDateTime, metadata, utcnow
from tracker.models.initiatives import Health, Initiative, InitiativeStakeholder
from tracker.models.jira import JiraLink, JobState, PushJob, PushState
from tracker.models.stories import DraftState, StoryDraft
from tracker.models.suggestions import Comment, Status, StatusChange, Suggestion, Vote, Watch

__all__ = [
    "ApiToken",
    "Comment",
    "DraftState",
    "Health",
    "Initiative",
    "InitiativeStakeholder",
    "JiraLink",
    "JobState",
    "Organisation",
    "PushJob",
    "PushState",
    "Role",
    "Status",
    "StatusChange",
    "StoryDraft",
    "Suggestion",
    "UTCDateTime",
    "User",
    "Vote",
    "Watch",
    "metadata",
    "utcnow",
]
