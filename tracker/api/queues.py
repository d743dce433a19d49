"""Queues and their KPI series: GET /api/v1/queues, GET /api/v1/queues/{id}/kpis (to be written)."""

from __future__ import annotations
