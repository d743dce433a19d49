"""Digest content as tracker.services.digests.content.build produces it (version 1), written out
by hand so the rendering and page tests do not depend on the builder."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from tracker import db
from tracker.models import Digest

BASE = "https://tracker.example.com"
JIRA = "https://jira.example.com/browse"
EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_LINK = "[x](http://evil)"


def ref(
    suggestion_id: int,
    title: str,
    *,
    area: str = "Content spam",
    status: str = "accepted",
    jira_key: str | None = None,
) -> dict[str, Any]:
    return {
        "id": suggestion_id,
        "title": title,
        "url": f"{BASE}/suggestions/{suggestion_id}",
        "area": area,
        "status": status,
        "jira_key": jira_key,
        "jira_url": f"{JIRA}/{jira_key}" if jira_key else None,
    }


def stat(count: int, median: float | None, p90: float | None) -> dict[str, Any]:
    return {"count": count, "median_days": median, "p90_days": p90}


def sample_content(
    *,
    audience: str = "pm",
    subject_key: str = "all",
    subject_name: str = "All PMs",
    evil: bool = True,
) -> dict[str, Any]:
    """A week with something in every section; `evil` puts hostile titles in two items."""
    script_title = f"Block spam {EVIL_SCRIPT}" if evil else "Block spam bursts"
    link_title = f"Macro for {EVIL_LINK} refunds" if evil else "Macro for refunds"
    prefill = ref(12, "Prefill the appeal reason", status="in_delivery", jira_key="OPS-12")
    merged_target = ref(7, "Auto-close duplicate tickets", status="accepted")
    return {
        "version": 1,
        "audience": audience,
        "subject_key": subject_key,
        "subject_name": subject_name,
        "title": "Status digest: 16 Nov - 23 Nov 2026",
        "timezone": "Europe/Dublin",
        "period": {"start": "2026-11-16T09:00:00+00:00", "end": "2026-11-23T09:00:00+00:00"},
        "summary": {
            "new": 3,
            "accepted": 1,
            "declined": 1,
            "merged": 1,
            "pushed": 1,
            "status_changes": 2,
            "delivered": 1,
            "hours_saved_per_week": 12.5,
            "stalled": 1,
        },
        "new_suggestions": {
            "total": 3,
            "by_area": [{"area": "Content spam", "count": 2}, {"area": "Payments", "count": 1}],
            "by_source": [
                {"source": "Agents", "count": 2},
                {"source": "Acme Moderation", "count": 1},
            ],
            "items": [
                ref(21, script_title, status="new"),
                ref(22, link_title, area="Payments", status="new"),
                ref(23, "Tag VIP tickets on arrival", status="new"),
            ],
        },
        "decisions": [
            {
                "suggestion": prefill,
                "decision": "accepted",
                "reason": "",
                "merged_into": None,
                "at": "2026-11-18T10:30:00+00:00",
            },
            {
                "suggestion": ref(14, "Colour the queue by age", status="declined"),
                "decision": "declined",
                "reason": "The queue tool cannot colour rows; see the vendor roadmap.",
                "merged_into": None,
                "at": "2026-11-19T14:00:00+00:00",
            },
            {
                "suggestion": ref(15, "Close duplicates automatically", status="duplicate"),
                "decision": "merged",
                "reason": "Same as #7.",
                "merged_into": merged_target,
                "at": "2026-11-20T08:15:00+00:00",
            },
        ],
        "decisions_more": 0,
        "pushed": [
            {
                "suggestion": prefill,
                "summary": "As an agent I want the appeal reason prefilled",
                "jira_key": "OPS-12",
                "jira_url": f"{JIRA}/OPS-12",
                "at": "2026-11-18T11:00:00+00:00",
            }
        ],
        "pushed_more": 0,
        "status_changes": [
            {
                "suggestion": prefill,
                "initiative": None,
                "jira_key": "OPS-12",
                "jira_url": f"{JIRA}/OPS-12",
                "summary": "As an agent I want the appeal reason prefilled",
                "from_status": "To Do",
                "to_status": "In Progress",
                "to_state": "in_progress",
                "at": "2026-11-20T09:00:00+00:00",
            },
            {
                "suggestion": None,
                "initiative": {"id": 3, "name": "Faster appeals", "url": f"{BASE}/initiatives/3"},
                "jira_key": "OPS-10",
                "jira_url": f"{JIRA}/OPS-10",
                "summary": "Faster appeals",
                "from_status": "To Do",
                "to_status": "In Progress",
                "to_state": "in_progress",
                "at": "2026-11-20T09:05:00+00:00",
            },
        ],
        "status_changes_more": 0,
        "delivered_more": 0,
        "stalled_more": 0,
        "stalled_after_days": 14,
        "lead_time_window_days": 90,
        "delivered": [
            {
                "suggestion": ref(
                    9, "Canned reply for refunds", status="delivered", jira_key="OPS-9"
                ),
                "hours_saved_per_week": 12.5,
                "at": "2026-11-21T16:00:00+00:00",
            }
        ],
        "stalled": [
            {
                "suggestion": ref(5, "Merge the two spam queues", status="in_delivery"),
                "jira_key": "OPS-5",
                "jira_url": f"{JIRA}/OPS-5",
                "status": "In Review",
                "since": "2026-10-30T12:00:00+00:00",
                "days": 24,
            }
        ],
        "initiatives": [
            {
                "id": 3,
                "name": "Faster appeals",
                "url": f"{BASE}/initiatives/3",
                "jira_key": "OPS-10",
                "jira_url": f"{JIRA}/OPS-10",
                "health": "at_risk",
                "health_label": "At risk",
                "health_note": "Waiting on the appeals API.",
                "target_date": "2026-12-18",
                "stories_done": 2,
                "stories_total": 5,
                "points_done": 5,
                "points_total": 13,
                "percent": 38,
                "stuck": 1,
                "detail": True,
            }
        ],
        "backlog_top": [
            {"rank": 1, "suggestion": merged_target, "score": 42.0, "formula": "RICE"},
            {
                "rank": 2,
                "suggestion": ref(23, "Tag VIP tickets on arrival"),
                "score": None,
                "formula": "",
            },
        ],
        "lead_times": {
            "submitted_to_decided": stat(3, 2.5, 6.0),
            "decided_to_in_jira": stat(1, 1.0, 1.0),
            "in_jira_to_done": stat(1, 9.0, 9.0),
            "submitted_to_done": stat(0, None, None),
        },
    }


def store_digest(
    app: Flask,
    audience: str,
    subject_key: str,
    content: dict[str, Any],
    *,
    period_start: datetime,
    period_end: datetime,
) -> int:
    """A stored digest, as the scheduled job leaves it; returns its id."""
    with db.session_scope(app) as session:
        digest = Digest(
            audience=audience,
            subject_key=subject_key,
            period_start=period_start,
            period_end=period_end,
            content=content,
        )
        session.add(digest)
        session.flush()
        assert digest.id is not None
        return digest.id
