"""Reading KPI CSV files: the long and wide layouts told apart by the header, spreadsheet row
numbers, Excel's habits, and headers that are neither layout refused naming `file`."""

from __future__ import annotations

import pytest

from tracker.config import Settings
from tracker.errors import ValidationFailed
from tracker.services.kpis import csv_format, metrics
from tracker.services.kpis.ingest import KpiRow, Unreadable

REGISTRY = metrics.registry(Settings())


def rows(text: str) -> list[KpiRow]:
    return list(csv_format.parse(text, registry=REGISTRY).rows())


def test_the_long_layout_gives_a_row_per_line_numbered_as_in_a_spreadsheet():
    text = (
        "Queue, Day ,Metric,Value\n"
        "Spam appeals (EN),2026-11-30,incoming,812\n"
        "\n"
        'Spam appeals (EN),2026-11-30,solved,"1,200"\n'
    )
    assert rows(text) == [
        KpiRow(2, "Spam appeals (EN)", "2026-11-30", "incoming", "812"),
        KpiRow(4, "Spam appeals (EN)", "2026-11-30", "solved", "1,200"),
    ]


def test_columns_in_another_order_are_read_by_name():
    text = "value,metric,date,queue\n5,backlog,2026-11-30,Refunds\n"
    assert rows(text) == [KpiRow(2, "Refunds", "2026-11-30", "backlog", "5")]


def test_the_wide_layout_gives_a_row_per_filled_metric_cell():
    text = (
        "\ufeffqueue,date,Incoming,Manual incoming,aht_minutes\n"
        "Refunds,2026-11-30,812,,6.5\n"
        "Refunds,2026-12-01,  ,40\n"
    )
    assert rows(text) == [
        KpiRow(2, "Refunds", "2026-11-30", "incoming", "812"),
        KpiRow(2, "Refunds", "2026-11-30", "aht_minutes", "6.5"),
        KpiRow(3, "Refunds", "2026-12-01", "manual_incoming", "40"),
    ]


def test_semicolon_files_from_excel_have_decimal_commas():
    text = "queue;date;incoming;aht_minutes\nRefunds;2026-11-30;812;6,5\n"
    assert [row.value for row in rows(text)] == ["812", "6.5"]


def test_a_row_with_stray_cells_is_one_rejected_value_not_a_shifted_row():
    [row] = rows("queue,date,incoming,solved\nRefunds,2026-11-30,8,12,99\n")
    assert row.number == 2
    assert isinstance(row.value, Unreadable)
    assert "1 cell(s) beyond the last named column" in row.value.reason


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "The file is empty"),
        ("\n\nqueue,date,incoming\n", "The file is empty"),
        ("name,when,what\nx,y,z\n", "queue,date,metric,value"),
        ("queue,date\nRefunds,2026-11-30\n", "queue,date,metric,value"),
        ("queue,date,incoming,happiness\n", "Not a metric: happiness"),
        ("queue,date,metric,value,note\n", "Not a metric: metric, value, note"),
        ("queue,date,agent_hours\n", "agent_hours is computed from manual_solved and aht_minutes"),
        ("queue,date,incoming,Incoming\n", "names incoming more than once"),
    ],
)
def test_a_header_that_is_neither_layout_is_refused_naming_the_file(text, says):
    with pytest.raises(ValidationFailed) as caught:
        csv_format.parse(text, registry=REGISTRY)
    assert says in caught.value.fields["file"]


def test_a_configured_metric_is_a_wide_column():
    settings = Settings(kpis={"metrics": {"sla_breaches": {"unit": "tickets"}}})
    parsed = csv_format.parse(
        "queue,date,SLA breaches\nRefunds,2026-11-30,3\n",
        registry=metrics.registry(settings),
    )
    assert [row.metric for row in parsed.rows()] == ["sla_breaches"]


def test_a_file_that_is_not_utf8_is_refused_with_how_to_save_it():
    with pytest.raises(ValidationFailed) as caught:
        csv_format.decode("queue,date\nCaf\xe9,2026-11-30\n".encode("latin-1"))
    assert "CSV UTF-8" in caught.value.fields["file"]
    assert csv_format.decode(b"\xef\xbb\xbfqueue") == "queue"
