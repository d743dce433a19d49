"""The Jira push API (tracker/api/pushes.py): who may push and who may watch."""

from tests.tracker.routes import PRODUCT, READERS_OF_STORIES, Row

ROWS: dict[str, Row] = {
    "api.push_create": ("POST", "/api/v1/pushes", PRODUCT),
    "api.push_detail": ("GET", "/api/v1/pushes/999", READERS_OF_STORIES),
}
