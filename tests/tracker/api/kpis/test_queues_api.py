"""GET /api/v1/queues and GET /api/v1/queues/{id}/kpis: the visible queues, and one metric's
series by day or week with its defaults, derived figures and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.kpis import daily, make_queue, put_values
from tests.helpers.suggestions import add_idea
from tracker.models import Queue, Role
from tracker.services.kpis import series


def _id(queue: Queue) -> int:
    assert queue.id is not None
    return queue.id


def _last_monday():
    return series.last_full_week(datetime.now(UTC).date())


def test_list_gives_organisations_and_idea_counts(app, api_user, make_organisation):
    vendor = make_organisation(name="Acme Support")
    spam = make_queue(app, "Spam appeals (EN)", organisation_ids=[vendor.id], description="EN")
    make_queue(app, "Refunds", area="Scams and fraud")
    pm, headers = api_user(Role.PM)
    add_idea(app, pm, "Appeal macro", queue_id=_id(spam), queue=spam.name)
    response = app.test_client().get("/api/v1/queues", headers=headers)
    assert response.status_code == 200
    by_name = {row["name"]: row for row in response.get_json()}
    assert by_name["Spam appeals (EN)"] == {
        "id": _id(spam),
        "name": "Spam appeals (EN)",
        "area": "Content spam",
        "description": "EN",
        "active": True,
        "organisations": ["Acme Support"],
        "idea_count": 1,
    }
    assert by_name["Refunds"]["organisations"] == []


def test_weekly_series_defaults_to_the_last_twelve_full_weeks(app, api_user):
    queue = make_queue(app)
    monday = _last_monday()
    start = monday - timedelta(weeks=13)
    put_values(app, _id(queue), "incoming", daily(start, range(14 * 7)))
    _, headers = api_user(Role.STAKEHOLDER)
    body = app.test_client().get(f"/api/v1/queues/{_id(queue)}/kpis", headers=headers).get_json()
    assert body["metric"] == "incoming"
    assert body["grain"] == "week"
    assert body["unit"] == "tickets"
    assert len(body["points"]) == 12
    assert body["points"][-1]["day"] == monday.isoformat()
    # The last week's days are 91..97 of the range: their sum.
    assert body["points"][-1]["value"] == sum(range(91, 98))
    assert body["start"] == (monday - timedelta(weeks=11)).isoformat()


def test_daily_series_of_a_derived_figure(app, api_user):
    queue = make_queue(app)
    day = _last_monday()
    put_values(app, _id(queue), "manual_solved", {day: 30, day + timedelta(days=1): 60})
    put_values(app, _id(queue), "aht_minutes", {day: 4, day + timedelta(days=1): 5})
    _, headers = api_user(Role.PM)
    response = app.test_client().get(
        f"/api/v1/queues/{_id(queue)}/kpis",
        query_string={
            "metric": "agent_hours",
            "grain": "day",
            "from": day.isoformat(),
            "to": (day + timedelta(days=6)).isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["unit"] == "hours"
    assert body["points"] == [
        {"day": day.isoformat(), "value": 2.0},
        {"day": (day + timedelta(days=1)).isoformat(), "value": 5.0},
    ]


def test_weekly_handle_time_is_weighted_by_tickets_solved_by_hand(app, api_user):
    queue = make_queue(app)
    day = _last_monday()
    put_values(app, _id(queue), "manual_solved", {day: 10, day + timedelta(days=1): 30})
    put_values(app, _id(queue), "aht_minutes", {day: 2, day + timedelta(days=1): 6})
    _, headers = api_user(Role.PM)
    body = (
        app.test_client()
        .get(f"/api/v1/queues/{_id(queue)}/kpis?metric=aht_minutes", headers=headers)
        .get_json()
    )
    assert body["points"][-1] == {"day": day.isoformat(), "value": 5.0}  # (20 + 180) / 40


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"metric": "nope"}, "metric"),
        ({"grain": "month"}, "grain"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "\uff12\uff10\uff12\uff16-01-01"}, "to"),  # full-width digits
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "from"),
    ],
)
def test_bad_parameters_are_refused_by_name(app, api_user, query, field):
    queue = make_queue(app)
    _, headers = api_user(Role.PM)
    response = app.test_client().get(
        f"/api/v1/queues/{_id(queue)}/kpis", query_string=query, headers=headers
    )
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_unknown_queue_is_a_404(app, api_user):
    _, headers = api_user(Role.PM)
    response = app.test_client().get("/api/v1/queues/2147483647/kpis", headers=headers)
    assert response.status_code == 404


def test_machine_accounts_cannot_read_queues(app, api_user):
    queue = make_queue(app)
    _, headers = api_user(Role.INTEGRATION)
    client = app.test_client()
    assert client.get("/api/v1/queues", headers=headers).status_code == 403
    assert client.get(f"/api/v1/queues/{_id(queue)}/kpis", headers=headers).status_code == 403
