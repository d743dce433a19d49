"""KPI rows in: POST /api/v1/kpis (to be written)."""

from __future__ import annotations
