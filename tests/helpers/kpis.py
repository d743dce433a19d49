"""Queues and KPI values for tests: queues made through the queues service, values stored as
they would be after a load (so tests of pages, series and signals need no import first)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import delete, insert
from sqlmodel import col

from tracker import db
from tracker.models import KpiSignal, KpiValue, Queue, Role, User, utcnow
from tracker.services.kpis import queues


def make_queue(
    app: Flask,
    name: str = "Spam appeals (EN)",
    *,
    area: str = "Content spam",
    organisation_ids: Iterable[int] = (),
    description: str = "",
) -> Queue:
    """A queue made by a PM through the service (with the organisations that work it)."""
    with db.session_scope(app) as session:
        pm = User(
            email=f"qpm-{name.casefold()}@example.com",
            display_name="Queue PM",
            password_hash="x",
            role=Role.PM,
        )
        queue = queues.create_queue(
            session,
            actor=pm,
            data=queues.QueueInput(
                name=name,
                area=area,
                description=description,
                organisation_ids=tuple(organisation_ids),
            ),
            areas=app.config["SETTINGS"].suggestions.areas,
        )
        session.expunge(queue)
        return queue


def put_values(
    app: Flask,
    queue_id: int | None,
    metric: str,
    values: Mapping[date, float],
    source: str = "test",
) -> None:
    """Store (or overwrite) `metric` of a queue on each day given (in bulk: a year of days for
    a few queues would take seconds one merge at a time)."""
    assert queue_id is not None
    days = list(values)
    with db.session_scope(app) as session:
        for start in range(0, len(days), 500):
            session.execute(
                delete(KpiValue).where(
                    col(KpiValue.queue_id) == queue_id,
                    col(KpiValue.metric) == metric,
                    col(KpiValue.day).in_(days[start : start + 500]),
                )
            )
        if days:
            session.execute(
                insert(KpiValue),
                [
                    {
                        "queue_id": queue_id,
                        "metric": metric,
                        "day": day,
                        "value": value,
                        "source": source,
                        "updated_at": utcnow(),
                    }
                    for day, value in values.items()
                ],
            )


def daily(start: date, values: Iterable[float]) -> dict[date, float]:
    """{day: value} for consecutive days from `start`."""
    return {start + timedelta(days=offset): value for offset, value in enumerate(values)}


def put_signal(app: Flask, queue_id: int, **fields: object) -> int:
    """Store a signal as the nightly scan leaves one; returns its id. Unless `fields` say
    otherwise: incoming to agents moved up from 1,160 to 1,860 tickets a week from Monday
    2 March 2026 (+70 agent hours a week, for the worse), detected now."""
    values: dict[str, object] = {
        "metric": "manual_incoming",
        "kind": "shift",
        "grain": "week",
        "day": date(2026, 3, 2),
        "baseline": 1160.0,
        "value": 1860.0,
        "size": 700.0,
        "agent_hours": 70.0,
        "worse": True,
    }
    values.update(fields)
    with db.session_scope(app) as session:
        signal = KpiSignal(queue_id=queue_id, **values)  # type: ignore[arg-type]
        session.add(signal)
        session.flush()
        assert signal.id is not None
        return signal.id
