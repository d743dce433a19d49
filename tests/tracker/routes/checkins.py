"""Vendor check-in packs."""

from tests.tracker.routes import PRODUCT, Row
from tracker.models import Role

CHECKIN_READERS = frozenset({Role.VENDOR, Role.STAKEHOLDER, Role.PM, Role.ADMIN})

ROWS: dict[str, Row] = {
    "checkins.index": ("GET", "/organisations/checkins", CHECKIN_READERS),
    "checkins.show": ("GET", "/organisations/999/checkin", CHECKIN_READERS),
    "checkins.record": ("POST", "/organisations/999/checkin", PRODUCT),
    "checkins.export": ("GET", "/organisations/999/checkin.md", CHECKIN_READERS),
}
