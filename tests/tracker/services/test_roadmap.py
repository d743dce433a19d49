"""The roadmap's columns (services/roadmap): where ideas and initiatives land, ranking within a
framework, the visibility rules for vendors, the area filter and the Markdown export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.helpers.benefits import delivered_idea, put_benefit
from tests.helpers.delivery import pushed_link
from tracker import db
from tracker.config import DEFAULT_AREAS, SyncSettings
from tracker.errors import ValidationFailed
from tracker.models import Initiative, Role, Status, StoryDraft, Suggestion, User, utcnow
from tracker.services.roadmap import board, export
from tracker.services.roadmap.board import Column, RoadmapFilters

NOW = utcnow()
RECENT = (NOW - timedelta(weeks=2)).date()
LONG_AGO = (NOW - timedelta(weeks=30)).date()


def _idea(session: Any, author: User, title: str, status: Status, **fields: Any) -> Suggestion:
    values: dict[str, Any] = {"area": "Other", "status": status, "delivered_at": None}
    values.update(fields)
    return delivered_idea(session, author=author, title=title, **values)


def _stories(session: Any, idea: Suggestion, states: list[str]) -> None:
    """One story per entry: "" drafted only, or a Jira status name once pushed."""
    for number, status_name in enumerate(states):
        draft = StoryDraft(
            suggestion_id=idea.id or 0, initiative_id=idea.initiative_id, summary=f"part {number}"
        )
        session.add(draft)
        session.flush()
        if status_name:
            key = f"{idea.id}{number}"
            session.add(pushed_link(key, f"OPS-{key}", status_name=status_name, story_id=draft.id))
    session.flush()


@pytest.fixture
def world(
    app: Flask, make_user: Callable[..., User], make_organisation: Callable[..., Any]
) -> dict[str, Any]:
    acme, globex = make_organisation(name="Acme"), make_organisation(name="Globex")
    agent = make_user(Role.SUBMITTER)
    acme_staff = make_user(Role.VENDOR, organisation_id=acme.id)
    globex_staff = make_user(Role.VENDOR, organisation_id=globex.id)
    with db.session_scope(app) as session:
        busy, planned, empty, finished = (
            Initiative(name=name) for name in ("Busy", "Planned", "Empty", "Finished")
        )
        session.add_all([busy, planned, empty, finished])
        session.flush()
        building = _idea(session, agent, "Building it", Status.IN_DELIVERY, area="Content spam")
        _stories(session, building, ["Done", "In Progress", ""])
        in_busy = _idea(session, agent, "Busy idea", Status.IN_DELIVERY, initiative_id=busy.id)
        _stories(session, in_busy, ["In Progress"])
        _idea(session, agent, "Planned idea", Status.ACCEPTED, initiative_id=planned.id)
        old = datetime.combine(LONG_AGO, datetime.min.time(), tzinfo=UTC)
        _idea(
            session,
            agent,
            "Long done",
            Status.DELIVERED,
            initiative_id=finished.id,
            delivered_at=old,
        )
        for title, framework, score in (
            ("Rice low", "rice", 10.0),
            ("Ice huge", "ice", 500.0),
            ("Rice high", "rice", 30.0),
            ("Unscored", None, None),
        ):
            _idea(
                session, agent, title, Status.ACCEPTED, score_framework=framework, score_value=score
            )
        _idea(session, agent, "Parked idea", Status.PARKED)
        _idea(session, agent, "Declined idea", Status.DECLINED)
        _idea(session, agent, "Confidential plan", Status.ACCEPTED, confidential=True)
        shipped = delivered_idea(session, author=agent, title="Shipped", delivered_on=RECENT)
        put_benefit(session, shipped, measured=62.0, ci_low=41.0, ci_high=83.0)
        delivered_idea(session, author=agent, title="Shipped long ago", delivered_on=LONG_AGO)
        acme_idea = delivered_idea(
            session, author=acme_staff, title="Acme rule", delivered_on=RECENT
        )
        put_benefit(session, acme_idea)
        globex_idea = delivered_idea(
            session,
            author=globex_staff,
            title="Globex shared",
            delivered_on=RECENT,
            shared_with_vendors=True,
        )
        put_benefit(session, globex_idea, measured=500.0, ci_low=400.0, ci_high=600.0)
        _idea(session, globex_staff, "Globex private", Status.ACCEPTED)
        _idea(session, acme_staff, "Acme in initiative", Status.ACCEPTED, initiative_id=planned.id)
    return {"acme": acme_staff}


def _read(app: Flask, viewer: User, area: str = "") -> board.Roadmap:
    with db.session_scope(app) as session:
        return board.roadmap(
            session,
            viewer=viewer,
            filters=RoadmapFilters(area=area),
            sync=SyncSettings(),
            now=utcnow(),
        )


def _titles(found: board.Roadmap, column: Column) -> list[str]:
    return [idea.title for idea in found.ideas[column]]


def test_pm_columns_from_state_and_jira(
    app: Flask, make_user: Callable[..., User], world: dict[str, Any]
) -> None:
    found = _read(app, make_user(Role.PM))
    assert _titles(found, Column.NOW) == ["Building it"]
    assert found.ideas[Column.NOW][0].stories.words == "1 of 2 stories done in Jira"
    # Within a framework by score; the ICE 500 never outranks RICE for being a bigger number.
    assert _titles(found, Column.NEXT) == [
        "Ice huge",
        "Rice high",
        "Rice low",
        "Unscored",
        "Confidential plan",
        "Globex private",
    ]
    assert _titles(found, Column.LATER) == ["Parked idea"]
    assert set(_titles(found, Column.DELIVERED)) == {"Shipped", "Acme rule", "Globex shared"}
    shipped = next(i for i in found.ideas[Column.DELIVERED] if i.title == "Shipped")
    assert shipped.benefit.startswith("expected 90 h/week; measured 62 h/week")
    every = [idea.title for column in Column for idea in found.ideas[column]]
    assert "Declined idea" not in every
    assert "Shipped long ago" not in every


def test_initiatives_by_their_ideas_and_progress(
    app: Flask, make_user: Callable[..., User], world: dict[str, Any]
) -> None:
    found = _read(app, make_user(Role.STAKEHOLDER))
    names = {column: [card.name for card in found.initiatives[column]] for column in Column}
    assert names == {
        Column.NOW: ["Busy"],
        Column.NEXT: ["Planned"],
        Column.LATER: ["Empty"],
        Column.DELIVERED: [],  # "Finished" was done before the recent weeks
    }
    busy = found.initiatives[Column.NOW][0]
    assert [idea.title for idea in busy.ideas] == ["Busy idea"]
    assert busy.progress_words == "0 of 1 story done (0%)"
    every = [idea.title for column in Column for idea in found.ideas[column]]
    assert "Busy idea" not in every  # shown under its initiative, not twice
    assert "Confidential plan" not in every  # stakeholders see no confidential idea


def test_vendor_sees_only_their_ideas_and_no_initiatives(app: Flask, world: dict[str, Any]) -> None:
    found = _read(app, world["acme"])
    assert not found.shows_initiatives
    assert not any(found.initiatives.values())
    every = {idea.title for column in Column for idea in found.ideas[column]}
    assert every == {"Acme rule", "Globex shared", "Acme in initiative"}
    shared = next(i for i in found.ideas[Column.DELIVERED] if i.title == "Globex shared")
    assert shared.benefit == ""  # readable idea, but what it saved is Globex's business
    own = next(i for i in found.ideas[Column.DELIVERED] if i.title == "Acme rule")
    assert own.benefit


def test_area_filter_narrows_ideas_and_initiatives(
    app: Flask, make_user: Callable[..., User], world: dict[str, Any]
) -> None:
    found = _read(app, make_user(Role.PM), area="Content spam")
    assert _titles(found, Column.NOW) == ["Building it"]
    assert not any(found.initiatives.values())
    assert not found.ideas[Column.NEXT]


@pytest.mark.parametrize("area", ["Nowhere", "Other\x00", "x" * 500])
def test_an_unknown_area_is_refused(area: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        RoadmapFilters.from_args({"area": area}, areas=DEFAULT_AREAS)
    assert "Area must be one of" in str(refused.value)
    assert refused.value.fields == {"area": "Choose an area from the list."}


def test_known_area_and_none() -> None:
    assert RoadmapFilters.from_args({"area": " Other "}, areas=DEFAULT_AREAS).area == "Other"
    assert RoadmapFilters.from_args({}, areas=DEFAULT_AREAS).as_args() == {}


def test_markdown_escapes_titles_and_names_columns(
    app: Flask, make_user: Callable[..., User], world: dict[str, Any]
) -> None:
    pm = make_user(Role.PM)
    with db.session_scope(app) as session:
        _idea(session, pm, "[Click](http://evil.example) <b>now</b> *x*", Status.PARKED)
    found = _read(app, pm)
    text = export.markdown(found, base_url="https://tracker.example.com/")
    assert "\\[Click\\]\\(http://evil.example\\) &lt;b&gt;now&lt;/b&gt; \\*x\\*" in text
    assert "](http://evil" not in text
    for heading in ("## Now", "## Next", "## Later", "## Recently delivered"):
        assert heading in text
    assert export.LATER_NOTE in text
    assert "https://tracker.example.com/roadmap" in text
    assert "RICE 30" in text
    assert "ICE 500" in text
    assert "**Initiative** [Busy](https://tracker.example.com/initiatives/" in text


def test_permalink_keeps_the_filter(
    app: Flask, make_user: Callable[..., User], world: dict[str, Any]
) -> None:
    found = _read(app, make_user(Role.PM), area="Content spam")
    assert (
        export.permalink("https://t.example/", found)
        == "https://t.example/roadmap?area=Content+spam"
    )
