"""The suggestion, engagement and decision API (tracker/api/): who may call what.

The shared walker in test_permissions.py sends only GET and POST, so the PATCH and DELETE rows
name a URL whose POST reaches a route under the same rule; tests/tracker/api/test_api_roles.py
walks those two with their real methods.
"""

from tests.tracker.routes import ALL, CONTRIBUTORS, PRODUCT, Row

ROWS: dict[str, Row] = {
    "api.suggestion_create": ("POST", "/api/v1/suggestions", CONTRIBUTORS),
    "api.suggestion_detail": ("GET", "/api/v1/suggestions/999", ALL),
    # Really PATCH /api/v1/suggestions/999 (SUBMIT_SUGGESTIONS, like the create route).
    "api.suggestion_update": ("PATCH", "/api/v1/suggestions", CONTRIBUTORS),
    "api.suggestion_similar": ("GET", "/api/v1/suggestions/similar?title=refund", ALL),
    "api.suggestion_mine": ("GET", "/api/v1/suggestions/mine", ALL),
    "api.vote_create": ("POST", "/api/v1/suggestions/999/votes", CONTRIBUTORS),
    # Really DELETE; a POST to the same URL votes, under the same ENGAGE rule.
    "api.vote_delete": ("DELETE", "/api/v1/suggestions/999/votes", CONTRIBUTORS),
    "api.comment_list": ("GET", "/api/v1/suggestions/999/comments", ALL),
    "api.comment_create": ("POST", "/api/v1/suggestions/999/comments", CONTRIBUTORS),
    "api.watch_update": ("POST", "/api/v1/suggestions/999/watch", CONTRIBUTORS),
    "api.history_list": ("GET", "/api/v1/suggestions/999/history", ALL),
    "api.status_update": ("POST", "/api/v1/suggestions/999/status", PRODUCT),
    "api.score_update": ("POST", "/api/v1/suggestions/999/score", PRODUCT),
    "api.merge_create": ("POST", "/api/v1/suggestions/999/merge", PRODUCT),
    "api.merge_undo": ("POST", "/api/v1/suggestions/999/unmerge", PRODUCT),
    "api.sharing_update": ("POST", "/api/v1/suggestions/999/sharing", PRODUCT),
}

# The real method and URL of the rows above that the shared walker cannot send.
REAL_METHODS: dict[str, tuple[str, str]] = {
    "api.suggestion_update": ("PATCH", "/api/v1/suggestions/999"),
    "api.vote_delete": ("DELETE", "/api/v1/suggestions/999/votes"),
}
