"""SQLModel table classes. Import from here; the submodules group them by area."""

from tracker.models.accounts import (
    ApiToken,
    BrowserSession,
    Organisation,
    Role,
    SignInFailure,
    User,
)
from tracker.models.base import UTCDateTime, metadata, utcnow
from tracker.models.benefits import Benefit, BenefitState, CheckIn
from tracker.models.digests import (
    AreaSubscription,
    Audience,
    DeliveryStatus,
    Digest,
    DigestDelivery,
    EmailPreference,
    Notification,
)
from tracker.models.initiatives import Health, Initiative, InitiativeStakeholder
from tracker.models.jira import JiraLink, JiraSite, JobState, PushJob, PushState
from tracker.models.kpis import (
    KpiLoad,
    KpiSignal,
    KpiValue,
    LoadChannel,
    LoadState,
    Queue,
    QueueOrganisation,
    SignalKind,
)
from tracker.models.stories import DraftState, StoryDraft
from tracker.models.suggestions import Comment, Status, StatusChange, Suggestion, Vote, Watch
from tracker.models.sync import (
    DeliveryState,
    JobLease,
    RunState,
    SchedulerHeartbeat,
    StatusEvent,
    SyncKind,
    SyncRun,
    WebhookDelivery,
)

__all__ = [
    "ApiToken",
    "AreaSubscription",
    "Audience",
    "Benefit",
    "BenefitState",
    "BrowserSession",
    "CheckIn",
    "Comment",
    "DeliveryState",
    "DeliveryStatus",
    "Digest",
    "DigestDelivery",
    "DraftState",
    "EmailPreference",
    "Health",
    "Initiative",
    "InitiativeStakeholder",
    "JiraLink",
    "JiraSite",
    "JobLease",
    "JobState",
    "KpiLoad",
    "KpiSignal",
    "KpiValue",
    "LoadChannel",
    "LoadState",
    "Notification",
    "Organisation",
    "PushJob",
    "PushState",
    "Queue",
    "QueueOrganisation",
    "Role",
    "RunState",
    "SchedulerHeartbeat",
    "SignInFailure",
    "SignalKind",
    "Status",
    "StatusChange",
    "StatusEvent",
    "StoryDraft",
    "Suggestion",
    "SyncKind",
    "SyncRun",
    "UTCDateTime",
    "User",
    "Vote",
    "Watch",
    "WebhookDelivery",
    "metadata",
    "utcnow",
]
