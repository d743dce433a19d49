"""Submitting, reading and deciding on suggestions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
