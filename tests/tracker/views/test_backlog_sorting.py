"""The backlog's sortable columns, its default view of open ideas and its status pills."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.helpers.suggestions import add_idea
from tests.tracker.views.test_backlog import titles
from tracker import db
from tracker.models import Role, Status, utcnow
from tracker.services.accounts import tokens, users


def _seed(app: Any, pm: Any) -> None:
    """Four open ideas whose order differs in every column, and one declined."""
    now = utcnow()
    add_idea(
        app,
        pm,
        "bravo",
        score=30,
        votes=1,
        age_days=3,
        weekly_volume=600,
        minutes_saved_per_ticket=1.0,
        updated_at=now - timedelta(days=1),
    )
    add_idea(
        app,
        pm,
        "Alpha",
        score=10,
        votes=7,
        age_days=1,
        status=Status.UNDER_REVIEW,
        weekly_volume=100,
        minutes_saved_per_ticket=1.2,
        updated_at=now - timedelta(days=2),
    )
    add_idea(
        app,
        pm,
        "Delta",
        score=None,
        votes=3,
        age_days=2,
        status=Status.IN_DELIVERY,
        weekly_volume=1200,
        automation_share=50.0,
        handle_time_minutes=6.0,
        updated_at=now,
    )
    add_idea(
        app,
        pm,
        "Charlie",
        score=20,
        votes=3,
        age_days=4,
        status=Status.ACCEPTED,
        updated_at=now - timedelta(days=3),
    )
    add_idea(app, pm, "Declined one", score=99, votes=99, status=Status.DECLINED)


# Alpha's hours: 100 x 1.2 / 60 = 2; bravo's 600 x 1 / 60 = 10; Delta's by automation:
# 1200 x 50% x 6 / 60 = 60; Charlie has none. Titles sort as stored (case counts on SQLite).
EXPECTED = {
    "": ["bravo", "Charlie", "Alpha", "Delta"],
    "sort=score": ["bravo", "Charlie", "Alpha", "Delta"],
    "sort=score&dir=asc": ["Delta", "Alpha", "Charlie", "bravo"],
    "sort=votes": ["Alpha", "Charlie", "Delta", "bravo"],  # 3 and 3: the later id first
    "sort=votes&dir=asc": ["bravo", "Delta", "Charlie", "Alpha"],  # ... and here the earlier
    "sort=hours": ["Delta", "bravo", "Alpha", "Charlie"],
    "sort=hours&dir=asc": ["Alpha", "bravo", "Delta", "Charlie"],  # no estimate last
    "sort=created": ["Alpha", "Delta", "bravo", "Charlie"],
    "sort=created&dir=asc": ["Charlie", "bravo", "Delta", "Alpha"],
    "sort=updated": ["Delta", "bravo", "Alpha", "Charlie"],
    "sort=updated&dir=asc": ["Charlie", "Alpha", "bravo", "Delta"],
}


@pytest.mark.parametrize("query", list(EXPECTED))
def test_each_column_sorts_both_ways_with_ties_broken_by_id(app, client, login_as, query):
    _seed(app, login_as(Role.PM))

    page = client.get(f"/backlog?{query}")

    assert page.status_code == 200
    assert titles(page.text) == EXPECTED[query]


def test_title_sorts_both_ways(app, client, login_as):
    pm = login_as(Role.PM)
    for title in ("Charlie", "Alpha", "Bravo"):
        add_idea(app, pm, title)
    assert titles(client.get("/backlog?sort=title").text) == ["Alpha", "Bravo", "Charlie"]
    assert titles(client.get("/backlog?sort=title&dir=desc").text) == ["Charlie", "Bravo", "Alpha"]


def test_headers_are_links_that_keep_the_filters_and_mark_the_active_sort(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Only idea", area="Content spam")

    page = client.get("/backlog?area=Content+spam&sort=votes").text

    active = re.search(r'<th scope="col" class="num" aria-sort="descending">\s*<a[^>]*>Votes', page)
    assert active is not None
    assert page.count("aria-sort=") == 1
    # Clicking the active header turns it round; another header starts in its own direction.
    assert 'href="/backlog?area=Content+spam&amp;sort=votes&amp;dir=asc"' in page
    assert 'href="/backlog?area=Content+spam&amp;sort=title"' in page
    assert 'href="/backlog?area=Content+spam"' in page  # score, the default sort
    assert 'href="/backlog?area=Content+spam&amp;sort=created"' in page
    # The export and the form carry the sort: the URL is the shareable view.
    assert 'href="/backlog/export.csv?area=Content+spam&amp;sort=votes"' in page
    assert '<option value="votes" selected>' in page
    assert "Most votes first." in page


def test_the_default_sort_header_is_marked_on_a_bare_url(app, client, login_as):
    add_idea(app, login_as(Role.PM), "Only idea")
    page = client.get("/backlog").text
    assert re.search(r'aria-sort="descending">\s*<a[^>]*>Score', page)
    assert 'href="/backlog?dir=asc"' in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=bogus", "Sort"),
        ("sort=" + "x" * 5000, "Sort"),
        ("sort=score%C2%B2", "Sort"),
        ("sort=id", "Sort"),
        ("dir=up", "Dir"),
        ("sort=votes&dir=ASC", "Dir"),
    ],
)
def test_a_bad_sort_is_a_clear_422_naming_it(client, login_as, query, field):
    login_as(Role.PM)
    for url in ("/backlog", "/backlog/export.csv"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 422, url
        assert f"{field} " in response.text, url


def test_a_nul_in_the_sort_is_refused_not_a_500(client, login_as):
    login_as(Role.PM)
    for query in ("sort=%00", "sort=votes&dir=asc%00"):
        assert client.get(f"/backlog?{query}").status_code in {400, 422}


def test_the_api_sorts_and_names_a_bad_sort(app, client, make_user):
    pm = make_user(Role.PM)
    _seed(app, pm)
    with db.session_scope(app) as session:
        _, token = tokens.create_token(session, owner=users.get_user(session, pm.id), name="t")
    headers = {"Authorization": f"Bearer {token}"}

    response = client.get("/api/v1/suggestions?sort=hours&dir=asc", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert [item["title"] for item in body["items"]] == EXPECTED["sort=hours&dir=asc"]
    assert body["filters"] == {"sort": "hours", "dir": "asc"}

    bad = client.get("/api/v1/suggestions?sort=popularity", headers=headers)
    assert bad.status_code == 422
    assert "sort" in bad.get_json()["fields"]


def test_default_view_is_open_ideas_with_a_filter_for_all_or_closed(app, client, login_as):
    pm = login_as(Role.PM)
    for status in Status:
        add_idea(app, pm, f"Idea {status.value}", status=status)

    def shown(query: str) -> list[str]:
        return sorted(titles(client.get(f"/backlog?{query}").text))

    open_ideas = ["Idea accepted", "Idea in_delivery", "Idea new", "Idea under_review"]
    closed = ["Idea declined", "Idea delivered", "Idea duplicate", "Idea parked"]
    assert shown("") == open_ideas
    assert shown("status=open") == open_ideas
    assert shown("status=bogus") == open_ideas
    assert shown("status=closed") == closed
    assert shown("status=all") == sorted([*open_ideas, *closed[:2], closed[3]])
    assert shown("status=any") == sorted([*open_ideas, *closed])
    page = client.get("/backlog").text
    assert "4</strong> ideas, open only." in page
    assert '<option value="open" selected>' in page
    assert 'href="/backlog?status=all">Show all</a>' in page
    assert 'href="/backlog?status=closed">closed ideas</a>' in page
    # A non-default status stays in the links, the pager and the export.
    closed_page = client.get("/backlog?status=closed&sort=title").text
    assert 'href="/backlog/export.csv?status=closed&amp;sort=title"' in closed_page
    assert 'href="/backlog?status=closed&amp;sort=title&amp;dir=desc"' in closed_page


def test_no_open_ideas_offers_the_others(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Old", status=Status.DELIVERED)
    page = client.get("/backlog").text
    assert titles(page) == []
    assert "No ideas are open." in page
    assert 'href="/backlog?status=all">Show all ideas</a>' in page
    searched = client.get("/backlog?q=old").text
    assert 'href="/backlog?q=old&amp;status=all">Look in every status</a>' in searched


def test_statuses_are_pills(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Accepted idea", status=Status.ACCEPTED)
    add_idea(app, pm, "Declined idea", status=Status.DECLINED)
    page = client.get("/backlog?status=all").text
    assert '<span class="status state state-ready">Accepted</span>' in page
    assert '<span class="status state state-failed">Declined</span>' in page


def test_export_follows_the_filters_and_sort(app, client, login_as):
    _seed(app, login_as(Role.PM))

    response = client.get("/backlog/export.csv?sort=created&dir=asc")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["title"] for row in rows] == EXPECTED["sort=created&dir=asc"]

    closed = client.get("/backlog/export.csv?status=closed")
    titles_closed = [row["title"] for row in csv.DictReader(io.StringIO(closed.text))]
    assert titles_closed == ["Declined one"]


def test_vendor_sorting_keeps_visibility(app, client, login_as, make_user, make_organisation):
    acme = make_organisation(name="Acme")
    vendor = login_as(Role.VENDOR, organisation_id=acme.id)
    agent = make_user(Role.SUBMITTER)
    add_idea(app, vendor, "Mine", votes=1)
    add_idea(app, agent, "Internal, hidden", votes=50)
    add_idea(app, agent, "Internal, shared", votes=5, shared_with_vendors=True)
    for query in ("sort=votes", "sort=votes&dir=asc", "sort=hours", "sort=title"):
        assert sorted(titles(client.get(f"/backlog?{query}").text)) == [
            "Internal, shared",
            "Mine",
        ]
    assert titles(client.get("/backlog?sort=votes").text) == ["Internal, shared", "Mine"]
