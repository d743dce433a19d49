"""Spreading the demo's history over the past weeks. The services stamp everything with the
moment the demo loads; a newcomer should instead see ideas triaged days after they came in,
pushed to Jira after the decision, votes and comments trickling in, and lead times that mean
something. Only timestamps move here; every row was made by the services.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tracker.models import Comment, Status, StatusChange, Suggestion, Vote
from tracker.services.suggestions.decisions import DECIDED

# The tracker's own moves happen when Jira says so; their rows take the suggestion's stamp.
SYSTEM_MOVES = {Status.IN_DELIVERY.value: "in_jira_at", Status.DELIVERED.value: "delivered_at"}
MIN_LEAD = timedelta(days=10)  # submitted at least this long before an idea's first push
CATCH_UP_SHARE = 0.3


def retime(
    session: Session,
    *,
    ideas: Sequence[Suggestion],
    period_end: datetime,
    now: datetime,
    rng: random.Random,
) -> None:
    """Decisions between submission and the first push (else the last digest's period end, so
    that digest has them to report), system moves at the moments the roll-ups recorded, then
    votes and comments after each idea was submitted."""
    session.flush()
    by_idea: dict[int, list[StatusChange]] = defaultdict(list)
    ids = [idea.id for idea in ideas if idea.id is not None]
    for change in session.exec(
        select(StatusChange)
        .where(col(StatusChange.suggestion_id).in_(ids))
        .order_by(col(StatusChange.id))
    ):
        by_idea[change.suggestion_id].append(change)
    for idea in ideas:
        limit = period_end if idea.created_at < period_end - timedelta(days=1) else now
        # The PM caught up on older ideas last week, so that digest has decisions to report.
        catch_up = None
        if idea.created_at < period_end - timedelta(days=8) and rng.random() < CATCH_UP_SHARE:
            catch_up = period_end - timedelta(days=rng.uniform(0.2, 6.8))
        _retime_idea(idea, by_idea.get(idea.id or 0, []), limit, rng, catch_up=catch_up)
        session.add(idea)
    created = {idea.id: idea.created_at for idea in ideas}
    for row in [
        *session.exec(select(Vote).where(col(Vote.suggestion_id).in_(ids))),
        *session.exec(select(Comment).where(col(Comment.suggestion_id).in_(ids))),
    ]:
        start = created[row.suggestion_id]
        row.created_at = start + (now - start) * rng.uniform(0.05, 0.95)
        session.add(row)
    session.flush()


def _retime_idea(
    idea: Suggestion,
    changes: list[StatusChange],
    limit: datetime,
    rng: random.Random,
    *,
    catch_up: datetime | None,
) -> None:
    # The first entry records the submission itself; the tracker's own moves come from Jira.
    manual = [c for c in changes if c.from_status is not None and c.to_status not in SYSTEM_MOVES]
    if idea.in_jira_at is not None:
        # Accepted a few days before its first story reached Jira.
        limit = idea.in_jira_at - timedelta(days=rng.uniform(1.5, 5))
        if idea.created_at > limit - MIN_LEAD:
            idea.created_at = limit - MIN_LEAD - timedelta(days=rng.uniform(0, 20))
    moments, moment = [], idea.created_at
    for index in range(len(manual)):
        # Each move a few days after the one before; sooner when the idea is younger than that.
        gap = timedelta(days=rng.uniform(0.3, 6) + 5 * index)
        moment = min(moment + gap, moment + (limit - moment) * 0.6)
        moments.append(moment)
    if idea.in_jira_at is not None and moments:
        moments[-1] = limit  # the decision that let it be pushed
    elif catch_up is not None and moments:
        moments[-1] = max(moments[-1], catch_up)
    for change, moment in zip(manual, moments, strict=True):
        change.created_at = moment
        if change.to_status in DECIDED:
            idea.decided_at = moment
    for change in changes:
        if change.from_status is None:
            change.created_at = idea.created_at
        field = SYSTEM_MOVES.get(change.to_status)
        stamp = getattr(idea, field) if field else None
        if stamp is not None:
            change.created_at = stamp
    idea.updated_at = max([idea.created_at, *(change.created_at for change in changes)])
