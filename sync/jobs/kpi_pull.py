"""Pulls of KPI rows from a SQL warehouse (`[kpis.sources.NAME]`), one source at a time.

A pull opens its own engine on the source's URL, runs the source's query for `day >= :since`
(`since` from tracker/services/kpis/loads.py: shortly before the last day received, or
`first_days` back the first time), and streams the rows into the ingest service, which records
the load with its counts and rejected rows. A source that cannot be reached or queried is
recorded as a failed load whose error names what went wrong and never shows the URL's password.
The scheduler runs one job per enabled source (sync/jobs/scheduler.py); `tracker kpis pull` and
the admin page's button run one now (sync/jobs/kpi_pull_now.py).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote, quote_plus
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Connection, CursorResult, Date, bindparam, create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from tracker.config import Settings
from tracker.db import session_scope
from tracker.kpi_settings import KpiSourceSettings
from tracker.models import LoadChannel, utcnow
from tracker.services.kpis import loads
from tracker.services.kpis.ingest import KpiRow, load_rows

log = logging.getLogger(__name__)

COLUMNS = ("queue", "day", "metric", "value")
# Rows fetched from the warehouse at a time: memory stays flat however many the query returns.
FETCH_ROWS = 1000
MASK = "***"
# Query parameters of a URL that may hold a secret (some dialects take credentials there).
_SECRET_KEYS = re.compile(r"pass|secret|token|key|credential", re.I)
_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


class PullFailed(Exception):
    """The pull could not load its rows: `sentence` says which step failed, `cause` is the
    driver's error (if any)."""

    def __init__(self, sentence: str, cause: BaseException | None = None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.cause = cause


def local_today(settings: Settings) -> date:
    """Today in the configured zone: the warehouse's days are local days."""
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()


def pull_source(app: Flask, name: str, *, today: date | None = None) -> int:
    """Pull source `name` now (whoever holds its lease calls this) and return the id of the
    KpiLoad that records it. A failing source is recorded as a failed load, not raised; only
    trouble with the tracker's own database raises. Raises KeyError for an unknown name."""
    settings: Settings = app.config["SETTINGS"]
    source = settings.kpis.sources[name]
    started = utcnow()
    with session_scope(app) as session:
        since = loads.pull_since(
            session, source=name, settings=source, today=today or local_today(settings)
        )
    try:
        load_id = _pull(app, name, source, since)
    except Exception as exc:  # any failure of the source is the load's error, one source at a time
        error = describe_failure(name, exc, source)
        if isinstance(exc, PullFailed):
            log.warning("KPI pull of %s failed: %s", name, error)
        else:
            log.error("KPI pull of %s failed unexpectedly: %s", name, error)
        with session_scope(app) as session:
            load = loads.record_failed_pull(
                session, source=name, since=since, error=error, started=started
            )
            assert load.id is not None
            return load.id
    log.info("KPI pull of %s since %s recorded as load %s", name, since, load_id)
    return load_id


def scheduled_pull(app: Flask, name: str) -> None:
    """The scheduler's job for one source."""
    pull_source(app, name)


def pull_enabled(app: Flask, name: str) -> bool:
    settings: Settings = app.config["SETTINGS"]
    source = settings.kpis.sources.get(name)
    return bool(source and source.enabled and settings.scheduler.enabled)


def interval_seconds(settings: Settings, name: str) -> float:
    return settings.kpis.sources[name].interval_minutes * 60


def _pull(app: Flask, name: str, source: KpiSourceSettings, since: date) -> int:
    settings: Settings = app.config["SETTINGS"]
    engine = _warehouse(name, source)
    try:
        try:
            connection = engine.connect()
        except Exception as exc:
            raise PullFailed(f"Could not connect to the warehouse of source '{name}'", exc) from exc
        with connection:
            try:
                _limit_time(connection, source.timeout_seconds)
                result = connection.execution_options(
                    stream_results=True, yield_per=FETCH_ROWS
                ).execute(_statement(name, source.query), {"since": since})
            except PullFailed:
                raise
            except Exception as exc:
                raise PullFailed(f"The query of source '{name}' failed", exc) from exc
            with result:  # a server-side cursor left open warns, and holds the warehouse
                positions = _positions(name, list(result.keys()))
                with session_scope(app) as session:
                    report = load_rows(
                        session,
                        rows=_rows(name, result, positions),
                        channel=LoadChannel.PULL,
                        settings=settings,
                        actor=None,
                        mode="valid",
                        source=name,
                        since=since,
                    )
            if report.load_id is None:
                raise PullFailed(f"The pull of source '{name}' was not recorded")
            return report.load_id
    finally:
        engine.dispose()


def _warehouse(name: str, source: KpiSourceSettings) -> Engine:
    """An engine on the source's URL that keeps no connection after the pull."""
    try:
        url = make_url(source.url.get_secret_value())
        connect_args: dict[str, Any] = {}
        if url.get_driver_name() in ("psycopg", "psycopg2"):  # libpq's own option
            connect_args["connect_timeout"] = max(1, round(source.timeout_seconds))
        return create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except Exception as exc:
        raise PullFailed(f"The warehouse URL of source '{name}' cannot be used", exc) from exc


def _limit_time(connection: Connection, seconds: float) -> None:
    """Stop a query that runs longer than `seconds`, where the dialect has a way to."""
    backend = connection.dialect.name
    milliseconds = max(1, round(seconds * 1000))
    if backend == "postgresql":
        connection.execute(
            text("SELECT set_config('statement_timeout', :ms, false)"), {"ms": str(milliseconds)}
        )
    elif backend == "mysql":
        connection.exec_driver_sql(f"SET SESSION max_execution_time = {milliseconds:d}")
    elif backend == "sqlite":
        # SQLite has no statement timeout; its progress handler may interrupt a long read.
        deadline = time.monotonic() + seconds
        raw: Any = connection.connection.driver_connection
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)


