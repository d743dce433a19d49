"""The content of one digest: what changed in a period for one audience, as JSON-ready data.

Stored as Digest.content, so a permalink keeps showing what was sent, and rendered by
tracker.services.digests.render. The period is [period_start, period_end). Timestamps are
ISO-8601 UTC; every "url" is absolute (settings.base_url); "jira_url" is the Jira browse link
or None.

The number of SQL queries is fixed, whatever the amount of data: counts are grouped in the
database, item lists are LIMITed and carry a window count of the rest ("<section>_more"), and
the suggestions the items point at are loaded once, with their Jira issue, at the end.

Who sees what is digest_scope; stalled items, initiatives and the backlog are digest_standing;
lead times are lead_times; "Measured this period" is digest_measured. Here:
- A suggestion's Jira issue is its first pushed story.
- Decisions are the StatusChange rows of the period to accepted, declined or duplicate (merged).
  A merge whose target the reader may not see shows neither the target nor the reason (which
  names it).
- Hours saved are Suggestion.hours_saved_per_week, one decimal; the total covers every idea
  delivered in the period, listed or not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import (
    Audience,
    Initiative,
    JiraLink,
    Organisation,
    Status,
    StatusChange,
    StatusEvent,
    StoryDraft,
    Suggestion,
)
from tracker.services.benefits.delivery import recorded_between
from tracker.services.digests import measured as digest_measured
from tracker.services.digests import refs as digest_refs
from tracker.services.digests import standing as digest_standing
from tracker.services.digests.scope import DigestScope, Links, resolve
from tracker.services.digests.standing import LIST_LIMIT, PUSHED, jira_url
from tracker.services.jira_status import lead_times
from tracker.services.kpis import signal_queries

VERSION = 1
AGENTS = "Agents"
NEW_ITEMS = 20
# What a decision is called in a digest, keyed by the status its StatusChange moves to.
DECISIONS = {
    Status.ACCEPTED.value: "accepted",
    Status.DECLINED.value: "declined",
    Status.DUPLICATE.value: "merged",
}


def build(
    session: Session,
    *,
    audience: Audience,
    subject_key: str,
    period_start: datetime,
    period_end: datetime,
    settings: Settings,
) -> dict[str, Any]:
    """The digest content for one audience and subject (see the module docstring).

    Raises NotFound when the subject's person or organisation is gone, ValueError for a
    subject key that does not fit the audience or a period that is not aware and ordered.
    """
    if period_start.tzinfo is None or period_end.tzinfo is None or period_start > period_end:
        raise ValueError("the period needs timezone-aware start <= end")
    scope = resolve(session, audience=audience, subject_key=subject_key)
    links = Links(settings.base_url, scope)
    window = _Window(period_start, period_end)

    new = _new_suggestions(session, scope, window)
    decision_counts, decisions = _decisions(session, scope, window)
    pushed, pushed_total = _pushed(session, scope, window)
    changes, changes_total = _status_changes(session, scope, window, links)
    delivered, delivered_total, hours = _delivered(session, scope, window)
    digests = settings.digests
    stalled, stalled_total = digest_standing.stalled(
        session, scope, period_end=period_end, after_days=digests.stalled_after_days
    )
    initiatives = digest_standing.initiatives(
        session,
        scope,
        links,
        period_end=period_end,
        stuck_after_days=settings.sync.stuck_after_days,
    )
    top = digest_standing.backlog_top(session, scope, limit=digests.backlog_top)
    lead = lead_times.lead_times(session, scope=scope.suggestions, period_end=period_end)
    measured, measured_total, benefit_total = digest_measured.section(
        session, scope, start=period_start, end=period_end, settings=settings
    )

    sections = (new["items"], decisions, pushed, changes, delivered, stalled, top, measured)
    wanted = [item["suggestion"] for section in sections for item in section]
    wanted += [decision["merged_into"] for decision in decisions]
    refs = digest_refs.load(session, scope, links, wanted)
    for decision in decisions:
        decision["merged_into"] = digest_refs.ref(refs, decision["merged_into"])
        if decision["decision"] == "merged" and decision["merged_into"] is None:
            decision["reason"] = ""  # it names the target the reader may not see
    for change in changes:  # an initiative epic's change has no suggestion
        change["suggestion"] = digest_refs.ref(refs, change["suggestion"])

    decisions_total = sum(decision_counts.values())
    moved: list[dict[str, Any]] = []
    moved_total = 0
    if scope.audience is Audience.PM:  # queue KPIs are the PMs' (internal) business
        moved, moved_total = signal_queries.digest_items(
            session, viewer=scope.viewer, settings=settings, start=period_start, end=period_end
        )
    return {
        "version": VERSION,
        "audience": scope.audience.value,
        "subject_key": scope.subject_key,
        "subject_name": scope.subject_name,
        "title": title(period_start, period_end, settings.timezone),
        "timezone": settings.timezone,
        "period": {"start": _iso(period_start), "end": _iso(period_end)},
        "summary": {
            "new": new["total"],
            "accepted": decision_counts.get("accepted", 0),
            "declined": decision_counts.get("declined", 0),
            "merged": decision_counts.get("merged", 0),
            "pushed": pushed_total,
            "status_changes": changes_total,
            "delivered": delivered_total,
            "hours_saved_per_week": hours,
            "stalled": stalled_total,
        },
        "new_suggestions": {
            **new,
            "items": [item["suggestion"] for item in digest_refs.with_refs(new["items"], refs)],
        },
        "decisions": digest_refs.with_refs(decisions, refs),
        "decisions_more": decisions_total - len(decisions),
        "pushed": digest_refs.with_refs(pushed, refs),
        "pushed_more": pushed_total - len(pushed),
        "status_changes": changes,
        "status_changes_more": changes_total - len(changes),
        "delivered": digest_refs.with_refs(delivered, refs),
        "delivered_more": delivered_total - len(delivered),
        "stalled": digest_refs.with_refs(stalled, refs),
        "stalled_more": stalled_total - len(stalled),
        "stalled_after_days": digests.stalled_after_days,
        "initiatives": initiatives,
        "backlog_top": digest_refs.with_refs(top, refs),
        "lead_times": lead,
        "lead_time_window_days": lead_times.WINDOW_DAYS,
        "queues_moved": moved,
        "queues_moved_more": moved_total - len(moved),
        "measured": digest_refs.with_refs(measured, refs),
        "measured_more": measured_total - len(measured),
        "measured_total": benefit_total,
    }


def title(period_start: datetime, period_end: datetime, zone: str) -> str:
    """ "Status digest: 16 Nov - 23 Nov 2026", in the configured time zone."""
    tz = ZoneInfo(zone)
    first, last = period_start.astimezone(tz), period_end.astimezone(tz)
    opening = f"{first.day} {first:%b}" + ("" if first.year == last.year else f" {first.year}")
    return f"Status digest: {opening} - {last.day} {last:%b} {last.year}"


class _Window:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.bounds = (start, end)

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _total(rows: list[Any], index: int) -> int:
    """The window count carried by every row (nothing matched when there is no row)."""
    return int(rows[0][index]) if rows else 0


# --- what happened in the period ----------------------------------------------------------------


def _new_suggestions(session: Session, scope: DigestScope, window: _Window) -> dict[str, Any]:
    """Counts by area and by source (agents, or the vendor organisation), and the newest ideas."""
    created = window.holds(col(Suggestion.created_at))
    vendor = case((col(Organisation.is_vendor).is_(True), col(Organisation.name)), else_=None)
    groups = session.exec(
        select(col(Suggestion.area), vendor, func.count())
        .select_from(Suggestion)
        .outerjoin(Organisation, col(Organisation.id) == col(Suggestion.organisation_id))
        .where(created, scope.suggestions)
        .group_by(col(Suggestion.area), vendor)
    ).all()
    by_area: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for area, source, count in groups:
        by_area[area] = by_area.get(area, 0) + count
        by_source[source or AGENTS] = by_source.get(source or AGENTS, 0) + count
    newest = session.exec(
        select(col(Suggestion.id))
        .where(created, scope.suggestions)
        .order_by(col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
        .limit(NEW_ITEMS)
    ).all()
    return {
        "total": sum(by_area.values()),
        "by_area": _ranked(by_area, "area"),
        "by_source": _ranked(by_source, "source"),
        "items": [{"suggestion": suggestion_id} for suggestion_id in newest],
    }


def _ranked(counts: dict[str, int], key: str) -> list[dict[str, Any]]:
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0].lower()))
    return [{key: name, "count": count} for name, count in ordered]


def _decisions(
    session: Session, scope: DigestScope, window: _Window
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Decision counts by kind and the newest LIST_LIMIT decisions."""
    kind = col(StatusChange.to_status)
    where = (
        kind.in_(list(DECISIONS)),
        window.holds(col(StatusChange.created_at)),
        scope.suggestions,
    )
    joined = col(Suggestion.id) == col(StatusChange.suggestion_id)
    counts = {
        DECISIONS[status]: count
        for status, count in session.exec(
            select(kind, func.count()).join(Suggestion, joined).where(*where).group_by(kind)
        ).all()
    }
    rows = session.execute(
        sa_select(
            col(StatusChange.suggestion_id),
            kind,
            col(StatusChange.reason),
            col(StatusChange.created_at),
            col(Suggestion.duplicate_of_id),
        )
        .join(Suggestion, joined)
        .where(*where)
        .order_by(col(StatusChange.created_at).desc(), col(StatusChange.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return counts, [
        {
            "suggestion": suggestion_id,
            "decision": DECISIONS[status],
            "reason": reason,
            # Where it is merged now (None once the merge was undone).
            "merged_into": target if status == Status.DUPLICATE.value else None,
            "at": _iso(at),
        }
        for suggestion_id, status, reason, at, target in rows
    ]


def _pushed(
    session: Session, scope: DigestScope, window: _Window
) -> tuple[list[dict[str, Any]], int]:
    """Stories that reached Jira in the period, newest first, and how many there were."""
    rows = session.execute(
        sa_select(
            col(StoryDraft.suggestion_id),
            col(StoryDraft.summary),
            col(JiraLink.jira_key),
            col(JiraLink.browse_url),
            col(JiraLink.pushed_at),
            func.count().over(),
        )
        .select_from(JiraLink)
        .join(StoryDraft, col(StoryDraft.id) == col(JiraLink.story_id))
        .join(Suggestion, col(Suggestion.id) == col(StoryDraft.suggestion_id))
        .where(
            col(JiraLink.state) == PUSHED,
            window.holds(col(JiraLink.pushed_at)),
            scope.suggestions,
        )
        .order_by(col(JiraLink.pushed_at).desc(), col(JiraLink.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    items = [
        {
            "suggestion": suggestion_id,
            "summary": summary,
            "jira_key": key or "",
            "jira_url": jira_url(url),
            "at": _iso(at),
        }
        for suggestion_id, summary, key, url, at, _ in rows
    ]
    return items, _total(list(rows), 5)


def _status_changes(
    session: Session, scope: DigestScope, window: _Window, links: Links
) -> tuple[list[dict[str, Any]], int]:
    """Jira status changes of the scope's stories (and of followed initiatives' epics)."""
    shown = and_(col(StatusEvent.suggestion_id).is_not(None), scope.suggestions)
    if scope.epic_events:
        epics = and_(
            col(StatusEvent.story_id).is_(None),
            col(StatusEvent.initiative_id).is_not(None),
            scope.initiatives,
        )
        shown = or_(shown, epics)
    rows = session.execute(
        sa_select(
            col(StatusEvent.suggestion_id),
            col(StatusEvent.initiative_id),
            col(Initiative.name),
            col(StatusEvent.jira_key),
            col(JiraLink.browse_url),
            col(StoryDraft.summary),
            col(StatusEvent.from_status),
            col(StatusEvent.to_status),
            col(StatusEvent.to_state),
            col(StatusEvent.changed_at),
            func.count().over(),
        )
        .select_from(StatusEvent)
        .join(JiraLink, col(JiraLink.id) == col(StatusEvent.link_id))
        .outerjoin(StoryDraft, col(StoryDraft.id) == col(StatusEvent.story_id))
        .outerjoin(Suggestion, col(Suggestion.id) == col(StatusEvent.suggestion_id))
        .outerjoin(Initiative, col(Initiative.id) == col(StatusEvent.initiative_id))
        .where(window.holds(col(StatusEvent.changed_at)), shown)
        .order_by(col(StatusEvent.changed_at).desc(), col(StatusEvent.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    changes = []
    for row in rows:
        initiative = None
        if row.initiative_id is not None and row.name is not None:
            initiative = {
                "id": row.initiative_id,
                "name": row.name,
                "url": links.initiative(row.initiative_id),
            }
        changes.append(
            {
                "suggestion": row.suggestion_id,
                "initiative": initiative,
                "jira_key": row.jira_key,
                "jira_url": jira_url(row.browse_url),
                "summary": row.summary or row.name or row.jira_key,
                "from_status": row.from_status,
                "to_status": row.to_status,
                "to_state": row.to_state,
                "at": _iso(row.changed_at),
            }
        )
    return changes, _total(list(rows), 10)


def hours_saved_clause() -> ColumnElement[float]:
    """Suggestion.hours_saved_per_week, computed by the database for totals over many ideas."""
    volume = col(Suggestion.weekly_volume)
    saved = col(Suggestion.minutes_saved_per_ticket)
    share, handle = col(Suggestion.automation_share), col(Suggestion.handle_time_minutes)
    return case(
        (and_(volume.is_not(None), saved.is_not(None)), volume * saved / 60.0),
        (
            and_(volume.is_not(None), share.is_not(None), handle.is_not(None)),
            volume * share / 100.0 * handle / 60.0,
        ),
        else_=None,
    )


def _hours(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _delivered(
    session: Session, scope: DigestScope, window: _Window
) -> tuple[list[dict[str, Any]], int, float]:
    """Ideas delivered in the period, newest first; how many; the weekly hours they all save."""
    hours = hours_saved_clause()
    rows = session.execute(
        sa_select(
            col(Suggestion.id),
            hours,
            col(Suggestion.delivered_at),
            func.count().over(),
            func.sum(hours).over(),
        )
        .where(
            or_(window.holds(col(Suggestion.delivered_at)), recorded_between(*window.bounds)),
            scope.suggestions,
        )
        .order_by(col(Suggestion.delivered_at).desc(), col(Suggestion.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    items = [
        {"suggestion": suggestion_id, "hours_saved_per_week": _hours(saved), "at": _iso(at)}
        for suggestion_id, saved, at, _, _ in rows
    ]
    total_hours = (_hours(rows[0][4]) if rows else None) or 0.0
    return items, _total(list(rows), 3), total_hours
