"""Queue pages and queue management (to be written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("queues", __name__, url_prefix="/queues")
