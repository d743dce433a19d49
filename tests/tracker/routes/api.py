"""The suggestion, engagement and decision API (tracker/api/): who may call what.

tests/tracker/api/test_api_roles.py walks the PATCH and DELETE rows again with real data.
"""

from tests.tracker.routes import ALL, CONTRIBUTORS, PRODUCT, Row

ROWS: dict[str, Row] = {
    "api.suggestion_create": ("POST", "/api/v1/suggestions", CONTRIBUTORS),
    "api.suggestion_detail": ("GET", "/api/v1/suggestions/999", ALL),
    "api.suggestion_benefit": ("GET", "/api/v1/suggestions/999/benefit", ALL),
    "api.delivered_create": ("POST", "/api/v1/suggestions/999/delivered", PRODUCT),
    "api.suggestion_update": ("PATCH", "/api/v1/suggestions/999", CONTRIBUTORS),
    "api.suggestion_similar": ("GET", "/api/v1/suggestions/similar?title=refund", ALL),
    "api.suggestion_mine": ("GET", "/api/v1/suggestions/mine", ALL),
    "api.vote_create": ("POST", "/api/v1/suggestions/999/votes", CONTRIBUTORS),
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

# The rows above sent with methods other than GET and POST.
REAL_METHODS: dict[str, tuple[str, str]] = {
    "api.suggestion_update": ("PATCH", "/api/v1/suggestions/999"),
    "api.vote_delete": ("DELETE", "/api/v1/suggestions/999/votes"),
}
