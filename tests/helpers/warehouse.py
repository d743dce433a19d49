"""A second real database acting as the KPI warehouse: a SQLite file, or a schema of its own in
the test PostgreSQL database (dropped afterwards), with one table of daily queue KPI rows whose
column names differ from the ones the pull expects, as a real warehouse's would."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from tests.helpers.databases import postgres_server

# One warehouse row: queue name, day, metric, value.
WarehouseRow = tuple[str, date, str, float]


@dataclass
class Warehouse:
    url: str
    table: str
    engine: Engine

    def _day(self, day: date) -> date | str:
        # SQLite's driver has no date type (its default adapter is deprecated): ISO text.
        return day.isoformat() if self.engine.dialect.name == "sqlite" else day

    @property
    def query(self) -> str:
        """The source's query: the warehouse's own column names renamed to the pull's."""
        return (
            "SELECT queue_name AS queue, kpi_day AS day, metric, kpi_value AS value "
            f"FROM {self.table} WHERE kpi_day >= :since ORDER BY kpi_day, queue_name, metric"
        )

    def source(self, **overrides: Any) -> dict[str, Any]:
        """A `[kpis.sources.NAME]` section reading this warehouse."""
        return {"url": self.url, "query": self.query, **overrides}

    def put(self, rows: Iterable[WarehouseRow]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                text(f"INSERT INTO {self.table} VALUES (:queue, :day, :metric, :value)"),
                [
                    {"queue": queue, "day": self._day(day), "metric": metric, "value": value}
                    for queue, day, metric, value in rows
                ],
            )

    def change(self, queue: str, day: date, metric: str, value: float) -> None:
        """A late correction in the warehouse: a new value for a row it holds."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                text(
                    f"UPDATE {self.table} SET kpi_value = :value "
                    "WHERE queue_name = :queue AND kpi_day = :day AND metric = :metric"
                ),
                {"queue": queue, "day": self._day(day), "metric": metric, "value": value},
            )
            assert changed.rowcount == 1


@contextmanager
def sqlite_warehouse(folder: Path) -> Iterator[Warehouse]:
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE queue_kpis (queue_name TEXT NOT NULL, kpi_day TEXT NOT NULL, "
                "metric TEXT NOT NULL, kpi_value REAL NOT NULL)"
            )
        )
    try:
        yield Warehouse(url, "queue_kpis", engine)
    finally:
        engine.dispose()


@contextmanager
def postgres_warehouse() -> Iterator[Warehouse]:
    """A schema `warehouse_<random>` in the test PostgreSQL database; skips without one (fails
    in CI)."""
    server = postgres_server()
    schema = f"warehouse_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        connection.execute(
            text(
                f'CREATE TABLE "{schema}".queue_kpis (queue_name text NOT NULL, '
                "kpi_day date NOT NULL, metric text NOT NULL, kpi_value numeric NOT NULL)"
            )
        )
    try:
        yield Warehouse(server, f'"{schema}".queue_kpis', engine)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
