"""Calibration: measured over expected per source and per area, the count threshold, vendor
isolation of the table, the confidence it suggests per framework, and the score form's hint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, render_template
from flask_login import login_user

from tracker import db
from tracker.config import Settings
from tracker.models import Benefit, BenefitState, Organisation, Role, Suggestion, User
from tracker.services.benefits import calibration
from tracker.services.suggestions.score_inputs import INPUTS, Framework

A, B = "Account integrity", "Content spam"
MEASURED, INCONCLUSIVE = BenefitState.MEASURED.value, BenefitState.INCONCLUSIVE.value


def put(
    app: Flask, suggestion: Suggestion, state: str, measured: float | None, **fields: Any
) -> None:
    """A Benefit row as measure.py leaves it (agent hours unless told)."""
    values: dict[str, Any] = {"expected": 100.0, "ci_low": None, "ci_high": None} | fields
    with db.session_scope(app) as session:
        session.add(
            Benefit(suggestion_id=suggestion.id or 0, state=state, measured=measured, **values)
        )


def with_settings(app: Flask, framework: str = "ice", minimum: int = 3) -> Settings:
    settings: Settings = app.config["SETTINGS"]
    return settings.model_copy(
        update={
            "scoring": settings.scoring.model_copy(update={"framework": framework}),
            "benefits": settings.benefits.model_copy(update={"calibration_min": minimum}),
        }
    )


@dataclass
class World:
    northwind: Organisation
    bolt: Organisation
    agent: User
    nw_staff: User
    bolt_staff: User
    pm: User
    ideas: dict[str, Suggestion]


@pytest.fixture
def world(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_suggestion: Callable[..., Suggestion],
) -> World:
    northwind = make_organisation("Northwind BPO")
    bolt = make_organisation("Bolt Support")
    internal = make_organisation("Support Ops")
    agent = make_user(Role.SUBMITTER)
    nw = make_user(Role.VENDOR, organisation_id=northwind.id)
    bo = make_user(Role.VENDOR, organisation_id=bolt.id)
    ops = make_user(Role.VENDOR, organisation_id=internal.id)
    pm = make_user(Role.PM)
    authors = {"nw": nw, "bolt": bo, "agent": agent, "ops": ops}
    plan = {
        # name: author, area
        "nw1": ("nw", A),
        "nw2": ("nw", A),
        "nw3": ("nw", B),
        "nw_inc": ("nw", B),
        "nw_wait": ("nw", A),
        "nw_nm": ("nw", A),
        "nw_zero": ("nw", A),
        "nw_other": ("nw", A),
        "bolt1": ("bolt", A),
        "agent1": ("agent", B),
        "ops1": ("ops", B),
    }
    ideas = {
        name: make_suggestion(authors[who], title=f"Idea {name}", area=area)
        for name, (who, area) in plan.items()
    }
    with db.session_scope(app) as session:  # turned out to be an internal team
        ops_org = session.get(Organisation, internal.id)
        assert ops_org is not None
        ops_org.is_vendor = False
    put(app, ideas["nw1"], MEASURED, 60.0)
    put(app, ideas["nw2"], MEASURED, 20.0, expected=50.0)
    put(app, ideas["nw3"], MEASURED, 10.0, expected=10.0)
    # Inconclusive counts: dropping it would flatter Northwind (it saved less than hoped).
    put(app, ideas["nw_inc"], INCONCLUSIVE, 5.0, expected=40.0)
    put(app, ideas["nw_wait"], BenefitState.WAITING.value, 500.0)
    put(app, ideas["nw_nm"], BenefitState.NOT_MEASURABLE.value, None)
    put(app, ideas["nw_zero"], MEASURED, 30.0, expected=0.0)
    put(app, ideas["nw_other"], MEASURED, 3.0, expected=1.0, metric="handle_time", unit="min")
    put(app, ideas["bolt1"], MEASURED, 90.0, expected=60.0)
    put(app, ideas["agent1"], MEASURED, 40.0, expected=50.0)
    put(app, ideas["ops1"], INCONCLUSIVE, 10.0, expected=50.0)
    return World(northwind, bolt, agent, nw, bo, pm, ideas)


# --- the arithmetic -----------------------------------------------------------------------------


def test_ratio_is_the_sum_measured_over_the_sum_expected(app: Flask, world: World) -> None:
    with db.session_scope(app) as session:
        table = calibration.table(session, viewer=world.pm, settings=with_settings(app))

    sources = {row.label: (row.measured, row.expected, row.count) for row in table.by_source}
    # Northwind: 60 + 20 + 10 + 5 over 100 + 50 + 10 + 40; not the waiting, not measurable, zero
    # estimate or other-metric rows. Support Ops is not a vendor: its idea is the agents'.
    assert sources == {
        "Northwind BPO": (95.0, 200.0, 4),
        "Internal agents": (50.0, 100.0, 2),
        "Bolt Support": (90.0, 60.0, 1),
    }
    northwind = table.by_source[0]
    assert (northwind.label, northwind.ratio, northwind.shown, northwind.enough) == (
        "Northwind BPO",
        0.475,
        "0.47",
        True,
    )
    assert northwind.organisation_id == world.northwind.id
    assert [row.enough for row in table.by_source] == [True, False, False]
    areas = {row.label: (row.measured, row.expected, row.count) for row in table.by_area}
    assert areas == {A: (170.0, 210.0, 3), B: (65.0, 150.0, 4)}
    assert table.minimum == 3


def test_the_inconclusive_rows_count_in_the_ratio(app: Flask, world: World) -> None:
    with db.session_scope(app) as session:
        table = calibration.table(session, viewer=world.pm, settings=with_settings(app))
    agents = next(row for row in table.by_source if row.label == "Internal agents")
    # Measured only would be 40 / 50 = 0.8; with the inconclusive 10 / 50 it is 0.5.
    assert agents.ratio == pytest.approx(0.5)


def test_nothing_measured_means_no_rows(app: Flask, make_user: Callable[..., User]) -> None:
    with db.session_scope(app) as session:
        table = calibration.table(session, viewer=make_user(Role.PM), settings=with_settings(app))
    assert (table.by_source, table.by_area) == ([], [])


# --- who sees which rows ------------------------------------------------------------------------


def test_a_vendor_sees_only_its_own_organisation(app: Flask, world: World) -> None:
    with db.session_scope(app) as session:
        mine = calibration.table(session, viewer=world.nw_staff, settings=with_settings(app))
        theirs = calibration.table(session, viewer=world.bolt_staff, settings=with_settings(app))

    assert [row.label for row in mine.by_source] == ["Northwind BPO"]
    # Areas are built from its own ideas only: no other source's share leaks through them.
    assert {row.label: row.count for row in mine.by_area} == {A: 2, B: 2}
    assert [row.label for row in theirs.by_source] == ["Bolt Support"]
    assert [(row.label, row.measured) for row in theirs.by_area] == [(A, 90.0)]


def test_an_agent_sees_every_visible_idea(app: Flask, world: World) -> None:
    with db.session_scope(app) as session:
        table = calibration.table(session, viewer=world.agent, settings=with_settings(app))
    assert len(table.by_source) == 3


# --- the suggested confidence -------------------------------------------------------------------


def spec(framework: Framework) -> Any:
    found = calibration.confidence_input(framework)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(0.7, 7.0), (0.74, 7.0), (1.0, 10.0), (1.8, 10.0), (0.04, 1.0), (0.0, 1.0), (-0.5, 1.0)],
)
def test_ice_confidence_is_the_ratio_on_one_to_ten(ratio: float, expected: float) -> None:
    assert calibration.suggested_confidence(ratio, spec(Framework.ICE)) == expected


@pytest.mark.parametrize(
    ("ratio", "expected"),
    # RICE offers 50, 80 and 100%: the nearest, the lower on a tie (0.65 and 0.9 are ties).
    [(0.7, 80.0), (0.65, 50.0), (0.9, 80.0), (0.95, 100.0), (1.4, 100.0), (0.2, 50.0), (-1, 50.0)],
)
def test_rice_confidence_is_the_nearest_offered_percentage(ratio: float, expected: float) -> None:
    assert calibration.suggested_confidence(ratio, spec(Framework.RICE)) == expected


def test_frameworks_without_a_confidence_get_none() -> None:
    assert calibration.confidence_input(Framework.WSJF) is None
    assert calibration.confidence_input(Framework.VALUE_EFFORT) is None


def test_ratio_text_keeps_two_decimals_at_most() -> None:
    assert [calibration.ratio_text(r) for r in (0.7, 0.733, 1.0, 1.25, 0.004)] == [
        "0.7",
        "0.73",
        "1",
        "1.25",
        "0",
    ]


def hints_for(app: Flask, idea: Suggestion, **options: Any) -> calibration.Calibration:
    with db.session_scope(app) as session:
        stored = session.get(Suggestion, idea.id)
        assert stored is not None
        return calibration.for_suggestion(
            session, suggestion=stored, settings=with_settings(app, **options)
        )


def test_the_score_form_gets_the_source_and_the_area(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["nw_wait"], framework="ice")

    source, area = found.hints
    assert (
        source.sentence == "Ideas from Northwind BPO delivered 0.47x their estimate (4 measured)."
    )
    assert (source.suggested, source.use_label) == ("5", "Use 5")
    # Area A: Northwind's 60 + 20 and Bolt's 90 over 100 + 50 + 60.
    assert (
        area.sentence == "Ideas in Account integrity delivered 0.81x their estimate (3 measured)."
    )
    assert area.suggested == "8"
    assert (found.field, found.after) == ("confidence", "confidence")


def test_rice_suggests_a_percentage_it_offers(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["nw_wait"], framework="rice")
    assert [(hint.suggested, hint.use_label) for hint in found.hints] == [
        ("50", "Use 50%"),
        ("80", "Use 80%"),
    ]


def test_below_the_minimum_count_there_is_no_suggestion(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["bolt1"], framework="ice", minimum=3)
    source = found.hints[0]
    assert source.sentence == (
        "Ideas from Bolt Support delivered 1.5x their estimate"
        " (1 measured; a confidence is suggested from 3)."
    )
    assert (source.suggested, source.use_label) == (None, "")
    lowered = hints_for(app, world.ideas["bolt1"], framework="ice", minimum=1)
    assert lowered.hints[0].suggested == "10"


def test_internal_agents_are_one_source(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["agent1"], framework="ice", minimum=2)
    source, area = found.hints
    assert (
        source.sentence == "Ideas from internal agents delivered 0.5x their estimate (2 measured)."
    )
    assert source.suggested == "5"
    assert area.subject == f"Ideas in {B}"


def test_wsjf_shows_the_sentence_after_its_last_input(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["nw_wait"], framework="wsjf")
    assert [hint.suggested for hint in found.hints] == [None, None]
    assert found.field is None
    assert found.after == INPUTS[Framework.WSJF][-1].name


def test_an_idea_from_a_source_with_nothing_measured_gets_no_hint(
    app: Flask, make_user: Callable[..., User], make_suggestion: Callable[..., Suggestion]
) -> None:
    idea = make_suggestion(make_user(Role.VENDOR), title="Fresh", area="Scams and fraud")
    assert hints_for(app, idea).hints == []


# --- the partial: a button for PMs only ---------------------------------------------------------


def render_hint(app: Flask, found: calibration.Calibration | None, viewer: User | None) -> str:
    with app.test_request_context("/"):
        if viewer is not None:
            login_user(viewer)
        return render_template("suggestions/_calibration.html", calibration=found)


def test_the_partial_renders_the_sentence_and_the_button(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["nw_wait"], framework="rice")
    html = render_hint(app, found, world.pm)
    assert "Ideas from Northwind BPO delivered 0.47x their estimate (4 measured)." in html
    assert 'data-calibration-fill="confidence"' in html
    assert 'data-calibration-value="80"' in html
    assert "Use 80%" in html
    assert "js/calibration.js" in html


def test_the_partial_shows_nothing_to_others_or_without_figures(app: Flask, world: World) -> None:
    found = hints_for(app, world.ideas["nw_wait"], framework="rice")
    assert "Northwind" not in render_hint(app, found, world.nw_staff)
    assert "Northwind" not in render_hint(app, found, world.agent)
    assert "Northwind" not in render_hint(app, found, None)
    assert render_hint(app, None, world.pm).strip() == ""
    empty = calibration.Calibration(hints=[], field="confidence", after="confidence")
    assert render_hint(app, empty, world.pm).strip() == ""


def test_wsjf_renders_the_sentence_without_a_button(app: Flask, world: World) -> None:
    html = render_hint(app, hints_for(app, world.ideas["nw_wait"], framework="wsjf"), world.pm)
    assert "0.47x their estimate" in html
    assert "data-calibration-fill" not in html
