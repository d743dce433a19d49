"""The impact-effort matrix: one linked dot per accepted or under-review scored idea."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from flask import Flask
from sqlmodel import select

from tests.helpers.client import TrackerClient
from tests.helpers.suggestions import add_idea
from tracker import db
from tracker.models import Role, Status, Suggestion, User
from tracker.services.suggestions import decisions, matrix
from tracker.services.suggestions.score_inputs import Framework
from tracker.services.suggestions.scoring import matrix_axes


def scored(
    app,
    pm: User,
    title: str,
    framework: str,
    inputs: Mapping[str, float],
    status: Status,
    author: User | None = None,
) -> int:
    """An idea by `author` (the PM by default), scored and moved to `status` by the PM."""
    idea = add_idea(app, author or pm, title)
    with db.session_scope(app) as session:
        decisions.score(session, actor=pm, suggestion_id=idea, framework=framework, inputs=inputs)
        if status is not Status.NEW:
            decisions.change_status(session, actor=pm, suggestion_id=idea, to=status)
    return idea


def dot_links(page: str) -> list[str]:
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    return re.findall(r'<a href="/suggestions/(\d+)" class="matrix-link">', svg)


def test_matrix_draws_accepted_and_under_review_ideas_with_labels_and_table(app, client, login_as):
    pm = login_as(Role.PM)
    rice = {"reach": 400, "impact": 2, "confidence": 80, "effort": 0.5}
    accepted = scored(app, pm, "Quick refund macro", "rice", rice, Status.ACCEPTED)
    review = scored(
        app,
        pm,
        "Big rebuild",
        "rice",
        {"reach": 900, "impact": 3, "confidence": 100, "effort": 6},
        Status.UNDER_REVIEW,
    )
    scored(app, pm, "Still new", "rice", rice, Status.NEW)
    scored(app, pm, "Declined one", "rice", rice, Status.UNDER_REVIEW)
    with db.session_scope(app) as session:
        declined = session.exec(select(Suggestion).where(Suggestion.title == "Declined one")).one()
        assert declined.id is not None
        decisions.change_status(
            session, actor=pm, suggestion_id=declined.id, to=Status.DECLINED, reason="No."
        )
    add_idea(app, pm, "Unscored review", status=Status.UNDER_REVIEW)

    page = client.get("/matrix")

    assert page.status_code == 200
    assert sorted(dot_links(page.text)) == sorted([str(accepted), str(review)])
    assert 'role="img" aria-labelledby="matrix-title matrix-desc"' in page.text
    assert "<title>Quick refund macro: impact 640, effort 0.5 (Quick wins, accepted)</title>" in (
        page.text
    )
    for label in ("Quick wins", "Big bets", "Fill-ins", "Money pits"):
        assert f">{label}</text>" in page.text
    table = page.text.split('<table class="matrix-table"', 1)[1]
    assert "Quick refund macro" in table
    assert "Big rebuild" in table
    assert "Still new" not in page.text
    assert "Declined one" not in page.text
    assert "<td>Quick wins</td>" in table
    assert "<td>Big bets</td>" in table
    assert "style=" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0]


@pytest.fixture
def pick_client(make_app, database_url) -> tuple[Flask, TrackerClient]:
    app = make_app(database_url, scoring={"framework": "value_effort"})
    app.test_client_class = TrackerClient
    client = app.test_client()
    assert isinstance(client, TrackerClient)
    return app, client


def test_value_effort_matrix_uses_pick_names(pick_client):
    from tracker.services.accounts import users

    app, client = pick_client
    with db.session_scope(app) as session:
        pm = users.create_user(
            session,
            actor=None,
            email="pm@example.com",
            display_name="PM",
            password="correct horse battery staple",
            role=Role.PM,
        )
    client.login("pm@example.com")
    scored(app, pm, "Cheap and good", "value_effort", {"value": 5, "effort": 1}, Status.ACCEPTED)
    scored(app, pm, "Costly and weak", "value_effort", {"value": 1, "effort": 5}, Status.ACCEPTED)
    scored(
        app,
        pm,
        "RICE scored",
        "rice",
        {"reach": 1, "impact": 1, "confidence": 50, "effort": 1},
        Status.ACCEPTED,
    )

    page = client.get("/matrix").text

    for label in ("Possible", "Implement", "Challenge", "Kill"):
        assert f">{label}</text>" in page
    assert "<td>Implement</td>" in page
    assert "<td>Kill</td>" in page
    assert len(dot_links(page)) == 2
    assert "RICE scored" not in page  # another framework's numbers are on another scale


def test_vendor_matrix_shows_only_visible_ideas(app, client, login_as, make_user):
    vendor = login_as(Role.VENDOR)
    pm = make_user(Role.PM)
    agent = make_user(Role.SUBMITTER)
    rice = {"reach": 10, "impact": 1, "confidence": 100, "effort": 2}
    mine = scored(app, pm, "Vendor's own", "rice", rice, Status.ACCEPTED, author=vendor)
    hidden = scored(app, pm, "Internal only", "rice", rice, Status.ACCEPTED, author=agent)

    page = client.get("/matrix").text

    assert dot_links(page) == [str(mine)]
    assert "Internal only" not in page
    assert f"/suggestions/{hidden}" not in page


def test_only_the_best_scored_are_drawn_when_too_many_match(app, client, login_as, monkeypatch):
    monkeypatch.setattr(matrix, "MAX_DOTS", 2)
    pm = login_as(Role.PM)
    for reach in (10, 20, 30):
        scored(
            app,
            pm,
            f"Reach {reach}",
            "rice",
            {"reach": reach, "impact": 1, "confidence": 100, "effort": 1},
            Status.ACCEPTED,
        )
    scored(
        app,
        pm,
        "Reach 25 review",
        "rice",
        {"reach": 25, "impact": 1, "confidence": 100, "effort": 1},
        Status.UNDER_REVIEW,
    )

    page = client.get("/matrix").text

    assert "showing the 2 highest-scored" in page
    assert "Reach 30" in page
    assert "Reach 25 review" in page
    assert "Reach 20" not in page


def test_empty_matrix_says_how_to_fill_it(client, login_as):
    login_as(Role.STAKEHOLDER)
    page = client.get("/matrix")
    assert page.status_code == 200
    assert "have a RICE score yet" in page.text


# --- layout, without a database ---------------------------------------------------------------


def test_axis_length_is_twice_the_midpoint_unless_a_value_is_beyond():
    assert matrix.axis_max(3.0, [1, 2, 5]) == 6.0
    assert matrix.axis_max(3.0, [1, 9]) == 9.0
    assert matrix.axis_max(100.0, []) == 200.0


def test_positions_depend_only_on_the_idea_and_the_fixed_midpoints():
    one = matrix.layout(Framework.VALUE_EFFORT, [(1, "A", Status.ACCEPTED, 4.0, 2.0)])
    more = matrix.layout(
        Framework.VALUE_EFFORT,
        [(1, "A", Status.ACCEPTED, 4.0, 2.0), (2, "B", Status.ACCEPTED, 1.0, 5.0)],
    )
    assert (one.dots[0].x, one.dots[0].y) == (more.dots[0].x, more.dots[0].y)
    axes = matrix_axes(Framework.VALUE_EFFORT)
    assert one.mid_x == pytest.approx(matrix.LEFT + axes.x_midpoint / 6 * matrix.PLOT_W)
    assert one.dots[0].quadrant.label == "Implement"
    assert more.dots[1].quadrant.label == "Kill"


def test_a_large_value_stretches_the_axis_so_the_dot_fits():
    drawn = matrix.layout(Framework.RICE, [(1, "Huge", Status.ACCEPTED, 5000.0, 12.0)])
    dot = drawn.dots[0]
    assert (drawn.y_max, drawn.x_max) == (5000.0, 12.0)
    assert matrix.LEFT <= dot.x <= matrix.LEFT + matrix.PLOT_W
    assert matrix.TOP <= dot.y <= matrix.TOP + matrix.PLOT_H


def test_ideas_at_the_same_spot_are_spread_apart():
    drawn = matrix.layout(
        Framework.VALUE_EFFORT, [(n, f"I{n}", Status.ACCEPTED, 3.0, 3.0) for n in range(8)]
    )
    spots = {(dot.x, dot.y) for dot in drawn.dots}
    assert len(spots) == 8
    assert drawn.dots[0].quadrant.label == "Challenge"  # the midpoint counts as high
