"""The ranked backlog page: order, filters, search, pagination and who sees what."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.suggestions import add_idea
from tracker import db
from tracker.models import Initiative, Role, Status


def titles(html: str) -> list[str]:
    """Idea titles in the order the backlog table shows them."""
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return re.findall(r'<a href="/suggestions/\d+">([^<]+)</a>', body)


def test_ranked_by_score_then_votes_then_newest_with_unscored_last(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Unscored but popular", votes=50)
    add_idea(app, pm, "Top score", score=90)
    add_idea(app, pm, "Tie with more votes", score=40, votes=5)
    add_idea(app, pm, "Tie, newer", score=40, votes=1, age_days=1)
    add_idea(app, pm, "Tie, older", score=40, votes=1, age_days=3)
    add_idea(app, pm, "Low score", score=0.5)

    page = client.get("/backlog")

    assert page.status_code == 200
    assert titles(page.text) == [
        "Top score",
        "Tie with more votes",
        "Tie, newer",
        "Tie, older",
        "Low score",
        "Unscored but popular",
    ]
    assert "6</strong> ideas" in page.text
    assert 'title="RICE = 90"' in page.text  # the formula on hover


def test_each_filter_narrows_the_list(app, client, login_as, make_user, make_organisation):
    pm = login_as(Role.PM)
    acme = make_organisation(name="Acme Moderation")
    vendor = make_user(Role.VENDOR, organisation_id=acme.id, display_name="Vera Vendor")
    agent = make_user(Role.SUBMITTER, display_name="Sam Agent")
    with db.session_scope(app) as session:
        initiative = Initiative(name="Refund automation")
        session.add(initiative)
        session.flush()
        initiative_id = initiative.id
    add_idea(app, agent, "Fraud rule", area="Scams and fraud", status=Status.ACCEPTED)
    add_idea(app, agent, "Spam filter", area="Content spam")
    add_idea(app, vendor, "Vendor macro", area="Vendor tooling and training")
    add_idea(app, pm, "Grouped idea", initiative_id=initiative_id)

    def shown(query: str) -> list[str]:
        return sorted(titles(client.get(f"/backlog?{query}").text))

    assert shown("area=Scams+and+fraud") == ["Fraud rule"]
    assert shown("status=accepted") == ["Fraud rule"]
    assert shown(f"vendor={acme.id}") == ["Vendor macro"]
    assert shown("vendor=internal") == ["Fraud rule", "Grouped idea", "Spam filter"]
    assert shown(f"initiative={initiative_id}") == ["Grouped idea"]
    assert shown(f"submitter={agent.id}") == ["Fraud rule", "Spam filter"]
    assert shown("submitter=me") == ["Grouped idea"]
    assert shown("area=Content+spam&status=accepted") == []
    # Filters stay in the form, so the URL of a filtered list can be shared.
    page = client.get(f"/backlog?area=Content+spam&submitter={agent.id}").text
    assert '<option value="Content spam" selected>' in page
    assert f'<option value="{agent.id}" selected>Sam Agent</option>' in page
    assert "1</strong> idea match these filters" in page


def test_merged_duplicates_are_hidden_unless_the_status_filter_asks(app, client, login_as):
    pm = login_as(Role.PM)
    original = add_idea(app, pm, "Original idea")
    add_idea(app, pm, "Merged copy", status=Status.DUPLICATE, duplicate_of_id=original)

    assert titles(client.get("/backlog").text) == ["Original idea"]
    assert titles(client.get("/backlog?status=duplicate").text) == ["Merged copy"]
    assert sorted(titles(client.get("/backlog?status=any").text)) == [
        "Merged copy",
        "Original idea",
    ]


def test_search_finds_words_in_the_problem_text_with_stems_and_prefixes(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Escalation shortcut", problem="Agents escalate chargebacks by email.")
    add_idea(app, pm, "Queue colours", problem="The dashboard colours are hard to read.")

    for query in ("chargebacks", "chargeback", "escalating", "charge", "EMAIL"):
        assert titles(client.get(f"/backlog?q={query}").text) == ["Escalation shortcut"], query
    assert titles(client.get("/backlog?q=chargeback+dashboard").text) == []  # every word counts
    nothing = client.get("/backlog?q=nonexistentword")
    assert "0</strong> ideas match these filters" in nothing.text
    assert "No ideas match these filters" in nothing.text
    # Punctuation and operators are words, not query syntax.
    assert client.get('/backlog?q="chargebacks" OR * NEAR(').status_code == 200


def test_pagination_bounds_and_page_size(app, client, login_as):
    pm = login_as(Role.PM)
    for number in range(7):
        add_idea(app, pm, f"Idea {number}", score=float(number))

    first = client.get("/backlog?per_page=3")
    assert titles(first.text) == ["Idea 6", "Idea 5", "Idea 4"]
    assert "Page 1 of 3" in first.text
    assert 'href="/backlog?page=2&amp;per_page=3"' in first.text  # the next link keeps the size

    beyond = client.get("/backlog?per_page=3&page=9999")
    assert beyond.status_code == 200
    assert titles(beyond.text) == ["Idea 0"]  # the last page, not an error
    assert "Page 3 of 3" in beyond.text
    assert "7</strong> ideas" in beyond.text

    assert titles(client.get("/backlog?per_page=0").text)[:1] == ["Idea 6"]
    huge = client.get("/backlog?per_page=100000&page=-4")
    assert huge.status_code == 200
    assert len(titles(huge.text)) == 7
    assert client.get("/backlog?per_page=abc&page=xyz").status_code == 200


def test_vendor_sees_only_visible_rows_and_counts(
    app, client, login_as, make_user, make_organisation
):
    own, rival = make_organisation(name="Own BPO"), make_organisation(name="Rival BPO")
    vendor = login_as(Role.VENDOR, organisation_id=own.id)
    colleague = make_user(Role.VENDOR, organisation_id=own.id)
    other_vendor = make_user(Role.VENDOR, organisation_id=rival.id)
    agent = make_user(Role.SUBMITTER)
    add_idea(app, colleague, "Colleague idea")
    add_idea(app, vendor, "My confidential idea", confidential=True)
    add_idea(app, colleague, "Colleague confidential", confidential=True)
    add_idea(app, agent, "Internal, not shared")
    add_idea(app, agent, "Internal, shared", shared_with_vendors=True)
    add_idea(app, other_vendor, "Other vendor's idea")

    page = client.get("/backlog")

    assert page.status_code == 200
    assert sorted(titles(page.text)) == [
        "Colleague idea",
        "Internal, shared",
        "My confidential idea",
    ]
    assert "3</strong> ideas" in page.text
    searched = client.get("/backlog?q=manual").text
    assert "3</strong> ideas" in searched
    # Only their own organisation is offered as a vendor filter.
    assert "Own BPO</option>" in page.text
    assert "Rival BPO" not in page.text
    # Naming someone outside their organisation in the URL does not reveal the name.
    named = client.get(f"/backlog?submitter={agent.id}").text
    assert agent.display_name in named  # shown on their visible, shared idea row
    assert f"person #{other_vendor.id}" in client.get(f"/backlog?submitter={other_vendor.id}").text


def test_stakeholder_reads_backlog_without_confidential_ideas(app, client, login_as, make_user):
    login_as(Role.STAKEHOLDER)
    agent = make_user(Role.SUBMITTER)
    add_idea(app, agent, "Open idea")
    add_idea(app, agent, "Secret idea", confidential=True)

    page = client.get("/backlog")

    assert titles(page.text) == ["Open idea"]
    assert "Import CSV" not in page.text  # stakeholders cannot submit
    assert "Export CSV" in page.text


def test_rows_show_votes_hours_saved_status_area_vendor(
    app, client, login_as, make_user, make_organisation
):
    login_as(Role.PM)
    vendor = make_user(Role.VENDOR, organisation_id=make_organisation(name="Northwind").id)
    add_idea(
        app,
        vendor,
        "Macro for refunds",
        area="Scams and fraud",
        votes=12,
        status=Status.UNDER_REVIEW,
        weekly_volume=1200,
        minutes_saved_per_ticket=4.0,
    )

    row = client.get("/backlog").text.split("<tbody>", 1)[1]

    assert ">12<" in row
    assert ">80<" in row  # 1,200 tickets x 4 minutes / 60
    assert "Under review" in row
    assert "Scams and fraud" in row
    assert "<td>Northwind</td>" in row
    assert "not scored" in row


def test_nav_and_home_link_to_backlog_and_matrix(client, login_as):
    login_as(Role.SUBMITTER)
    home = client.get("/").text
    assert 'href="/backlog"' in home
    assert 'href="/matrix"' in home


def test_backlog_page_uses_few_queries(app, client, login_as, make_user):
    """Names for a page come from one query, not one per row."""
    from sqlalchemy import event

    pm = login_as(Role.PM)
    for number in range(30):
        author = make_user(Role.VENDOR) if number % 3 == 0 else pm
        add_idea(app, author, f"Idea {number}")
    statements: list[str] = []
    engine = db.engine(app)

    def count(*_args: Any) -> None:
        statements.append("x")

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/backlog?per_page=25")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(titles(page.text)) == 25
    assert len(statements) <= 8, statements


def test_unknown_status_and_area_are_ignored(app, client, login_as):
    pm = login_as(Role.PM)
    add_idea(app, pm, "Anything")
    for query in ("status=bogus", "area=Nope"):
        response = client.get(f"/backlog?{query}")
        assert response.status_code == 200, query
    assert titles(client.get("/backlog?status=bogus&q=").text) == ["Anything"]


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("vendor=acme", "Vendor"),
        ("vendor=%C2%B2", "Vendor"),
        ("vendor=2147483648", "Vendor"),
        ("initiative=x", "Initiative"),
        ("initiative=%D9%A3", "Initiative"),
        ("initiative=99999999999", "Initiative"),
        ("submitter=-1", "Submitter"),
        ("submitter=%EF%BC%91", "Submitter"),
    ],
)
def test_an_id_filter_that_is_no_id_is_refused_by_name(app, client, login_as, query, label):
    """Dropping it would list every idea under a filter the reader believes applied."""
    login_as(Role.PM)
    response = client.get(f"/backlog?{query}")
    assert response.status_code == 422
    assert label in response.text
