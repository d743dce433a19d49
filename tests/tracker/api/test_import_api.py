"""Bulk import through POST /api/v1/suggestions/import: dry run, all or nothing, valid rows only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from tests.helpers.api import DocumentedCalls, idea
from tracker import db
from tracker.models import Role, Suggestion

URL = "/api/v1/suggestions/import"


def _stored_titles(app: Any) -> list[str]:
    with db.session_scope(app) as session:
        return sorted(session.exec(select(Suggestion.title)).all())


def _count(app: Any) -> int:
    with db.session_scope(app) as session:
        return session.exec(select(func.count()).select_from(Suggestion)).one()


def _rows() -> list[dict[str, Any]]:
    """Row 1 is fine, row 2 lacks a title and has a bad number, row 3 is fine."""
    return [
        idea(title="Refund receipts checked automatically"),
        idea(title="", weekly_volume="lots"),
        idea(title="Spam macros for the appeals queue", evidence_links=[]),
    ]


def test_a_dry_run_reports_each_row_by_field_and_stores_nothing(app, client, api_user):
    _, headers = api_user(Role.SUBMITTER)
    response = client.post(URL, json={"rows": _rows(), "dry_run": True}, headers=headers)
    assert response.status_code == 200, response.text
    report = response.get_json()
    assert (report["valid"], report["invalid"], report["imported"]) == (2, 1, 0)
    assert report["dry_run"] is True
    assert [row["row"] for row in report["rows"]] == [1, 2, 3]
    assert [row["ok"] for row in report["rows"]] == [True, False, True]
    errors = report["rows"][1]["errors"]
    assert errors == {
        "title": "Title is required.",
        "weekly_volume": "Weekly ticket volume must be a number.",
    }
    assert all(row["id"] is None for row in report["rows"])
    assert _count(app) == 0


def test_all_or_nothing_imports_nothing_when_a_row_fails(app, client, api_user):
    _, headers = api_user(Role.SUBMITTER)
    response = client.post(URL, json={"rows": _rows()}, headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "Nothing was imported: 1 row(s) have errors."
    assert body["fields"] == {
        "rows.2.title": "Title is required.",
        "rows.2.weekly_volume": "Weekly ticket volume must be a number.",
    }
    assert body["report"]["mode"] == "all_or_nothing"
    assert body["report"]["imported"] == 0
    assert _count(app) == 0


def test_valid_only_imports_the_good_rows_and_lists_the_rest(app, client, api_user):
    user, headers = api_user(Role.SUBMITTER)
    response = client.post(URL, json={"rows": _rows(), "mode": "valid_only"}, headers=headers)
    assert response.status_code == 200, response.text
    report = response.get_json()
    assert (report["valid"], report["invalid"], report["imported"]) == (2, 1, 2)
    first, bad, third = report["rows"]
    assert bad["id"] is None
    assert bad["errors"]["title"] == "Title is required."
    assert _stored_titles(app) == [
        "Refund receipts checked automatically",
        "Spam macros for the appeals queue",
    ]
    stored = client.get(f"/api/v1/suggestions/{first['id']}", headers=headers).get_json()
    assert stored["title"] == "Refund receipts checked automatically"
    assert stored["submitter_id"] == user.id
    assert client.get(f"/api/v1/suggestions/{third['id']}", headers=headers).status_code == 200


def test_valid_only_with_no_valid_row_is_refused(app, client, api_user):
    _, headers = api_user(Role.SUBMITTER)
    response = client.post(
        URL, json={"rows": [idea(area="Nowhere")], "mode": "valid_only"}, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["fields"]["rows.1.area"].startswith("Area must be one of:")
    assert _count(app) == 0


def test_a_clean_import_stores_every_row_for_the_vendors_organisation(app, client, api_user):
    vendor, headers = api_user(Role.VENDOR)
    rows = [idea(title=f"Vendor idea {n}") for n in range(3)]
    response = client.post(URL, json={"rows": rows}, headers=headers)
    assert response.status_code == 200, response.text
    report = response.get_json()
    assert report["imported"] == 3
    for row in report["rows"]:
        detail = client.get(f"/api/v1/suggestions/{row['id']}", headers=headers).get_json()
        assert detail["organisation_id"] == vendor.organisation_id


def test_rows_of_the_wrong_shape_are_named_by_row(app, client, api_user):
    _, headers = api_user(Role.SUBMITTER)
    rows = [
        idea(status="accepted"),
        idea(evidence_links="https://wiki.example.com"),
        idea(title=""),
    ]
    response = client.post(URL, json={"rows": rows, "dry_run": True}, headers=headers)
    assert response.status_code == 200, response.text
    errors = [row["errors"] for row in response.get_json()["rows"]]
    assert errors[0]["status"].startswith("Unknown field")
    assert errors[1] == {"evidence_links": "Evidence links must be a list of strings."}
    assert errors[2] == {"title": "Title is required."}


def test_the_request_itself_is_checked(app, client, api_user):
    _, headers = api_user(Role.SUBMITTER)
    cases = [
        ({}, "rows", "This field is required."),
        ({"rows": []}, "rows", "at least 1 item"),
        ({"rows": [idea()], "mode": "some"}, "mode", "all_or_nothing"),
        ({"rows": [idea()], "dry_run": "maybe"}, "dry_run", "boolean"),
        ({"rows": [idea()], "sheet": 1}, "sheet", "Unknown field"),
        ({"rows": [{}] * 5001}, "rows", "Send at most 5,000 rows at a time"),
        ({"rows": [idea(), "a title"]}, "rows", "Row 2 is not a JSON object"),
    ]
    for body, field, sentence in cases:
        response = client.post(URL, json=body, headers=headers)
        assert response.status_code == 422, body
        assert sentence in response.get_json()["fields"][field], body
    not_json = client.post(URL, data="rows", content_type="text/csv", headers=headers)
    assert not_json.status_code == 400
    assert _count(app) == 0


def test_stakeholders_may_not_import(app, client, api_user):
    _, headers = api_user(Role.STAKEHOLDER)
    response = client.post(URL, json={"rows": [idea()]}, headers=headers)
    assert response.status_code == 403
    assert response.is_json
    assert _count(app) == 0


def test_answers_match_the_document(app, client, api_user):
    _, headers = api_user(Role.SUBMITTER)
    call = DocumentedCalls(client)
    statuses = [
        call("POST", "/suggestions/import", headers, {"rows": _rows(), "dry_run": True}),
        call("POST", "/suggestions/import", headers, {"rows": _rows()}),
        call("POST", "/suggestions/import", headers, {"rows": _rows(), "mode": "valid_only"}),
    ]
    assert [response.status_code for response in statuses] == [200, 422, 200]
