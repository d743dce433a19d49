"""Queues, KPI loads and signals (rows added by each part as it lands)."""

from tests.tracker.routes import Row

ROWS: dict[str, Row] = {}
