"""Suggestion pages. Id 999 does not exist: allowed roles get 404 there, denied roles 403."""

from tests.tracker.routes import ALL, CONTRIBUTORS, PRODUCT, Row

ROWS: dict[str, Row] = {
    "suggestions.new": ("GET", "/suggestions/new", CONTRIBUTORS),
    "suggestions.create": ("POST", "/suggestions/new", CONTRIBUTORS),
    "suggestions.similar": ("GET", "/suggestions/similar?title=refund", CONTRIBUTORS),
    "suggestions.mine": ("GET", "/suggestions/mine", ALL),
    "suggestions.detail": ("GET", "/suggestions/999", ALL),
    "suggestions.edit": ("GET", "/suggestions/999/edit", CONTRIBUTORS),
    "suggestions.update": ("POST", "/suggestions/999/edit", CONTRIBUTORS),
    "suggestions.vote": ("POST", "/suggestions/999/vote", CONTRIBUTORS),
    "suggestions.unvote": ("POST", "/suggestions/999/unvote", CONTRIBUTORS),
    "suggestions.comment": ("POST", "/suggestions/999/comments", CONTRIBUTORS),
    "suggestions.watch": ("POST", "/suggestions/999/watch", CONTRIBUTORS),
    "suggestions.change_status": ("POST", "/suggestions/999/status", PRODUCT),
    "suggestions.score": ("POST", "/suggestions/999/score", PRODUCT),
    "suggestions.merge": ("POST", "/suggestions/999/merge", PRODUCT),
    "suggestions.unmerge": ("POST", "/suggestions/999/unmerge", PRODUCT),
    "suggestions.sharing": ("POST", "/suggestions/999/sharing", PRODUCT),
}
