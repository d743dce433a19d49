"""Queues: create, edit, merge, and the queue an idea's free-text queue name stands for.

Names are matched by key (trimmed, inner spaces collapsed, case-folded), so "Spam appeals (EN)"
and "spam appeals  (en)" are one queue. Ideas keep the queue's name beside its id
(`Suggestion.queue`); every rename and merge here keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.inputs import clean_text
from tracker.models import (
    Benefit,
    KpiSignal,
    KpiValue,
    Organisation,
    Queue,
    QueueOrganisation,
    Suggestion,
    User,
)
from tracker.permissions import Permission, require
from tracker.services.kpis import visibility

NAME_MAX = 120


def queue_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def tidy_name(name: str) -> str:
    return " ".join(name.split())


@dataclass(frozen=True)
class QueueInput:
    name: str
    area: str = ""
    description: str = ""
    active: bool = True
    organisation_ids: tuple[int, ...] = ()


def _validated(session: Session, data: QueueInput, *, areas: Sequence[str]) -> QueueInput:
    fields: dict[str, str] = {}
    name = tidy_name(clean_text(data.name, "name"))
    if not name:
        fields["name"] = "Give the queue a name."
    elif len(name) > NAME_MAX:
        fields["name"] = f"Keep the name to {NAME_MAX} characters."
    area = clean_text(data.area, "area").strip()
    if area and area not in areas:
        fields["area"] = f"Choose one of the areas: {', '.join(areas)}."
    description = clean_text(data.description, "description").strip()
    if len(description) > 2000:
        fields["description"] = "Keep the description to 2,000 characters."
    known = set(
        session.exec(select(Organisation.id).where(col(Organisation.id).in_(data.organisation_ids)))
    )
    unknown = [str(org) for org in data.organisation_ids if org not in known]
    if unknown:
        fields["organisation_ids"] = f"No organisation with id {', '.join(unknown)}."
    if fields:
        raise ValidationFailed("Some fields need attention.", fields=fields)
    return QueueInput(
        name=name,
        area=area,
        description=description,
        active=data.active,
        organisation_ids=tuple(sorted(set(data.organisation_ids))),
    )


def find_by_name(session: Session, name: str) -> Queue | None:
    key = queue_key(name)
    if not key:
        return None
    return session.exec(select(Queue).where(col(Queue.key) == key)).first()


def create_queue(session: Session, *, actor: User, data: QueueInput, areas: Sequence[str]) -> Queue:
    require(actor, Permission.MANAGE_QUEUES, "Only PMs can add queues.")
    clean = _validated(session, data, areas=areas)
    if find_by_name(session, clean.name) is not None:
        raise Conflict(
            f'A queue named "{clean.name}" exists already.',
            fields={"name": "This name is taken (case and spacing do not count)."},
        )
    queue = Queue(
        name=clean.name,
        key=queue_key(clean.name),
        area=clean.area,
        description=clean.description,
        active=clean.active,
    )
    session.add(queue)
    session.flush()
    _set_organisations(session, queue, clean.organisation_ids)
    return queue


def update_queue(
    session: Session, *, actor: User, queue_id: int, data: QueueInput, areas: Sequence[str]
) -> Queue:
    require(actor, Permission.MANAGE_QUEUES, "Only PMs can change queues.")
    queue = get_queue(session, queue_id)
    clean = _validated(session, data, areas=areas)
    same_name = find_by_name(session, clean.name)
    if same_name is not None and same_name.id != queue.id:
        raise Conflict(
            f'A queue named "{clean.name}" exists already; merge the two instead.',
            fields={"name": "This name is taken (case and spacing do not count)."},
        )
    if clean.name != queue.name:
        session.execute(
            update(Suggestion)
            .where(col(Suggestion.queue_id) == queue.id)
            .values(queue=clean.name)
            .execution_options(synchronize_session=False)
        )
    queue.name, queue.key = clean.name, queue_key(clean.name)
    queue.area, queue.description, queue.active = clean.area, clean.description, clean.active
    session.add(queue)
    _set_organisations(session, queue, clean.organisation_ids)
    session.flush()
    return queue


def _set_organisations(session: Session, queue: Queue, organisation_ids: Iterable[int]) -> None:
    assert queue.id is not None
    session.execute(delete(QueueOrganisation).where(col(QueueOrganisation.queue_id) == queue.id))
    for organisation_id in organisation_ids:
        session.add(QueueOrganisation(queue_id=queue.id, organisation_id=organisation_id))
    session.flush()


def get_queue(session: Session, queue_id: int) -> Queue:
    queue = session.get(Queue, queue_id)
    if queue is None:
        raise NotFound(f"Queue {queue_id} does not exist.")
    return queue


def organisations_of(session: Session, queue_ids: Iterable[int]) -> dict[int, list[Organisation]]:
    """queue id -> the organisations working it, by name."""
    ids = list(queue_ids)
    found: dict[int, list[Organisation]] = {queue_id: [] for queue_id in ids}
    if not ids:
        return found
    rows = session.exec(
        select(QueueOrganisation.queue_id, Organisation)
        .join(Organisation, col(Organisation.id) == QueueOrganisation.organisation_id)
        .where(col(QueueOrganisation.queue_id).in_(ids))
        .order_by(col(Organisation.name))
    )
    for queue_id, organisation in rows:
        found[queue_id].append(organisation)
    return found


def list_visible(
    session: Session, *, actor: User, include_inactive: bool = True
) -> Sequence[Queue]:
    """The queues this person may see, by area then name."""
    query = select(Queue).where(visibility.visible_clause(actor))
    if not include_inactive:
        query = query.where(col(Queue.active).is_(True))
    return session.exec(query.order_by(col(Queue.area), col(Queue.key))).all()


def idea_counts(session: Session, queue_ids: Iterable[int]) -> dict[int, int]:
    ids = list(queue_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Suggestion.queue_id, func.count())
        .where(col(Suggestion.queue_id).in_(ids))
        .group_by(col(Suggestion.queue_id))
    )
    return {int(queue_id): int(count) for queue_id, count in rows if queue_id is not None}


def queue_for_idea(session: Session, *, name: str, area: str) -> Queue | None:
    """The queue an idea's typed queue name stands for; a name no queue has yet becomes a new
    queue in the idea's area (PMs merge stray spellings later). Blank names give None."""
    tidy = tidy_name(name)[:NAME_MAX]
    if not tidy:
        return None
    found = find_by_name(session, tidy)
    if found is not None:
        return found
    queue = Queue(name=tidy, key=queue_key(tidy), area=area)
    try:
        with session.begin_nested():
            session.add(queue)
            session.flush()
    except IntegrityError:  # another request made it a moment ago: use theirs
        found = find_by_name(session, tidy)
        if found is None:
            raise
        return found
    return queue


