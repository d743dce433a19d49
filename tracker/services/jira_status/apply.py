"""Applying issue snapshots: tracked links updated from what Jira says, a status event per
status change at Jira's own timestamp, then the affected suggestions rolled up.

Jira's timestamps are not trusted blindly: a site's clock runs ahead, or a Data Center answers
in a zone it does not name, and a story came out done after the sync that saw it, or before its
idea was submitted. Status times (events, status_since, and so delivery) are clamped to at most
the sync's `now` and never before the suggestion's submission (`_Batch.clamp`).

The sync applies a hundred snapshots per call over tens of thousands of issues, so every step
loads what it needs with one IN query, the number of statements per call does not grow with the
number of snapshots, and links are read and written as plain rows (Core), not ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Insert, Table, bindparam, insert, update
from sqlalchemy import select as select_columns
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from tracker.config import SyncSettings
from tracker.models import (
    DeliveryState,
    JiraLink,
    PushState,
    StatusEvent,
    StoryDraft,
    Suggestion,
)
from tracker.services.jira_status.rollup import roll_up
from tracker.services.jira_status.snapshots import IssueSnapshot, StatusHistory

CATEGORY_STATES = {
    "new": DeliveryState.TODO,
    "indeterminate": DeliveryState.IN_PROGRESS,
    "done": DeliveryState.DONE,
}
# What a snapshot may change on a link; changed links are written whole, in one executemany.
_STORED = (
    "jira_key",
    "browse_url",
    "status_name",
    "status_category",
    "delivery_state",
    "resolution",
    "assignee",
    "fix_versions",
    "sprint",
    "jira_updated_at",
    "status_since",
    "missing_since",
)
_LINKS: Table = JiraLink.__table__  # type: ignore[attr-defined]
_EVENTS: Table = StatusEvent.__table__  # type: ignore[attr-defined]
_SUGGESTIONS: Table = Suggestion.__table__  # type: ignore[attr-defined]


@dataclass
class ApplyResult:
    checked: int = 0  # snapshots that matched a tracked link
    recorded: int = 0  # links seen for the first time (no status stored before): not news
    changed: int = 0  # links that had a status and whose stored fields changed
    events: int = 0  # StatusEvent rows added


def map_state(
    status_name: str, category: str, *, status_map: Mapping[str, str]
) -> DeliveryState | None:
    """The tracker's delivery state: the status map (names compared ignoring case) wins over the
    status category; None when neither knows the status."""
    wanted = status_name.strip().lower()
    for name, state in status_map.items():
        if name.strip().lower() == wanted:
            return DeliveryState(state)
    return CATEGORY_STATES.get(category)


def _state_value(state: DeliveryState | None) -> str:
    return state.value if state is not None else ""


@dataclass(slots=True)
class _Link:
    """A tracked link as a plain row: what the snapshot may change, and whom its events name."""

    id: int
    story_id: int | None
    initiative_id: int | None  # the epic's initiative, else the story's
    suggestion_id: int | None
    jira_key: str
    browse_url: str
    status_name: str
    status_category: str
    delivery_state: str
    resolution: str
    assignee: str
    fix_versions: list[str]
    sprint: str
    jira_updated_at: datetime | None
    status_since: datetime | None
    missing_since: datetime | None
    submitted_at: datetime | None = None  # the suggestion's created_at; None for an epic

    def stored(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _STORED)


@dataclass
class _Batch:
    """What one apply call loaded up front, so the per-snapshot work needs no queries."""

    settings: SyncSettings
    source: str
    now: datetime
    categories: dict[str, str]  # lower-cased status name -> Jira status category
    recorded: set[tuple[int, str]]  # (link id, history id) already stored
    events: list[dict[str, object]] = field(default_factory=list)

    def clamp(self, moment: datetime, link: _Link) -> datetime:
        """Jira's time of a status change, at most `now` and never before the submission (a
        submission dated after `now` says the clocks disagree, and bounds nothing)."""
        moment = min(moment, self.now)
        submitted = link.submitted_at
        return max(moment, submitted) if submitted and submitted <= self.now else moment

    def state(self, status_name: str, category: str | None = None) -> str:
        known = category if category is not None else self.categories.get(status_name.lower(), "")
        return _state_value(map_state(status_name, known, status_map=self.settings.status_map))

    def event(self, link: _Link, **values: object) -> None:
        self.events.append(
            {
                "link_id": link.id,
                "story_id": link.story_id,
                "initiative_id": link.initiative_id,
                "suggestion_id": link.suggestion_id,
                "jira_key": link.jira_key,
                "source": self.source,
                "recorded_at": self.now,
                **values,
            }
        )


def _load_links(session: Session, jira_ids: Iterable[str]) -> dict[str, list[_Link]]:
    """The pushed links of these issues by Jira id, in one query."""
    story = StoryDraft.__table__.c  # type: ignore[attr-defined]
    query = (
        select_columns(
            _LINKS.c.jira_id,
            _LINKS.c.state,
            _LINKS.c.id,
            _LINKS.c.story_id,
            _LINKS.c.initiative_id,
            story.initiative_id.label("story_initiative_id"),
            story.suggestion_id,
            _SUGGESTIONS.c.created_at.label("submitted_at"),
            *(_LINKS.c[name] for name in _STORED),
        )
        .outerjoin(StoryDraft.__table__, story.id == _LINKS.c.story_id)  # type: ignore[attr-defined]
        .outerjoin(_SUGGESTIONS, _SUGGESTIONS.c.id == story.suggestion_id)
        # The state is checked below, not here: on a table not analysed since a big import,
        # PostgreSQL would rather scan the state index over every link than the jira_id one.
        .where(_LINKS.c.jira_id.in_(sorted(set(jira_ids))))
        .order_by(_LINKS.c.id)
    )
    links: dict[str, list[_Link]] = defaultdict(list)
    for row in session.connection().execute(query):
        values = row._mapping
        if values["state"] != PushState.PUSHED.value:
            continue
        link = _Link(
            id=values["id"],
            story_id=values["story_id"],
            initiative_id=values["initiative_id"] or values["story_initiative_id"],
            suggestion_id=values["suggestion_id"],
            submitted_at=values["submitted_at"],
            **{name: values[name] for name in _STORED},
        )
        link.jira_key = link.jira_key or ""
        link.fix_versions = list(link.fix_versions or [])
        links[values["jira_id"]].append(link)
    return links


def _save_links(
    session: Session, touched: Sequence[int], changed: Sequence[_Link], now: datetime
) -> None:
    """Stamp every touched link as seen now, and write the changed ones whole: two UPDATEs for
    the batch, the second one executemany (a quiet sync only sends the first)."""
    if not touched:
        return
    connection = session.connection()
    connection.execute(update(_LINKS).where(_LINKS.c.id.in_(touched)).values(synced_at=now))
    if changed:
        statement = (
            update(_LINKS)
            .where(_LINKS.c.id == bindparam("link_id"))
            .values({name: bindparam(f"new_{name}", type_=_LINKS.c[name].type) for name in _STORED})
        )
        connection.execute(
            statement,
            [
                {"link_id": link.id} | {f"new_{name}": getattr(link, name) for name in _STORED}
                for link in changed
            ],
        )
    # ORM copies of these links the caller's session may hold are out of date now.
    stale = set(touched)
    for held in list(session.identity_map.values()):
        if isinstance(held, JiraLink) and held.id in stale:
            session.expire(held)


def _moved_url(browse_url: str, key: str) -> str:
    base, found, _ = browse_url.rpartition("/browse/")
    return f"{base}/browse/{key}" if found else browse_url


def _record_histories(batch: _Batch, link: _Link, histories: Sequence[StatusHistory]) -> None:
    for history in histories:
        if (link.id, history.history_id) in batch.recorded:
            continue
        batch.recorded.add((link.id, history.history_id))
        batch.event(
            link,
            from_status=history.from_status[:80],
            to_status=history.to_status[:80],
            from_state=batch.state(history.from_status),
            to_state=batch.state(history.to_status),
            author=history.author[:200],
            history_id=history.history_id,
            changed_at=batch.clamp(history.changed_at, link),
        )


def _apply_one(batch: _Batch, link: _Link, snapshot: IssueSnapshot) -> bool:
    """Store the snapshot on the link and queue its status events; True if a field changed."""
    before = link.stored()
    histories = sorted(snapshot.histories, key=lambda h: h.changed_at)
    stale = (
        snapshot.updated is not None
        and link.jira_updated_at is not None
        and snapshot.updated < link.jira_updated_at
    )
    # An out-of-order webhook adds its histories but must not undo what a newer snapshot stored.
    if not stale and snapshot.key and snapshot.key != link.jira_key:  # moved to another project
        link.jira_key = snapshot.key[:40]
        link.browse_url = _moved_url(link.browse_url, link.jira_key)
    _record_histories(batch, link, histories)
    link.missing_since = None
    if not stale:
        _store_status(batch, link, snapshot, histories)
    return link.stored() != before


def _store_status(
    batch: _Batch, link: _Link, snapshot: IssueSnapshot, histories: Sequence[StatusHistory]
) -> None:
    state = batch.state(snapshot.status_name, snapshot.status_category)
    changed = snapshot.status_name[:80] != link.status_name
    explained = bool(histories) and histories[-1].to_status.lower() == snapshot.status_name.lower()
    # A freshly pushed issue starts in a to-do status: only a first sight elsewhere is news.
    news = bool(link.status_name) or state != DeliveryState.TODO.value
    if changed and not explained and news:
        before = histories[-1].to_status if histories else link.status_name
        batch.event(
            link,
            from_status=before[:80],
            to_status=snapshot.status_name[:80],
            from_state=batch.state(before) if histories else link.delivery_state,
            to_state=state,
            author="",
            history_id=None,
            changed_at=batch.clamp(snapshot.updated or batch.now, link),
        )
    if histories:
        last = histories[-1].changed_at
        # A change Jira dates in the future is seen again by the next syncs (their windows
        # overlap); it keeps the time first clamped instead of creeping forward each time.
        if not (last > batch.now and not changed and link.status_since is not None):
            link.status_since = batch.clamp(last, link)
    elif changed:
        link.status_since = batch.clamp(snapshot.updated or batch.now, link)
    link.status_name = snapshot.status_name[:80]
    link.status_category = snapshot.status_category[:20]
    link.delivery_state = state
    link.resolution = snapshot.resolution[:80]
    link.assignee = snapshot.assignee[:200]
    link.fix_versions = list(snapshot.fix_versions)
    if snapshot.sprint is not None:
        link.sprint = snapshot.sprint[:200]
    if snapshot.updated is not None:
        link.jira_updated_at = snapshot.updated


def _known_categories(
    session: Session, snapshots: Sequence[IssueSnapshot], links: Iterable[_Link]
) -> dict[str, str]:
    """Status name -> category, for the statuses of changelog entries (which carry names only):
    what these snapshots and links show, and only if that leaves a name unknown, what every
    tracked link shows (a quiet sync carries no changelog and so skips that query)."""
    known = {link.status_name.lower(): link.status_category for link in links}
    known.update({s.status_name.lower(): s.status_category for s in snapshots if s.status_name})
    named = {
        name.lower()
        for s in snapshots
        for history in s.histories
        for name in (history.from_status, history.to_status)
    }
    if named - known.keys():
        rows = session.connection().execute(
            select_columns(_LINKS.c.status_name, _LINKS.c.status_category)
            .where(_LINKS.c.status_name != "", _LINKS.c.status_category != "")
            .distinct()
        )
        known = {name.lower(): category for name, category in rows} | known
    known.pop("", None)
    return known


def _recorded(
    session: Session, link_ids: Iterable[int], snapshots: Sequence[IssueSnapshot]
) -> set[tuple[int, str]]:
    """(link, history) pairs already stored for these links, in one query (only when the
    snapshots carry histories). An issue has tens of status changes at most, so no time filter:
    one would tempt PostgreSQL into the changed_at index over every event."""
    ids = sorted(set(link_ids))
    if not ids or not any(snapshot.histories for snapshot in snapshots):
        return set()
    rows = session.connection().execute(
        select_columns(_EVENTS.c.link_id, _EVENTS.c.history_id).where(
            _EVENTS.c.link_id.in_(ids), _EVENTS.c.history_id.is_not(None)
        )
    )
    return {(link_id, history_id) for link_id, history_id in rows}


def _insert_events(session: Session, rows: list[dict[str, object]]) -> None:
    """One multi-row INSERT; a history a concurrent webhook stored meanwhile is skipped, not an
    IntegrityError."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql_insert(_EVENTS).on_conflict_do_nothing(
            index_elements=["link_id", "history_id"]
        )
    elif dialect == "sqlite":
        statement = sqlite_insert(_EVENTS).on_conflict_do_nothing(
            index_elements=["link_id", "history_id"]
        )
    else:
        statement = insert(_EVENTS)
    session.connection().execute(statement, rows)


