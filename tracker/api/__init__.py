"""The JSON API under /api/v1: bearer tokens only, JSON errors, the same services as the views.

The blueprint and the helpers every route module shares live in common.py; importing this
package imports every route module, so `bp` carries all of their routes.
"""

from __future__ import annotations

from tracker.api import (
    accounts,
    backlog,
    benefits,
    decisions,
    deliveries,
    document,
    engagement,
    imports,
    initiatives,
    kpis,
    pushes,
    queue_signals,
    queues,
    stories,
    suggestions,
)
from tracker.api.common import bp

__all__ = [
    "accounts",
    "backlog",
    "benefits",
    "bp",
    "decisions",
    "deliveries",
    "document",
    "engagement",
    "imports",
    "initiatives",
    "kpis",
    "pushes",
    "queue_signals",
    "queues",
    "stories",
    "suggestions",
]
