"""User-story drafts: generate, edit, lint, mark ready, preview."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stories", __name__, url_prefix="/stories")
