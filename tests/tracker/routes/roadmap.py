"""The roadmap and its Markdown export: every person (machine accounts send KPI data only)."""

from tests.tracker.routes import ALL, Row

ROWS: dict[str, Row] = {
    "roadmap.index": ("GET", "/roadmap", ALL),
    "roadmap.export_markdown": ("GET", "/roadmap/export.md", ALL),
}