def _statement(name: str, query: str) -> Any:
    """The query with `:since` bound as a date (an ISO date on SQLite, a DATE elsewhere)."""
    statement = text(query)
    if "since" not in statement._bindparams:
        raise PullFailed(f"The query of source '{name}' must use :since (rows with day >= :since)")
    return statement.bindparams(bindparam("since", type_=Date))


def _positions(name: str, keys: Sequence[str]) -> tuple[int, ...]:
    """Where each of COLUMNS is in the result (names compared case-insensitively: some
    warehouses answer in capitals). Raises PullFailed naming the missing ones."""
    folded = [str(key).casefold() for key in keys]
    missing = [column for column in COLUMNS if column not in folded]
    if missing:
        raise PullFailed(
            f"The query of source '{name}' returned no column {', '.join(missing)}; it must "
            f"return queue, day, metric and value (it returned {', '.join(map(str, keys))})"
        )
    return tuple(folded.index(column) for column in COLUMNS)


def _rows(name: str, result: CursorResult[Any], positions: tuple[int, ...]) -> Iterator[KpiRow]:
    queue, day, metric, value = positions
    number = 0
    try:
        for row in result:
            number += 1
            yield KpiRow(
                number=number, queue=row[queue], day=row[day], metric=row[metric], value=row[value]
            )
    except SQLAlchemyError as exc:
        raise PullFailed(
            f"Reading the rows of source '{name}' failed after {number} rows", exc
        ) from exc


def describe_failure(name: str, exc: BaseException, source: KpiSourceSettings) -> str:
    """One line for the load's error: which step failed and the driver's own message, with
    the source URL's password (and any secret in it) masked."""
    if isinstance(exc, PullFailed):
        sentence, cause = exc.sentence, exc.cause
    else:
        sentence, cause = f"The pull of source '{name}' failed", exc
    message = f"{sentence}: {_driver_message(cause)}." if cause is not None else f"{sentence}."
    return mask_secrets(message, source.url.get_secret_value())


def _driver_message(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    detail = _BACKGROUND.sub("", str(cause))
    detail = " ".join(detail.split()).rstrip(".")
    return detail or type(exc).__name__


def mask_secrets(message: str, url: str) -> str:
    """`message` with the URL's password, and secret-looking query values, replaced by ***."""
    secrets = {url}
    try:
        parsed: URL | None = make_url(url)
    except Exception:  # an unparseable URL is masked whole
        parsed = None
    if parsed is not None:
        message = message.replace(url, parsed.render_as_string(hide_password=True))
        if parsed.password:
            secrets |= {str(parsed.password), quote(str(parsed.password), safe="")}
            secrets.add(quote_plus(str(parsed.password)))
        for key, value in parsed.query.items():
            if _SECRET_KEYS.search(key):
                values = (value,) if isinstance(value, str) else value
                secrets |= {item for item in values if item}
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            message = message.replace(secret, MASK)
    return message
