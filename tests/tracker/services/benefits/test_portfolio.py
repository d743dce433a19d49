"""The portfolio of delivered ideas: totals and their intervals, groups, filters, visibility,
exports, and initiative sums."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from tests.helpers.benefits import delivered_idea, put_benefit
from tracker import db
from tracker.errors import ValidationFailed
from tracker.models import Initiative, Role, User
from tracker.services.benefits import initiative_sums, portfolio, portfolio_exports
from tracker.services.benefits.portfolio import Measurement, PortfolioFilters, PortfolioRow

# --- pure: rows built in memory ------------------------------------------------------------------

_ids = iter(range(1, 100_000))


def row(
    *,
    measured: float | None = 60.0,
    low: float | None = 40.0,
    high: float | None = 80.0,
    state: str = "measured",
    metric: str = "agent_hours",
    expected: float | None = 90.0,
    area: str = "Content spam",
    organisation_id: int | None = None,
    organisation: str = "Internal",
    initiative_id: int | None = None,
    delivered_on: date | None = date(2026, 3, 2),
    shared_with: list[int] | None = None,
    suggestion_id: int | None = None,
) -> PortfolioRow:
    benefit = Measurement(
        suggestion_id=suggestion_id or next(_ids),
        state=state,
        metric=metric,
        expected=expected,
        measured=measured,
        ci_low=low,
        ci_high=high,
        shared_with=tuple(shared_with or ()),
    )
    return PortfolioRow(
        benefit=benefit,
        title=f"Idea {benefit.suggestion_id}",
        area=area,
        queue="Spam appeals",
        organisation_id=organisation_id,
        organisation=organisation,
        initiative_id=initiative_id,
        initiative=f"Initiative {initiative_id}" if initiative_id else "",
        delivered_on=delivered_on,
    )


def built(rows: list[PortfolioRow], **kwargs: Any) -> portfolio.Portfolio:
    values: dict[str, Any] = {
        "filters": PortfolioFilters(),
        "page": 1,
        "per_page": 50,
        "confidence": 0.95,
        "show_initiatives": True,
    }
    values.update(kwargs)
    return portfolio.build(rows, **values)


def test_independent_queues_combine_by_root_sum_square() -> None:
    found = built([row(), row(measured=30, low=20, high=50)])
    assert found.total is not None
    assert found.total.measured == 90
    assert found.total.low == pytest.approx(90 - math.hypot(20, 10))
    assert found.total.high == pytest.approx(90 + math.hypot(20, 20))
    assert found.total.expected == 180


def test_shares_of_one_change_add_their_half_widths() -> None:
    a = row(suggestion_id=501, measured=30, low=20, high=40, shared_with=[502])
    b = row(suggestion_id=502, measured=30, low=20, high=40, shared_with=[501])
    found = built([a, b])
    assert found.total is not None
    assert (found.total.measured, found.total.low, found.total.high) == (60, 40, 80)


def test_only_agent_hours_add_up_and_both_settled_states_count() -> None:
    rows = [
        row(),
        row(state="inconclusive", measured=5, low=-10, high=20),
        row(metric="backlog", measured=500, low=400, high=600),
        row(state="waiting", measured=None, low=None, high=None),
        row(state="not_measurable", measured=None, low=None, high=None),
    ]
    found = built(rows)
    assert found.total is not None
    assert found.total.measured == 65  # the backlog's 500 tickets are not hours
    assert found.total.counted == 2
    assert found.other_metrics == 1
    assert found.states == {
        "waiting": 1,
        "measured": 2,
        "inconclusive": 1,
        "not_measurable": 1,
    }
    assert found.ideas == 5


def test_nothing_measured_has_no_total() -> None:
    found = built([row(state="waiting", measured=None, low=None, high=None)])
    assert found.total is None
    assert portfolio_exports.total_words(found.total, 0.95) == "-"


def test_groups_by_area_organisation_initiative_and_quarter() -> None:
    rows = [
        row(area="Content spam", delivered_on=date(2026, 7, 1), initiative_id=7),
        row(
            area="Content spam",
            delivered_on=date(2026, 9, 30),
            organisation_id=3,
            organisation="Acme",
        ),
        row(
            area="Scams and fraud",
            delivered_on=date(2026, 10, 1),
            organisation_id=3,
            organisation="Acme",
        ),
        row(area="Scams and fraud", delivered_on=None, measured=10, low=5, high=15),
    ]
    found = built(rows)
    assert [(g.label, g.ideas) for g in found.by_area] == [
        ("Content spam", 2),
        ("Scams and fraud", 2),
    ]
    assert [(g.key, g.label, g.ideas) for g in found.by_organisation] == [
        ("internal", "Internal", 2),
        ("3", "Acme", 2),
    ]
    assert [(g.label, g.ideas) for g in found.by_initiative] == [
        ("Initiative 7", 1),
        ("No initiative", 3),
    ]
    # Latest quarter first; July and September 2026 are one quarter; the undated come last.
    assert [(g.key, g.label, g.ideas) for g in found.by_quarter] == [
        ("2026-Q4", "2026 Q4", 1),
        ("2026-Q3", "2026 Q3", 2),
        ("", "Not known", 1),
    ]
    q3 = found.by_quarter[1].total
    assert q3 is not None
    assert q3.measured == 120


def test_quarter_key() -> None:
    assert portfolio.quarter_key(date(2026, 1, 1)) == "2026-Q1"
    assert portfolio.quarter_key(date(2026, 3, 31)) == "2026-Q1"
    assert portfolio.quarter_key(date(2026, 4, 1)) == "2026-Q2"
    assert portfolio.quarter_key(date(2026, 12, 31)) == "2026-Q4"
    assert portfolio.quarter_label("2026-Q3") == "2026 Q3"


def test_initiatives_are_left_out_for_those_who_cannot_see_them() -> None:
    assert built([row(initiative_id=7)], show_initiatives=False).by_initiative == []


def test_filters_narrow_totals_and_the_page() -> None:
    rows = [
        row(area="Content spam", organisation_id=3, organisation="Acme"),
        row(area="Scams and fraud", delivered_on=date(2025, 11, 3)),
        row(area="Scams and fraud", state="waiting", measured=None, low=None, high=None),
    ]
    only = built(rows, filters=PortfolioFilters(area="Scams and fraud", state="measured"))
    assert only.ideas == 1
    assert only.rows == [rows[1]]
    assert built(rows, filters=PortfolioFilters(organisation="internal")).ideas == 2
    assert built(rows, filters=PortfolioFilters(organisation="3")).rows == [rows[0]]
    assert built(rows, filters=PortfolioFilters(quarter="2025-Q4")).rows == [rows[1]]
    # The filter choices still offer everything the viewer has.
    assert {value for value, _ in only.choices.organisations} == {"internal", "3"}


def test_the_page_is_a_slice_of_the_matching_rows() -> None:
    rows = [row() for _ in range(7)]
    found = built(rows, page=2, per_page=3)
    assert list(found.page.items) == rows[3:6]
    assert (found.page.total, found.page.pages) == (7, 3)
    assert built(rows, page=9, per_page=3).page.items == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"state": "great"}, "state"),
        ({"state": "measured\x00"}, "state"),
        ({"quarter": "2026-Q5"}, "quarter"),
        ({"quarter": "\uff12\uff10\uff12\uff16-Q1"}, "quarter"),
        ({"quarter": "9" * 5000}, "quarter"),
        ({"organisation": "٣"}, "organisation"),
        ({"organisation": "9" * 400}, "organisation"),
        ({"organisation": "-1"}, "organisation"),
        ({"organisation": "Acme"}, "organisation"),
        ({"area": "Spam\x00"}, "area"),
        ({"area": "x" * 81}, "area"),
    ],
)
def test_hostile_filters_are_refused_naming_the_field(args: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        PortfolioFilters.from_args(MultiDict(args))
    assert set(refused.value.fields) == {field}
    assert refused.value.message


def test_good_filters_are_kept() -> None:
    filters = PortfolioFilters.from_args(
        MultiDict(
            {
                "area": " Content spam ",
                "organisation": "internal",
                "quarter": "2026-Q3",
                "state": "inconclusive",
            }
        )
    )
    assert filters.as_args() == {
        "area": "Content spam",
        "organisation": "internal",
        "quarter": "2026-Q3",
        "state": "inconclusive",
    }
    assert PortfolioFilters.from_args(MultiDict({"organisation": "0042"})).organisation == "42"
    assert not PortfolioFilters.from_args(MultiDict()).active


# --- exports -------------------------------------------------------------------------------------


def test_csv_defuses_formulas_and_lists_every_matching_idea() -> None:
    evil = row()
    evil = PortfolioRow(**{**evil.__dict__, "title": '=HYPERLINK("http://x")'})
    found = built([evil, row(), row()], per_page=1)
    text = portfolio_exports.csv_text(found, base_url="https://tracker.example/")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[0] == list(portfolio_exports.COLUMNS)
    assert len(lines) == 4  # not only the page
    assert lines[1][1] == '\'=HYPERLINK("http://x")'
    assert lines[1][-1] == f"https://tracker.example/suggestions/{evil.suggestion_id}"
    assert lines[1][12:15] == ["60", "40", "80"]


def test_markdown_escapes_titles_and_shows_the_totals() -> None:
    evil = row()
    evil = PortfolioRow(**{**evil.__dict__, "title": "[click](http://evil) | <b>x</b>"})
    found = built([evil, row(area="Scams and fraud")])
    text = portfolio_exports.markdown(found, base_url="https://tracker.example")
    assert "Measured agent hours saved: 120 h/week (95% CI" in text
    assert "## By area" in text
    assert "## By quarter" in text
    assert "\\[click\\](http://evil) \\| \\<b\\>x\\</b\\>" in text
    assert "[click](http://evil)" not in text
    assert f"(https://tracker.example/suggestions/{evil.suggestion_id})" in text


# --- through the database ------------------------------------------------------------------------


@pytest.fixture
def people(
    make_user: Callable[..., User], make_organisation: Callable[..., Any]
) -> dict[str, User]:
    acme = make_organisation(name="Acme")
    globex = make_organisation(name="Globex")
    return {
        "pm": make_user(Role.PM),
        "agent": make_user(Role.SUBMITTER),
        "acme": make_user(Role.VENDOR, organisation_id=acme.id),
        "acme2": make_user(Role.VENDOR, organisation_id=acme.id),
        "globex": make_user(Role.VENDOR, organisation_id=globex.id),
        "stakeholder": make_user(Role.STAKEHOLDER),
    }


def _seed(app: Flask, people: dict[str, User]) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db.session_scope(app) as session:
        initiative = Initiative(name="Faster spam")
        session.add(initiative)
        session.flush()
        for name, author, extra in (
            ("internal", people["agent"], {"initiative_id": initiative.id}),
            ("acme", people["acme"], {"shared_with_vendors": True}),
            ("acme_colleague", people["acme2"], {}),
            ("globex", people["globex"], {"shared_with_vendors": True}),
        ):
            idea = delivered_idea(session, author=author, title=f"Idea {name}", **extra)
            put_benefit(session, idea, measured=10.0, ci_low=5.0, ci_high=15.0)
            assert idea.id is not None
            ids[name] = idea.id
        ids["initiative"] = initiative.id or 0
    return ids


def _titles(app: Flask, user: User) -> set[str]:
    with db.session_scope(app) as session:
        found = portfolio.portfolio(session, actor=user, filters=PortfolioFilters())
        return {r.title for r in found.rows}


def test_vendors_see_only_their_organisations_benefits(app: Flask, people: dict[str, User]) -> None:
    _seed(app, people)
    everything = {"Idea internal", "Idea acme", "Idea acme_colleague", "Idea globex"}
    assert _titles(app, people["pm"]) == everything
    assert _titles(app, people["stakeholder"]) == everything
    # Globex's idea is shared with every vendor, but what it saved is Globex's business.
    assert _titles(app, people["acme"]) == {"Idea acme", "Idea acme_colleague"}
    assert _titles(app, people["globex"]) == {"Idea globex"}
    with db.session_scope(app) as session:
        found = portfolio.portfolio(session, actor=people["acme"], filters=PortfolioFilters())
        assert [g.label for g in found.by_organisation] == ["Acme"]
        assert found.by_initiative == []  # vendors cannot see initiatives
        assert found.total is not None
        assert found.total.measured == 20


def test_rows_carry_their_names(app: Flask, people: dict[str, User]) -> None:
    ids = _seed(app, people)
    with db.session_scope(app) as session:
        rows = {r.suggestion_id: r for r in portfolio.visible_rows(session, actor=people["pm"])}
    internal, acme = rows[ids["internal"]], rows[ids["acme"]]
    assert (internal.organisation, internal.initiative) == ("Internal", "Faster spam")
    assert (acme.organisation, acme.initiative_id) == ("Acme", None)
    assert internal.delivered_on == date(2026, 3, 2)
    assert internal.quarter == "2026-Q1"


def test_initiative_sum_counts_delivered_and_measured_ideas(
    app: Flask, people: dict[str, User]
) -> None:
    ids = _seed(app, people)
    with db.session_scope(app) as session:
        agent = people["agent"]
        second = delivered_idea(session, author=agent, initiative_id=ids["initiative"])
        put_benefit(session, second, measured=30.0, ci_low=10.0, ci_high=50.0, expected=None)
        waiting = delivered_idea(session, author=agent, initiative_id=ids["initiative"])
        put_benefit(session, waiting, state="waiting", measured=None, ci_low=None, ci_high=None)
        delivered_idea(session, author=agent, initiative_id=ids["initiative"])  # not measured
        found = initiative_sums.sums(
            session, actor=people["pm"], initiative_ids=[ids["initiative"], 999_999]
        )
    mine = found[ids["initiative"]]
    assert mine.delivered == 4
    assert mine.total is not None
    assert mine.total.counted == 2
    assert mine.total.measured == 40
    half_low, half_high = math.hypot(5, 20), math.hypot(5, 20)
    assert mine.summary == (
        f"Measured 40 h/week (95% CI {40 - half_low:.0f} to {40 + half_high:.0f}) "
        "from 2 of 4 delivered ideas; expected 90"
    )
    assert found[999_999].delivered == 0
    assert found[999_999].summary == "No idea delivered yet."
