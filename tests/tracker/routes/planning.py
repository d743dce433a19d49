from tests.tracker.routes import INTERNAL, PRODUCT, READERS_OF_STORIES, Row

ROWS: dict[str, Row] = {
    "initiatives.index": ("GET", "/initiatives", INTERNAL),
    "initiatives.create": ("GET", "/initiatives/new", PRODUCT),
    "initiatives.detail": ("GET", "/initiatives/999", INTERNAL),
    "initiatives.edit": ("GET", "/initiatives/999/edit", PRODUCT),
    "initiatives.health": ("POST", "/initiatives/999/health", PRODUCT),
    "initiatives.add_suggestion": ("POST", "/initiatives/999/suggestions", PRODUCT),
    "initiatives.remove_suggestion": ("POST", "/initiatives/999/suggestions/999/remove", PRODUCT),
    "initiatives.follow": ("POST", "/initiatives/999/follow", INTERNAL),
    "initiatives.unfollow": ("POST", "/initiatives/999/unfollow", INTERNAL),
    "stories.index": ("GET", "/stories", READERS_OF_STORIES),
    "stories.generate": ("POST", "/stories/generate/999", PRODUCT),
    "stories.generate_selected": ("POST", "/stories/generate", PRODUCT),
    "stories.detail": ("GET", "/stories/999", READERS_OF_STORIES),
    "stories.edit": ("GET", "/stories/999/edit", PRODUCT),
    "stories.ready": ("POST", "/stories/999/ready", PRODUCT),
    "stories.preview": ("GET", "/stories/999/preview", READERS_OF_STORIES),
    "stories.delete": ("POST", "/stories/999/delete", PRODUCT),
}
