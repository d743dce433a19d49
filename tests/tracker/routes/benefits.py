"""Realised benefit: the portfolio page, its exports and its API."""

from tests.tracker.routes import ALL, PRODUCT, Row

ROWS: dict[str, Row] = {
    "benefits.index": ("GET", "/benefits", ALL),
    "benefits.export_csv": ("GET", "/benefits/export.csv", ALL),
    "benefits.export_markdown": ("GET", "/benefits/export.md", ALL),
    "api.benefit_portfolio": ("GET", "/api/v1/benefits", ALL),
    "deliveries.mark_delivered": ("POST", "/suggestions/999/delivered", PRODUCT),
}
