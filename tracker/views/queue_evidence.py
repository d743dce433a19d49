"""Evidence from data for the submit form (to be written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("queue_evidence", __name__, url_prefix="/queues/evidence")