def attach_to_idea(session: Session, suggestion: Suggestion) -> None:
    """Point the idea at the queue its `queue` text names (the text becomes the queue's name)."""
    queue = queue_for_idea(session, name=suggestion.queue, area=suggestion.area)
    suggestion.queue_id = queue.id if queue is not None else None
    suggestion.queue = queue.name if queue is not None else ""


@dataclass(frozen=True)
class MergeResult:
    target: Queue
    merged: list[str]
    ideas_moved: int
    values_moved: int
    values_dropped: int


def merge_queues(
    session: Session, *, actor: User, source_ids: Sequence[int], target_id: int
) -> MergeResult:
    """Fold the source queues into the target: their ideas, organisations and KPI values move
    (where both have a value for a metric on a day, the target's is kept), signals are dropped
    (the next scan finds them again on the merged series), and the sources are deleted."""
    require(actor, Permission.MANAGE_QUEUES, "Only PMs can merge queues.")
    target = get_queue(session, target_id)
    sources = [get_queue(session, source_id) for source_id in dict.fromkeys(source_ids)]
    if not sources:
        raise ValidationFailed(
            "Choose the queues to merge.", fields={"source_ids": "Choose at least one queue."}
        )
    if any(source.id == target.id for source in sources):
        raise ValidationFailed(
            "A queue cannot be merged into itself.",
            fields={"source_ids": "Leave the target queue out of the queues to merge."},
        )
    assert target.id is not None
    target_key = target.id
    ids = [source.id for source in sources if source.id is not None]
    moved = session.execute(
        update(Suggestion)
        .where(col(Suggestion.queue_id).in_(ids))
        .values(queue_id=target.id, queue=target.name)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # Measurements follow their ideas, and the merged series changes what they compare: the
    # scheduler measures them again.
    session.execute(
        update(Benefit)
        .where(col(Benefit.queue_id).in_([*ids, target_key]))
        .values(queue_id=target_key, stale=True)
        .execution_options(synchronize_session=False)
    )
    organisations = set(organisations_of(session, [target_key]).get(target_key, []))
    organisation_ids = {org.id for org in organisations} | {
        org.id for orgs in organisations_of(session, ids).values() for org in orgs
    }
    dropped = 0
    # Where the target (or an earlier source) has the day already, its value stays.
    values_moved = 0
    for source in sources:
        taken = select(col(KpiValue.metric), col(KpiValue.day)).where(
            col(KpiValue.queue_id) == target_key
        )
        existing = {(metric, day) for metric, day in session.execute(taken)}
        rows = session.exec(select(KpiValue).where(col(KpiValue.queue_id) == source.id)).all()
        for row in rows:
            if (row.metric, row.day) in existing:
                session.delete(row)
                dropped += 1
                continue
            session.add(
                KpiValue(
                    queue_id=target_key,
                    metric=row.metric,
                    day=row.day,
                    value=row.value,
                    source=row.source,
                    updated_at=row.updated_at,
                )
            )
            session.delete(row)
            values_moved += 1
        session.flush()
    session.execute(delete(KpiSignal).where(col(KpiSignal.queue_id).in_([*ids, target_key])))
    session.execute(delete(QueueOrganisation).where(col(QueueOrganisation.queue_id).in_(ids)))
    names = [source.name for source in sources]
    for source in sources:
        session.delete(source)
    session.flush()
    _set_organisations(session, target, sorted(i for i in organisation_ids if i is not None))
    return MergeResult(
        target=target,
        merged=names,
        ideas_moved=int(moved or 0),
        values_moved=values_moved,
        values_dropped=int(dropped or 0),
    )
