"""Admin page of KPI loads and warehouse pulls (to be written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("kpi_loads", __name__, url_prefix="/admin/kpis")
