"""SQLModel table classes. Import from here; the submodules group them by area."""

from tracker.models.accounts import ApiToken, Organisation, Role, User
from tracker.models.base import UTCDateTime, metadata, utcnow

__all__ = ["ApiToken", "Organisation", "Role", "UTCDateTime", "User", "metadata", "utcnow"]
