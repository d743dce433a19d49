"""KPI CSV import page (to be written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("kpi_imports", __name__, url_prefix="/kpis")
