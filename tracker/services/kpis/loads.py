"""KPI loads: what every load did (the admin page, `tracker kpis pull`), where the next pull of a
warehouse source starts (`since`), and a pull that failed before it could load anything.

The loads themselves are written by tracker/services/kpis/ingest.py; the pulls run in
sync/jobs/kpi_pull.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.errors import NotFound
from tracker.kpi_settings import KpiSourceSettings
from tracker.models import KpiLoad, LoadChannel, LoadState, User, utcnow
from tracker.pagination import Page, paginate

# A failed pull's error is one sentence and the driver's message; drivers can be verbose.
MAX_ERROR_CHARS = 2000


def pull_job_name(source: str) -> str:
    """The scheduler job (and database lease) that pulls `source`."""
    return f"kpi_pull:{source}"


@dataclass(frozen=True)
class LoadRow:
    """A load as the admin page lists it."""

    load: KpiLoad
    # Who sent it: a person's name, or the pull's source for scheduled and manual pulls.
    who: str


@dataclass(frozen=True)
class SourceStatus:
    """A configured warehouse source: its schedule and how its pulls stand."""

    name: str
    interval_minutes: float
    enabled: bool
    # Whether the scheduler pulls it: the source is enabled and the scheduler is on.
    scheduled: bool
    last_pull: KpiLoad | None
    # When the scheduler pulls it next: the last pull's start plus the interval, or now when
    # that has passed (None before the first pull, and when it is not scheduled).
    next_due: datetime | None


def pull_since(session: Session, *, source: str, settings: KpiSourceSettings, today: date) -> date:
    """The first day the next pull of `source` asks for: the latest day its successful pulls
    received minus `overlap_days` (so late corrections arrive), or `today - first_days` when no
    pull has received a row yet."""
    last_day = session.exec(
        select(func.max(KpiLoad.last_day)).where(
            KpiLoad.channel == LoadChannel.PULL.value,
            KpiLoad.source == source,
            KpiLoad.state == LoadState.SUCCEEDED.value,
        )
    ).one()
    if last_day is None:
        return today - timedelta(days=settings.first_days)
    return last_day - timedelta(days=settings.overlap_days)


def record_failed_pull(
    session: Session, *, source: str, since: date | None, error: str, started: datetime
) -> KpiLoad:
    """Record a pull of `source` that failed before its rows could be loaded (the warehouse
    could not be reached, the query failed, a column was missing). `error` must already be
    free of secrets. Flushes, does not commit."""
    load = KpiLoad(
        channel=LoadChannel.PULL.value,
        source=source[:60],
        state=LoadState.FAILED.value,
        since=since,
        error=error[:MAX_ERROR_CHARS],
        started_at=started,
        finished_at=utcnow(),
    )
    session.add(load)
    session.flush()
    return load


def get_load(session: Session, load_id: int) -> KpiLoad:
    """The load with this id. Raises NotFound."""
    load = session.get(KpiLoad, load_id)
    if load is None:
        raise NotFound("No such KPI load.")
    return load


def recent_loads(session: Session, *, page: int, per_page: int) -> Page[LoadRow]:
    """Every load, newest first, a page at a time, with who sent each."""
    query = select(KpiLoad).order_by(col(KpiLoad.started_at).desc(), col(KpiLoad.id).desc())
    found = paginate(session, query, page, per_page)
    names = _names(session, {load.actor_id for load in found.items if load.actor_id})
    rows = [LoadRow(load, _who(load, names)) for load in found.items]
    return Page(items=rows, total=found.total, page=found.page, per_page=found.per_page)


def source_statuses(
    session: Session,
    *,
    sources: Mapping[str, KpiSourceSettings],
    scheduled: bool,
    now: datetime,
) -> list[SourceStatus]:
    """Each configured source by name with its newest pull and when it is due next; with
    `scheduled` false (the scheduler is off) nothing is due."""
    statuses = []
    for name in sorted(sources):
        source = sources[name]
        last = session.exec(
            select(KpiLoad)
            .where(KpiLoad.channel == LoadChannel.PULL.value, KpiLoad.source == name)
            .order_by(col(KpiLoad.started_at).desc(), col(KpiLoad.id).desc())
            .limit(1)
        ).first()
        pulled = scheduled and source.enabled
        due = None
        if pulled and last is not None:
            due = max(now, last.started_at + timedelta(minutes=source.interval_minutes))
        statuses.append(
            SourceStatus(name, source.interval_minutes, source.enabled, pulled, last, due)
        )
    return statuses


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    users: Sequence[User] = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {user.id: user.display_name for user in users if user.id is not None}


def _who(load: KpiLoad, names: Mapping[int, str]) -> str:
    if load.actor_id is not None:
        return names.get(load.actor_id, "A removed account")
    if load.channel == LoadChannel.PULL.value:
        return f"Pull of {load.source}"
    return "—"
