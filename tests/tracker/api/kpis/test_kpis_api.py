"""POST /api/v1/kpis: re-posting the same rows never duplicates, a new value updates, bad rows
are reported by name, mode all refuses with the report, and the row limit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from tests.helpers.kpis import make_queue
from tracker import db
from tracker.models import KpiLoad, KpiValue, Role

URL = "/api/v1/kpis"


def _rows(values: list[float], queue: Any = "Spam appeals (EN)") -> list[dict[str, Any]]:
    return [
        {"queue": queue, "day": f"2026-11-{day:02d}", "metric": "incoming", "value": value}
        for day, value in enumerate(values, start=1)
    ]


def _values(app: Any) -> list[float]:
    with db.session_scope(app) as session:
        return list(session.exec(select(KpiValue.value).order_by(col(KpiValue.day))).all())


def _counts(report: dict[str, Any]) -> tuple[int, int, int, int]:
    return report["inserted"], report["updated"], report["unchanged"], report["rejected"]


def test_reposting_the_same_rows_changes_nothing_and_a_new_value_updates(app, client, api_user):
    queue = make_queue(app)
    _, headers = api_user(Role.INTEGRATION)
    first = client.post(URL, json={"rows": _rows([812, 790, 805])}, headers=headers)
    assert first.status_code == 200, first.text
    assert _counts(first.get_json()) == (3, 0, 0, 0)
    assert first.get_json()["applied"] is True
    assert first.get_json()["last_day"] == "2026-11-03"

    again = client.post(URL, json={"rows": _rows([812, 790, 805])}, headers=headers)
    assert _counts(again.get_json()) == (0, 0, 3, 0)
    changed = client.post(URL, json={"rows": _rows([812, 791, 805], queue.id)}, headers=headers)
    assert _counts(changed.get_json()) == (0, 1, 2, 0)
    assert _values(app) == [812, 791, 805]


def test_mode_all_refuses_with_the_report_and_keeps_the_load_record(app, client, api_user):
    make_queue(app)
    _, headers = api_user(Role.PM)
    rows = [
        *_rows([812, 790]),
        {"queue": "Nowhere", "day": "2026-11-30", "metric": "x", "value": -1},
    ]
    response = client.post(URL, json={"rows": rows}, headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["applied"] is False
    assert _counts(body) == (2, 0, 0, 1)
    assert [(r["row"], r["field"]) for r in body["rejections"]] == [
        (3, "queue"),
        (3, "metric"),
        (3, "value"),
    ]
    assert "Nothing was stored" in body["error"]
    assert body["message"] == body["error"]
    assert _values(app) == []
    with db.session_scope(app) as session:
        load = session.exec(select(KpiLoad)).one()
        assert (load.state, load.channel, load.rejected) == ("failed", "api", 1)


def test_mode_valid_stores_the_good_rows_and_a_dry_run_nothing(app, client, api_user):
    make_queue(app)
    _, headers = api_user(Role.ADMIN)
    rows = [
        *_rows([812]),
        {"queue": "Spam appeals (EN)", "day": "2026-11-30", "metric": "incoming", "value": "NaN"},
    ]
    dry = client.post(URL, json={"rows": rows, "mode": "valid", "dry_run": True}, headers=headers)
    assert dry.status_code == 200
    assert _counts(dry.get_json()) == (1, 0, 0, 1)
    assert _values(app) == []
    real = client.post(URL, json={"rows": rows, "mode": "valid"}, headers=headers)
    assert real.status_code == 200
    assert real.get_json()["rejections"][0]["field"] == "value"
    assert _values(app) == [812]


def test_more_rows_than_the_limit_are_refused_naming_rows(app, client, api_user, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"].kpis, "max_api_rows", 2)
    make_queue(app)
    _, headers = api_user(Role.PM)
    response = client.post(URL, json={"rows": _rows([1, 2, 3])}, headers=headers)
    assert response.status_code == 422
    assert "at most 2 rows" in response.get_json()["fields"]["rows"]
    assert client.post(URL, json={"rows": _rows([1, 2])}, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rows": []}, "rows"),
        ({"rows": [{"queue": "Refunds", "day": "2026-11-30", "metric": "incoming"}]}, "rows"),
        ({"rows": _rows([1]), "mode": "some"}, "mode"),
        ({"rows": _rows([1]), "dry_run": "yes"}, "dry_run"),
        ({"rows": _rows([1]), "extra": 1}, "extra"),
        ({"rows": [{"queue": 0, "day": "2026-11-30", "metric": "incoming", "value": 1}]}, "rows"),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_422_naming_the_field(app, client, api_user, body, field):
    _, headers = api_user(Role.PM)
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert field in response.get_json()["fields"]


def test_people_who_do_not_send_data_are_refused(app, client, api_user):
    make_queue(app)
    for role in (Role.SUBMITTER, Role.STAKEHOLDER, Role.VENDOR):
        _, headers = api_user(role)
        response = client.post(URL, json={"rows": _rows([1])}, headers=headers)
        assert response.status_code == 403
    assert _values(app) == []
