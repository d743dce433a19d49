"""`tracker kpis import FILE [--dry-run] [--valid-only]`: counts, rejected rows, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select

from tests.helpers.kpis import make_queue
from tracker import db
from tracker.models import KpiLoad, KpiValue

GOOD = "queue,date,incoming,solved\nSpam appeals (EN),2026-11-30,812,790\n"
MIXED = (
    "queue,date,metric,value\n"
    "Spam appeals (EN),2026-11-30,incoming,5\n"
    "Nowhere,2026-11-30,incoming,1\n"
)


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "kpis.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _values(app: Any) -> list[float]:
    with db.session_scope(app) as session:
        return sorted(session.exec(select(KpiValue.value)).all())


def test_an_import_prints_the_counts_and_is_recorded_as_csv(app, tracker, tmp_path):
    make_queue(app)
    result = tracker("kpis", "import", _file(tmp_path, GOOD))
    assert "inserted 2, updated 0, unchanged 0, rejected 0" in result.output
    assert _values(app) == [790, 812]
    again = tracker("kpis", "import", _file(tmp_path, GOOD))
    assert "inserted 0, updated 0, unchanged 2, rejected 0" in again.output
    with db.session_scope(app) as session:
        loads = session.exec(select(KpiLoad.channel, KpiLoad.source, KpiLoad.actor_id)).all()
    assert loads == [("csv", "kpis.csv", None)] * 2


def test_a_dry_run_stores_nothing(app, tracker, tmp_path):
    make_queue(app)
    result = tracker("kpis", "import", "--dry-run", _file(tmp_path, GOOD))
    assert "Dry run: nothing was stored." in result.output
    assert "inserted 2" in result.output
    assert _values(app) == []


def test_rejected_rows_are_printed_and_all_mode_exits_1_storing_nothing(app, tracker, tmp_path):
    make_queue(app)
    result = tracker("kpis", "import", _file(tmp_path, MIXED), expect=1)
    assert "row 3, queue: No queue named 'Nowhere'" in result.output
    assert "Nothing was stored" in result.output
    assert _values(app) == []
    kept = tracker("kpis", "import", "--valid-only", _file(tmp_path, MIXED))
    assert "inserted 1" in kept.output
    assert _values(app) == [5]


def test_a_file_of_neither_layout_is_an_error_naming_the_file(app, tracker, tmp_path):
    result = tracker("kpis", "import", _file(tmp_path, "name,when\nx,y\n"), expect=1)
    assert "file: The first row must name the columns" in result.output
