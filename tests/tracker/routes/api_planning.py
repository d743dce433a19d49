"""The backlog, import, initiative and story-draft API (tracker/api/): who may call what."""

from tests.tracker.routes import ALL, CONTRIBUTORS, INTERNAL, PRODUCT, READERS_OF_STORIES, Row

ROWS: dict[str, Row] = {
    "api.backlog_list": ("GET", "/api/v1/suggestions?q=refund&page=2", ALL),
    "api.suggestion_import": ("POST", "/api/v1/suggestions/import", CONTRIBUTORS),
    "api.initiative_list": ("GET", "/api/v1/initiatives", INTERNAL),
    "api.initiative_detail": ("GET", "/api/v1/initiatives/999", INTERNAL),
    "api.initiative_create": ("POST", "/api/v1/initiatives", PRODUCT),
    "api.initiative_update": ("PATCH", "/api/v1/initiatives/999", PRODUCT),
    "api.initiative_health": ("POST", "/api/v1/initiatives/999/health", PRODUCT),
    "api.initiative_suggestion_add": ("POST", "/api/v1/initiatives/999/suggestions", PRODUCT),
    "api.initiative_suggestion_remove": (
        "DELETE",
        "/api/v1/initiatives/999/suggestions/999",
        PRODUCT,
    ),
    "api.story_list": ("GET", "/api/v1/stories?state=ready", READERS_OF_STORIES),
    "api.story_detail": ("GET", "/api/v1/stories/999", READERS_OF_STORIES),
    "api.story_generate": ("POST", "/api/v1/suggestions/999/stories", PRODUCT),
    "api.story_update": ("PATCH", "/api/v1/stories/999", PRODUCT),
    "api.story_ready": ("POST", "/api/v1/stories/999/ready", PRODUCT),
    "api.story_delete": ("DELETE", "/api/v1/stories/999", PRODUCT),
    "api.story_preview": ("GET", "/api/v1/stories/999/preview", READERS_OF_STORIES),
}
