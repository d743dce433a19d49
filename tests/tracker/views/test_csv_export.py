"""CSV export of a filtered backlog: the right rows, safe cells, Excel-friendly encoding."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.pool import QueuePool

from tests.helpers.suggestions import add_idea
from tracker import db
from tracker.models import Role, Status
from tracker.services.suggestions.csv_export import safe_cell


def read_csv(response) -> list[dict[str, str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("Plain text = fine", "Plain text = fine"),
        (42, "42"),
        (None, ""),
    ],
)
def test_safe_cell_defuses_formula_starts(value, expected):
    assert safe_cell(value) == expected


def test_export_has_the_filtered_rows_only_in_backlog_order(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Fraud low", area="Scams and fraud", score=1)
    add_idea(
        app,
        pm,
        "Fraud high",
        area="Scams and fraud",
        score=9,
        weekly_volume=600,
        minutes_saved_per_ticket=2.0,
    )
    add_idea(app, pm, "Spam idea", area="Content spam", score=50)

    response = client.get("/backlog/export.csv?area=Scams+and+fraud&per_page=1&page=2")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [row["title"] for row in rows] == ["Fraud high", "Fraud low"]  # all rows, not a page
    assert rows[0]["score"] == "9"
    assert rows[0]["hours_saved_per_week"] == "20"
    assert rows[0]["status"] == "New"
    assert rows[0]["url"].endswith(f"/suggestions/{rows[0]['id']}")


def test_export_escapes_formula_cells(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, '=HYPERLINK("http://evil.example","Click")', problem="-1+2 is the cost")

    rows = read_csv(client.get("/backlog/export.csv"))

    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[0]["problem"] == "'-1+2 is the cost"


def test_export_respects_visibility(app, client, login_as, make_user, make_organisation):
    vendor = login_as(Role.VENDOR, organisation_id=make_organisation(name="Own BPO").id)
    agent = make_user(Role.SUBMITTER)
    add_idea(app, vendor, "Mine")
    add_idea(app, agent, "Internal only")
    add_idea(app, agent, "Confidential", confidential=True, shared_with_vendors=False)
    add_idea(app, agent, "Shared with vendors", shared_with_vendors=True)

    rows = read_csv(client.get("/backlog/export.csv"))

    assert sorted(row["title"] for row in rows) == ["Mine", "Shared with vendors"]
    assert {row["vendor"] for row in rows} == {"Own BPO", "Internal"}


def test_export_of_search_and_status_filters(app, client, login_as):
    pm = login_as(Role.PM)
    original = add_idea(app, pm, "Refund macro", problem="Refunds take ages.")
    add_idea(
        app,
        pm,
        "Refund copy",
        problem="Refunds again.",
        status=Status.DUPLICATE,
        duplicate_of_id=original,
    )
    add_idea(app, pm, "Unrelated", problem="Dashboards.")

    assert [r["title"] for r in read_csv(client.get("/backlog/export.csv?q=refund"))] == [
        "Refund macro"
    ]
    with_duplicates = read_csv(client.get("/backlog/export.csv?q=refund&status=any"))
    assert sorted(r["title"] for r in with_duplicates) == ["Refund copy", "Refund macro"]


def test_export_with_nothing_to_show_is_just_the_header(client, login_as):
    login_as(Role.STAKEHOLDER)
    response = client.get("/backlog/export.csv")
    assert response.status_code == 200
    assert read_csv(response) == []
    assert response.get_data().decode("utf-8-sig").startswith("id,title,status,area")


def test_export_returns_its_connection_whether_read_fully_or_abandoned(app, client, login_as):
    """A leaked connection would hold locks (and on PostgreSQL block every later TRUNCATE)."""
    pm = login_as(Role.PM)
    for number in range(3):
        add_idea(app, pm, f"Idea {number}", problem="x" * 9_000)
    pool = db.engine(app).pool
    assert isinstance(pool, QueuePool)

    assert len(read_csv(client.get("/backlog/export.csv"))) == 3
    assert pool.checkedout() == 0

    abandoned = client.get("/backlog/export.csv")
    assert next(abandoned.iter_encoded()).startswith(b"\xef\xbb\xbf")
    abandoned.close()
    assert pool.checkedout() == 0
