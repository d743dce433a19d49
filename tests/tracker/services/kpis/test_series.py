"""Weekly and daily series from kpivalue, sparklines of many queues at once, request ranges, and
the pure chart geometry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.errors import ValidationFailed
from tracker.models import Queue
from tracker.services.kpis import charts, series


def _id(queue: Queue) -> int:
    assert queue.id is not None
    return queue.id


MONDAY = date(2026, 3, 2)


def test_week_helpers():
    assert series.week_start(date(2026, 3, 8)) == MONDAY  # a Sunday
    # On a Wednesday the last full week is the one before this one.
    assert series.last_full_week(date(2026, 3, 11)) == MONDAY
    assert series.week_range(MONDAY, 3) == [
        MONDAY - timedelta(weeks=2),
        MONDAY - timedelta(7),
        MONDAY,
    ]


def test_weekly_sums_means_and_derived_figures(app):
    queue = make_queue(app)
    settings = app.config["SETTINGS"]
    put_values(app, _id(queue), "incoming", daily(MONDAY, [100] * 14))
    put_values(app, _id(queue), "manual_incoming", daily(MONDAY, [25] * 7 + [50] * 7))
    put_values(app, _id(queue), "backlog", daily(MONDAY, [10, 20]))
    with db.session_scope(app) as session:
        found = series.weekly(
            session,
            queue_id=_id(queue),
            metrics=None,
            start=MONDAY - timedelta(weeks=1),
            end=MONDAY + timedelta(days=13),
            settings=settings,
        )
    assert found.weeks == [MONDAY - timedelta(7), MONDAY, MONDAY + timedelta(7)]
    assert found.values["incoming"] == [None, 700, 700]
    assert found.values["manual_share"] == [None, 25, 50]
    assert found.values["backlog"] == [None, 15, None]  # a mean, over the days with a value
    assert "agent_hours" not in found.values  # no handle time stored


def test_data_starting_mid_week_shows_no_false_drop_in_its_first_week(app):
    queue = make_queue(app)
    wednesday = MONDAY + timedelta(days=2)
    put_values(app, _id(queue), "incoming", daily(wednesday, [100] * 12))
    with db.session_scope(app) as session:
        found = series.weekly(
            session,
            queue_id=_id(queue),
            metrics=["incoming"],
            start=MONDAY,
            end=MONDAY + timedelta(days=13),
            settings=app.config["SETTINGS"],
        )
    # 500 for the five days would read as a 29% drop; the week is left out instead.
    assert found.values["incoming"] == [None, 700]


def test_weekly_unknown_metric_is_refused_by_name(app):
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as refused:
        series.weekly(
            session,
            queue_id=1,
            metrics=["nope"],
            start=MONDAY,
            end=MONDAY,
            settings=app.config["SETTINGS"],
        )
    assert "metric" in refused.value.fields


def test_sparklines_for_many_queues_cover_the_last_full_weeks_only(app):
    first = make_queue(app, "First")
    second = make_queue(app, "Second")
    today = MONDAY + timedelta(days=9)  # Wednesday of the next week
    put_values(app, _id(first), "incoming", daily(MONDAY, [1] * 10))  # 3 days into this week
    put_values(app, _id(second), "aht_minutes", {MONDAY: 7})
    with db.session_scope(app) as session:
        found = series.sparklines(
            session,
            queue_ids=[_id(first), _id(second)],
            settings=app.config["SETTINGS"],
            today=today,
        )
    assert found[_id(first)].weeks[-1] == MONDAY
    assert len(found[_id(first)].weeks) == 12
    assert found[_id(first)].values["incoming"][-1] == 7
    assert found[_id(second)].values["aht_minutes"][-1] == 7
    assert found[_id(second)].values["incoming"] == [None] * 12


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ("week", MONDAY - timedelta(weeks=11), MONDAY + timedelta(days=6))),
        ({"grain": "day"}, ("day", date(2026, 3, 10) - timedelta(days=83), date(2026, 3, 10))),
        (
            {"start": "2026-03-04", "end": "2026-03-20"},
            ("week", MONDAY, date(2026, 3, 20)),
        ),
    ],
)
def test_requested_range_defaults(app, args, expected):
    found = series.requested_range(
        app.config["SETTINGS"],
        metric=None,
        start=args.get("start"),
        end=args.get("end"),
        grain=args.get("grain"),
        today=date(2026, 3, 11),
    )
    assert (found.grain, found.start, found.end) == expected
    assert found.metric.name == "incoming"


def test_nice_steps_and_compact_labels():
    assert charts.nice_step(100) == 25
    assert charts.nice_step(7) == 2
    assert charts.y_scale([0, 730]) == (0, 800)
    assert charts.compact(1234) == "1.2k"
    assert charts.compact(25_000) == "25k"
    assert charts.compact(2_500_000) == "2.5M"
    assert charts.compact(12.5) == "12.5"


def test_path_breaks_at_gaps_and_keeps_lone_points():
    path, lone = charts.path_of([(0, 0), (1, 1), None, (3, 3), None, (5, 5), (6, 6)])
    assert path == "M0.0 0.0 L1.0 1.0 M5.0 5.0 L6.0 6.0"
    assert lone == [(3, 3)]


def test_line_chart_places_markers_and_dots_in_their_weeks():
    weeks = [MONDAY + timedelta(weeks=n) for n in range(5)]
    chart = charts.line_chart(
        key="incoming",
        title="Incoming",
        unit="tickets",
        weeks=weeks,
        series=[("Incoming", [10, 20, None, 40, 50])],
        markers=[
            charts.MarkerAt(MONDAY + timedelta(days=16), "#7", "Idea 7", "/suggestions/7"),
            charts.MarkerAt(MONDAY - timedelta(days=1), "#8", "Before", "/suggestions/8"),
        ],
        dots=[charts.DotAt(weeks[4], 50, "Spike", True)],
    )
    plot_right = charts.LEFT + chart.plot_w
    assert [marker.label for marker in chart.markers] == ["#7"]  # #8 is before the chart
    assert chart.markers[0].x == pytest.approx(charts.LEFT + chart.plot_w / 2)
    assert chart.dots[0].x == pytest.approx(plot_right)
    assert chart.dots[0].y == pytest.approx(charts.TOP + chart.plot_h * (1 - 50 / 60))
    assert chart.lines[0].path.count("M") == 2  # the empty week breaks the line
    assert [tick.label for tick in chart.y_ticks] == ["0", "20", "40", "60"]
    assert chart.x_ticks[0].label == "Mar 2026"


def test_sparkline_of_no_data_is_empty():
    assert charts.sparkline([None, None]).empty
    spark = charts.sparkline([1, 2, 3])
    assert spark.latest == 3
    assert spark.path.startswith("M")
