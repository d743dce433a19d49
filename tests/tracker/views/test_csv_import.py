"""CSV import: a dry run names every error by row and column; import all rows or only valid ones."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlmodel import select

from tracker import db
from tracker.errors import ValidationFailed
from tracker.models import Role, Suggestion
from tracker.services.suggestions import csv_import

HEADER = "title,problem,proposed_change,area,weekly_volume,minutes_saved_per_ticket\n"
GOOD_1 = "Refund macro,Agents retype refunds,Add a macro,Other,1200,2\n"
BAD_VOLUME = "Spam queue,Too much spam,Auto-close,Content spam,lots,1\n"
GOOD_2 = "Fraud rule,Fraud slips past,Add a rule,Scams and fraud,,\n"


def upload(client, text: str | bytes, action: str, mode: str = "all", **extra):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.submit(
        "/suggestions/import",
        {"file": (io.BytesIO(data), "ideas.csv"), "action": action, "mode": mode, **extra},
        content_type="multipart/form-data",
    )


def stored_titles(app) -> list[str]:
    with db.session_scope(app) as session:
        return sorted(s.title for s in session.exec(select(Suggestion)).all())


def test_dry_run_names_row_and_column_and_imports_nothing(app, client, login_as):
    login_as(Role.VENDOR)

    page = upload(client, HEADER + GOOD_1 + BAD_VOLUME + GOOD_2, "dry_run")

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "2 of 3 row(s) are ready to import; 1 have errors" in text
    row_3 = re.search(r'<td class="num">3</td>(.*?)</tr>', text, re.S)
    assert row_3 is not None
    assert "weekly_volume: Weekly ticket volume must be a number." in row_3.group(1)
    assert stored_titles(app) == []


def test_all_or_nothing_with_one_bad_row_imports_nothing(app, client, login_as):
    login_as(Role.SUBMITTER)

    page = upload(client, HEADER + GOOD_1 + BAD_VOLUME + GOOD_2, "import", mode="all")

    assert page.status_code == 422
    assert "Nothing imported" in page.text
    assert "weekly_volume: Weekly ticket volume must be a number." in html.unescape(page.text)
    assert stored_titles(app) == []


def test_only_valid_rows_imports_the_good_rows_and_reports_the_rest(app, client, login_as):
    user = login_as(Role.VENDOR)

    page = upload(client, HEADER + GOOD_1 + BAD_VOLUME + GOOD_2, "import", mode="valid")

    assert page.status_code == 200
    assert "Imported 2 of 3 row(s); 1 row(s) with errors were left out" in page.text
    assert stored_titles(app) == ["Fraud rule", "Refund macro"]
    with db.session_scope(app) as session:
        macro = session.exec(select(Suggestion).where(Suggestion.title == "Refund macro")).one()
        assert macro.submitter_id == user.id
        assert macro.organisation_id == user.organisation_id
        assert macro.weekly_volume == 1200
        assert f'href="/suggestions/{macro.id}"' in page.text


def test_all_valid_file_imports_everything_in_one_go(app, client, login_as):
    login_as(Role.PM)
    page = upload(client, HEADER + GOOD_1 + GOOD_2, "import", mode="all")
    assert page.status_code == 200
    assert "Imported 2 suggestion(s) from ideas.csv." in page.text
    assert stored_titles(app) == ["Fraud rule", "Refund macro"]


def test_bom_semicolons_friendly_headers_and_local_numbers(app, client, login_as):
    login_as(Role.SUBMITTER)
    text = (
        "Title;Problem today;Proposed change;Area;Weekly ticket volume;"
        "Average handle time;Minutes saved per ticket;Confidential\r\n"
        "Café macro;Agents retype « refunds »;Add a macro;scams and fraud;1200;6,5;2,5;yes\r\n"
    )

    page = upload(client, "\ufeff".encode() + text.encode("utf-8"), "import")

    assert page.status_code == 200, page.text
    with db.session_scope(app) as session:
        stored = session.exec(select(Suggestion)).one()
    assert stored.title == "Café macro"  # the BOM did not end up in the first header
    assert stored.problem == "Agents retype « refunds »"
    assert stored.area == "Scams and fraud"
    assert stored.handle_time_minutes == 6.5
    assert stored.minutes_saved_per_ticket == 2.5
    assert stored.confidential is True


def test_comma_file_with_bom_and_thousands(app, client, login_as):
    login_as(Role.SUBMITTER)
    text = (
        '\ufefftitle,problem,proposed_change,area,weekly_volume\nA,"Multi\nline",C,Other,"1,500"\n'
    )
    assert upload(client, text, "import").status_code == 200
    with db.session_scope(app) as session:
        stored = session.exec(select(Suggestion)).one()
    assert (stored.problem, stored.weekly_volume) == ("Multi\nline", 1500)


def test_the_file_is_kept_between_dry_run_and_import(app, client, login_as):
    login_as(Role.SUBMITTER)
    dry = upload(client, HEADER + GOOD_1, "dry_run")
    kept = re.search(r'name="csv_text" type="hidden" value="([^"]*)"', dry.text)
    assert kept is not None
    assert "ideas.csv is kept from the dry run" in dry.text

    page = client.submit(
        "/suggestions/import",
        {
            "csv_text": html.unescape(kept.group(1)),
            "filename": "ideas.csv",
            "action": "import",
            "mode": "all",
        },
        content_type="multipart/form-data",
    )

    assert page.status_code == 200
    assert stored_titles(app) == ["Refund macro"]


def test_file_problems_are_named_and_nothing_is_imported(app, client, login_as):
    login_as(Role.SUBMITTER)
    cases = {
        "title,area\nA,Other\n": "missing: problem, proposed_change",
        HEADER: "has a header but no rows",
        "": "Choose a CSV file",
    }
    for text, message in cases.items():
        page = (
            upload(client, text, "dry_run")
            if text
            else client.submit(
                "/suggestions/import", {"action": "dry_run"}, content_type="multipart/form-data"
            )
        )
        assert page.status_code == 422, text
        assert message in page.text, text
    latin1 = upload(client, (HEADER + "Café,a,b,Other,,\n").encode("latin-1"), "dry_run")
    assert latin1.status_code == 422
    assert "not UTF-8" in latin1.text
    assert stored_titles(app) == []


def test_unknown_columns_and_stray_cells_are_reported(client, login_as):
    login_as(Role.SUBMITTER)
    text = "title,problem,proposed_change,area,Owner\nA,B,C,Other,Kim\nD,E,F,Other,Lee,extra\n"
    page = html.unescape(upload(client, text, "dry_run").text)
    assert "Ignored columns (not known): Owner." in page
    assert "row: 1 cell(s) beyond the last named column" in page


def test_row_limit(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    with pytest.raises(ValidationFailed) as raised:
        csv_import.parse(HEADER + GOOD_1 + GOOD_1 + GOOD_2)
    assert "The file has 3 rows; import at most 2 at a time" in raised.value.fields["file"]


def test_template_lists_every_column(client, login_as):
    login_as(Role.VENDOR)
    response = client.get("/suggestions/import/template.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    header = response.get_data().decode("utf-8-sig").strip()
    assert header.split(",") == list(csv_import.FIELDS)
    # The template itself is accepted as a header.
    assert csv_import.parse(header + "\nA,B,C,Other" + "," * 7).columns.keys() == set(
        csv_import.FIELDS
    )


def test_stakeholder_can_view_but_not_import(client, login_as):
    login_as(Role.STAKEHOLDER)
    assert client.get("/backlog").status_code == 200
    assert client.get("/matrix").status_code == 200
    assert client.get("/suggestions/import").status_code == 403
    assert upload(client, HEADER + GOOD_1, "import").status_code == 403
    assert client.get("/suggestions/import/template.csv").status_code == 403


def test_import_page_explains_the_columns(client, login_as):
    login_as(Role.SUBMITTER)
    page = client.get("/suggestions/import")
    assert page.status_code == 200
    assert "Download the template CSV" in page.text
    assert "All rows or nothing" in page.text
    assert "Only valid rows" in page.text


def test_nul_characters_from_broken_exports_are_dropped(app, client, login_as):
    login_as(Role.SUBMITTER)
    assert upload(client, HEADER + "Re\x00fund,a,b,Other,,\n", "import").status_code == 200
    assert stored_titles(app) == ["Refund"]
