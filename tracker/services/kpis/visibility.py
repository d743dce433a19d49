"""Who may see which queue's KPIs and signals: the one rule behind pages, API, exports, digests.

PMs, admins, stakeholders and internal agents see every queue. Vendor staff see the queues their
organisation works (queueorganisation). Like ideas, the rule asks the role, not the account
(tracker/permissions.py: vendor staff are the ones without VIEW_ALL_ORGANISATIONS).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, col, select

from tracker.errors import NotFound
from tracker.models import Queue, QueueOrganisation, User
from tracker.permissions import Permission, role_allows


def sees_every_queue(user: User) -> bool:
    return role_allows(user.role, Permission.VIEW_ALL_ORGANISATIONS)


def visible_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Queue selecting the queues whose data this user may see."""
    if not role_allows(user.role, Permission.VIEW_QUEUES):
        return false()
    if sees_every_queue(user):
        return true()
    if user.organisation_id is None:
        return false()
    worked = select(QueueOrganisation.queue_id).where(
        col(QueueOrganisation.organisation_id) == user.organisation_id
    )
    return col(Queue.id).in_(worked)


def can_view(session: Session, user: User, queue: Queue) -> bool:
    if not role_allows(user.role, Permission.VIEW_QUEUES):
        return False
    if sees_every_queue(user):
        return True
    if user.organisation_id is None or queue.id is None:
        return False
    link = session.get(QueueOrganisation, (queue.id, user.organisation_id))
    return link is not None


def visible_queue_ids(session: Session, user: User) -> set[int] | None:
    """The ids of the queues this user may see, or None for "every queue"."""
    if sees_every_queue(user) and role_allows(user.role, Permission.VIEW_QUEUES):
        return None
    rows: Any = session.exec(select(Queue.id).where(visible_clause(user)))
    return {int(queue_id) for queue_id in rows}


def get_visible(session: Session, user: User, queue_id: int) -> Queue:
    """The queue, or NotFound: a queue one may not see is indistinguishable from none."""
    queue = session.get(Queue, queue_id)
    if queue is None or not can_view(session, user, queue):
        raise NotFound(f"Queue {queue_id} does not exist or its data is not shared with you.")
    return queue
