"""The KPI CSV import page: a dry run reports and stores nothing, an import stores and reports,
rejected rows are listed with their row, field and reason, and a bad header is named."""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import select

from tests.helpers.kpis import make_queue
from tracker import db
from tracker.models import KpiLoad, KpiValue, Role

URL = "/kpis/import"
WIDE = "queue,date,incoming,manual_incoming\nSpam appeals (EN),2026-11-30,812,400\n"


def _post(client: Any, text: str, **fields: str) -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(text.encode("utf-8")), "kpis.csv"), **fields}
    return client.submit(URL, data, content_type="multipart/form-data")


def _values(app: Any) -> dict[str, float]:
    with db.session_scope(app) as session:
        return {v.metric: v.value for v in session.exec(select(KpiValue)).all()}


def test_the_page_explains_both_layouts(app, client, login_as):
    login_as(Role.PM)
    page = client.get(URL)
    assert page.status_code == 200
    assert "queue,date,metric,value" in page.text
    assert "manual_incoming" in page.text
    # The upload limit (security.max_request_bytes, 2 MiB) and where bigger files go.
    assert "up to 2,048 KiB here" in page.text
    assert "tracker kpis import FILE" in page.text


def test_a_dry_run_reports_the_counts_and_stores_nothing(app, client, login_as):
    make_queue(app)
    login_as(Role.PM)
    response = _post(client, WIDE, mode="all", dry_run="y")
    assert response.status_code == 200
    assert "Nothing has been stored. An import would add 2" in response.text
    assert _values(app) == {}


def test_an_import_stores_the_values_and_again_changes_nothing(app, client, login_as):
    make_queue(app)
    login_as(Role.ADMIN)
    response = _post(client, WIDE, mode="all")
    assert response.status_code == 200
    assert "Added 2, changed 0, already stored 0" in response.text
    assert _values(app) == {"incoming": 812, "manual_incoming": 400}
    again = _post(client, WIDE.replace("400", "410"), mode="all")
    assert "Added 0, changed 1, already stored 1" in again.text


def test_rejected_rows_are_listed_and_mode_all_stores_none(app, client, login_as):
    make_queue(app)
    login_as(Role.PM)
    text = (
        "queue,date,metric,value\n"
        "Spam appeals (EN),2026-11-30,incoming,5\n"
        "Nowhere,2026-11-30,incoming,-1\n"
    )
    response = _post(client, text, mode="all")
    assert response.status_code == 422
    assert "1 row(s) are rejected, so nothing was stored" in response.text
    assert "No queue named &#39;Nowhere&#39;" in response.text
    assert "negative" in response.text
    assert _values(app) == {}
    with db.session_scope(app) as session:
        assert session.exec(select(KpiLoad.state)).one() == "failed"
    kept = _post(client, text, mode="valid")
    assert kept.status_code == 200
    assert _values(app) == {"incoming": 5}


def test_a_header_of_neither_layout_is_named_beside_the_file(app, client, login_as):
    login_as(Role.PM)
    response = _post(client, "name,when\nx,y\n", mode="all")
    assert response.status_code == 422
    assert "The first row must name the columns" in response.text


def test_a_submit_without_a_file_asks_for_one(app, client, login_as):
    login_as(Role.PM)
    response = client.submit(URL, {"mode": "all"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV file to upload." in response.text


def test_markup_in_a_file_is_shown_as_text(app, client, login_as):
    login_as(Role.PM)
    response = _post(client, "queue,date,incoming\n<b>x</b>,2026-11-30,1\n", mode="valid")
    assert "<b>x</b>" not in response.text
    assert "&lt;b&gt;x&lt;/b&gt;" in response.text
