"""Queues, KPI loads and signals (rows added by each part as it lands)."""

from tests.tracker.routes import ALL, PRODUCT, Row
from tracker.models import Role

# PMs, admins and machine accounts send KPI data.
INGEST = frozenset({Role.PM, Role.ADMIN, Role.INTEGRATION})

ROWS: dict[str, Row] = {
    "queues.index": ("GET", "/queues", ALL),
    "queues.detail": ("GET", "/queues/999", ALL),
    "queues.kpis_csv": ("GET", "/queues/999/kpis.csv", ALL),
    "queues.create": ("GET", "/queues/new", PRODUCT),
    "queues.edit": ("GET", "/queues/999/edit", PRODUCT),
    "queues.merge": ("GET", "/queues/merge", PRODUCT),
    "api.queue_list": ("GET", "/api/v1/queues", ALL),
    "api.queue_kpis": ("GET", "/api/v1/queues/999/kpis", ALL),
    "api.queue_signal_list": ("GET", "/api/v1/queues/999/signals", ALL),
    "kpi_imports.import_csv": ("POST", "/kpis/import", INGEST),
    "api.kpis_create": ("POST", "/api/v1/kpis", INGEST),
    "queue_evidence.lookup": ("GET", "/queues/evidence?queue=Nowhere", ALL),
    "kpi_loads.index": ("GET", "/admin/kpis", INGEST),
    "kpi_loads.pull": ("POST", "/admin/kpis/pull/nosuch", INGEST),
}
