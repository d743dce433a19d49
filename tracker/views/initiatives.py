"""Initiatives: cross-functional goals grouping accepted suggestions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")
