"""Spikes and level shifts of a queue: GET /api/v1/queues/{id}/signals (to be written)."""

from __future__ import annotations