def apply_snapshots(
    session: Session,
    snapshots: Sequence[IssueSnapshot],
    *,
    source: str,
    now: datetime,
    settings: SyncSettings,
) -> ApplyResult:
    """Store what Jira says about tracked issues (untracked ids are ignored), record a status
    event per new status change, and roll the affected suggestions up. Flushes, never commits;
    the number of statements does not grow with len(snapshots)."""
    result = ApplyResult()
    if not snapshots:
        return result
    session.flush()  # the links are read and written below the ORM
    links = _load_links(session, (snapshot.jira_id for snapshot in snapshots))
    if not links:
        return result
    every = [link for found in links.values() for link in found]
    batch = _Batch(
        settings=settings,
        source=source,
        now=now,
        categories=_known_categories(session, snapshots, every),
        recorded=_recorded(session, (link.id for link in every), snapshots),
    )
    changed: dict[int, _Link] = {}
    first_seen: set[int] = set()
    touched: dict[int, _Link] = {}
    for snapshot in snapshots:
        for link in links.get(snapshot.jira_id, ()):
            result.checked += 1
            touched[link.id] = link
            if not link.status_name:
                first_seen.add(link.id)
            if _apply_one(batch, link, snapshot):
                changed[link.id] = link
    result.recorded = len(changed.keys() & first_seen)
    result.changed = len(changed) - result.recorded
    result.events = len(batch.events)
    _save_links(session, sorted(touched), list(changed.values()), now)
    _insert_events(session, batch.events)
    roll_up(
        session,
        suggestion_ids={link.suggestion_id for link in touched.values() if link.suggestion_id},
        now=now,
    )
    session.flush()
    return result
