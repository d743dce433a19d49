"""What an initiative's delivered ideas saved: the sum of their measured agent hours with its
interval (totals.py's rule), out of how many delivered ideas, for the initiative list, its page
and the API. One query for any number of initiatives, over the ideas the viewer may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from tracker.models import Benefit, Status, Suggestion, User
from tracker.services.benefits.reads import figure
from tracker.services.benefits.totals import Total, combine
from tracker.services.benefits.visibility import benefit_clause
from tracker.services.kpis.metrics import AGENT_HOURS


@dataclass(frozen=True)
class InitiativeBenefit:
    delivered: int  # delivered ideas in the initiative
    total: Total | None  # agent hours; None until one of them is measured
    confidence: float = 0.95

    @property
    def summary(self) -> str:
        """ "measured 140 h/week (95% CI 90 to 190) from 3 of 5 delivered ideas; expected 180"."""
        if self.delivered == 0:
            return "No idea delivered yet."
        ideas = "idea" if self.delivered == 1 else "ideas"
        if self.total is None:
            return f"Nothing measured yet from {self.delivered} delivered {ideas}."
        t = self.total
        expected = f"; expected {figure(t.expected)}" if t.counted > t.expected_missing else ""
        return (
            f"Measured {figure(t.measured)} h/week ({round(self.confidence * 100)}% CI "
            f"{figure(t.low)} to {figure(t.high)}) from {t.counted} of {self.delivered} "
            f"delivered {ideas}{expected}"
        )


def sums(
    session: Session,
    *,
    actor: User,
    initiative_ids: Iterable[int],
    confidence: float = 0.95,
) -> dict[int, InitiativeBenefit]:
    """Each initiative's benefit (every id given has an entry), counting only the ideas whose
    benefit the actor may see."""
    wanted = sorted(set(initiative_ids))
    delivered: dict[int, int] = defaultdict(int)
    measured: dict[int, list[Benefit]] = defaultdict(list)
    if wanted:
        found = session.exec(
            select(col(Suggestion.initiative_id), Benefit)
            .outerjoin(Benefit, col(Benefit.suggestion_id) == col(Suggestion.id))
            .where(
                col(Suggestion.initiative_id).in_(wanted),
                col(Suggestion.status) == Status.DELIVERED,
                benefit_clause(actor),
            )
        ).all()
        for initiative_id, benefit in found:
            if initiative_id is None:
                continue
            delivered[initiative_id] += 1
            if benefit is not None and benefit.metric == AGENT_HOURS:
                measured[initiative_id].append(benefit)
    return {
        initiative_id: InitiativeBenefit(
            delivered=delivered[initiative_id],
            total=combine(measured[initiative_id]),
            confidence=confidence,
        )
        for initiative_id in wanted
    }
