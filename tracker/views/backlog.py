"""The ranked backlog, the impact-effort matrix, CSV import and export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("backlog", __name__)
