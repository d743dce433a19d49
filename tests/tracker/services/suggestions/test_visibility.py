"""Who sees which suggestion: one table of suggestions x viewers, checked through every door.

The same expected sets must come out of a plain SELECT, a search, a COUNT and `can_view`, so a
list, a search box, a badge and a detail page can never disagree about what a vendor may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker import db
from tracker.errors import NotFound, PermissionDenied
from tracker.models import Organisation, Role, Suggestion, User
from tracker.services.suggestions import search, submissions
from tracker.services.suggestions.visibility import can_view, visible_clause

ALL = frozenset(
    {
        "public",
        "confidential",
        "shared",
        "vendor_a",
        "vendor_a_confidential",
        "colleague_a",
        "colleague_a_confidential",
        "vendor_b",
        "made_confidential",
        "shared_and_confidential",
    }
)
NOT_CONFIDENTIAL = frozenset({"public", "shared", "vendor_a", "colleague_a", "vendor_b"})
# The words each title carries, so a search can pick a known part of the table.
ESCALATION = frozenset({"public", "confidential", "vendor_a", "vendor_b", "colleague_a"})

EXPECTED: dict[str, frozenset[str]] = {
    "pm": ALL,
    "admin": ALL,
    "internal": NOT_CONFIDENTIAL,
    "stakeholder": NOT_CONFIDENTIAL,
    "author": NOT_CONFIDENTIAL | {"confidential", "made_confidential", "shared_and_confidential"},
    "vendor_a": frozenset({"vendor_a", "vendor_a_confidential", "colleague_a", "shared"}),
    "vendor_b": frozenset({"vendor_b", "shared"}),
}


@dataclass
class World:
    viewers: dict[str, User]
    ids: dict[str, int]

    def names(self, ids: set[int]) -> set[str]:
        by_id = {value: key for key, value in self.ids.items()}
        return {by_id[i] for i in ids}


@pytest.fixture
def world(
    app: Flask,
    pm: User,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_suggestion: Callable[..., Suggestion],
) -> World:
    org_a = make_organisation(name="Acme BPO")
    org_b = make_organisation(name="Bravo Support")
    viewers = {
        "pm": pm,
        "admin": make_user(Role.ADMIN),
        "internal": make_user(Role.SUBMITTER),
        "author": make_user(Role.SUBMITTER),
        "stakeholder": make_user(Role.STAKEHOLDER),
        "vendor_a": make_user(Role.VENDOR, organisation_id=org_a.id),
        "vendor_b": make_user(Role.VENDOR, organisation_id=org_b.id),
    }
    colleague = make_user(Role.VENDOR, organisation_id=org_a.id)
    author, vendor_a, vendor_b = viewers["author"], viewers["vendor_a"], viewers["vendor_b"]
    rows: list[tuple[str, User, str, dict[str, bool]]] = [
        ("public", author, "escalation", {}),
        ("confidential", author, "escalation", {"confidential": True}),
        ("shared", author, "", {"shared_with_vendors": True}),
        ("vendor_a", vendor_a, "escalation", {}),
        ("vendor_a_confidential", vendor_a, "", {"confidential": True}),
        ("colleague_a", colleague, "escalation", {}),
        ("colleague_a_confidential", colleague, "", {"confidential": True}),
        ("vendor_b", vendor_b, "escalation", {}),
        ("made_confidential", author, "", {}),
        ("shared_and_confidential", author, "", {}),
    ]
    ids: dict[str, int] = {}
    for name, writer, extra, flags in rows:
        made = make_suggestion(writer, title=f"Refund macro {extra} {name}".strip(), **flags)
        assert made.id is not None
        ids[name] = made.id
    with db.session_scope(app) as session:
        # A PM makes a shared idea confidential: sharing must be withdrawn with it.
        changed = submissions.set_sharing(
            session,
            actor=pm,
            suggestion_id=ids["made_confidential"],
            confidential=True,
            shared_with_vendors=True,
        )
        assert changed.shared_with_vendors is False
        # Older rows (or a bulk update) may carry both flags; the rule must still hold.
        both = session.get(Suggestion, ids["shared_and_confidential"])
        assert both is not None
        both.confidential = True
        both.shared_with_vendors = True
        session.add(both)
    return World(viewers, ids)


def _visible(session: Session, viewer: User, *extra: object) -> set[int]:
    query = select(Suggestion.id).where(visible_clause(viewer), *extra)  # type: ignore[arg-type]
    return {i for i in session.exec(query).all() if i is not None}


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_select_returns_exactly_what_the_viewer_may_see(
    app: Flask, world: World, viewer: str
) -> None:
    with db.session_scope(app) as session:
        assert world.names(_visible(session, world.viewers[viewer])) == EXPECTED[viewer]


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_search_applies_the_same_rule(app: Flask, world: World, viewer: str) -> None:
    with db.session_scope(app) as session:
        everything = search.match_clause(session, "refund macro")
        escalations = search.match_clause(session, "escalation")
        assert everything is not None
        assert escalations is not None
        user = world.viewers[viewer]
        assert world.names(_visible(session, user, everything)) == EXPECTED[viewer]
        assert world.names(_visible(session, user, escalations)) == EXPECTED[viewer] & ESCALATION


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_count_matches_the_list(app: Flask, world: World, viewer: str) -> None:
    with db.session_scope(app) as session:
        counted = session.exec(
            select(func.count())
            .select_from(Suggestion)
            .where(visible_clause(world.viewers[viewer]))
        ).one()
    assert counted == len(EXPECTED[viewer])


def test_can_view_agrees_with_visible_clause_for_every_pair(app: Flask, world: World) -> None:
    with db.session_scope(app) as session:
        rows = session.exec(select(Suggestion)).all()
        assert len(rows) == len(ALL)
        for viewer_name, viewer in world.viewers.items():
            in_clause = _visible(session, viewer)
            for row in rows:
                assert can_view(viewer, row) == (row.id in in_clause), (viewer_name, row.title)


@pytest.mark.parametrize("viewer", ["vendor_a", "vendor_b", "internal", "stakeholder"])
def test_a_hidden_suggestion_is_indistinguishable_from_a_missing_one(
    app: Flask, world: World, viewer: str
) -> None:
    user = world.viewers[viewer]
    with db.session_scope(app) as session:
        for name in sorted(ALL - EXPECTED[viewer]):
            with pytest.raises(NotFound) as hidden:
                submissions.get_suggestion(session, actor=user, suggestion_id=world.ids[name])
            with pytest.raises(NotFound) as missing:
                submissions.get_suggestion(session, actor=user, suggestion_id=999_999)
            assert str(hidden.value).replace(str(world.ids[name]), "N") == str(
                missing.value
            ).replace("999999", "N")
        for name in EXPECTED[viewer]:
            found = submissions.get_suggestion(session, actor=user, suggestion_id=world.ids[name])
            assert found.id == world.ids[name]


def test_vendor_suggestion_becomes_visible_to_other_vendors_only_once_shared(
    app: Flask, world: World
) -> None:
    vendor_b, pm = world.viewers["vendor_b"], world.viewers["pm"]
    target = world.ids["vendor_a"]
    with db.session_scope(app) as session:
        assert target not in _visible(session, vendor_b)
        submissions.set_sharing(
            session, actor=pm, suggestion_id=target, confidential=False, shared_with_vendors=True
        )
        assert target in _visible(session, vendor_b)
        submissions.set_sharing(
            session, actor=pm, suggestion_id=target, confidential=True, shared_with_vendors=True
        )
        assert target not in _visible(session, vendor_b)
        assert target not in _visible(session, world.viewers["stakeholder"])
        # The author still sees their own confidential idea.
        assert target in _visible(session, world.viewers["vendor_a"])


@pytest.mark.parametrize("viewer", ["internal", "author", "stakeholder", "vendor_a"])
def test_only_product_managers_change_sharing(app: Flask, world: World, viewer: str) -> None:
    with db.session_scope(app) as session, pytest.raises(PermissionDenied):
        submissions.set_sharing(
            session,
            actor=world.viewers[viewer],
            suggestion_id=world.ids["vendor_a"],
            confidential=False,
            shared_with_vendors=True,
        )


def test_vendor_without_organisation_sees_own_and_shared_in_both_checks(
    app: Flask, world: World
) -> None:
    # Accounts refuse this state, but a row edited by hand must not widen or narrow the rule.
    orphan = User(
        id=world.viewers["vendor_a"].id,
        email="orphan@example.com",
        display_name="Orphan",
        password_hash="x",
        role=Role.VENDOR,
        organisation_id=None,
    )
    with db.session_scope(app) as session:
        seen = world.names(_visible(session, orphan))
        assert seen == {"vendor_a", "vendor_a_confidential", "shared"}
        for row in session.exec(select(Suggestion).order_by(col(Suggestion.id))).all():
            assert can_view(orphan, row) == (world.names({row.id or 0}) <= seen)


def test_role_given_as_plain_text_is_still_a_vendor(app: Flask, world: World) -> None:
    # Table models do not validate, so an in-memory User can hold "vendor" rather than the enum.
    vendor_b = world.viewers["vendor_b"]
    as_text = User(
        id=vendor_b.id,
        email=vendor_b.email,
        display_name=vendor_b.display_name,
        password_hash="x",
        role="vendor",  # type: ignore[arg-type]
        organisation_id=vendor_b.organisation_id,
    )
    with db.session_scope(app) as session:
        assert world.names(_visible(session, as_text)) == EXPECTED["vendor_b"]
        public = session.get(Suggestion, world.ids["public"])
        assert public is not None
        assert can_view(as_text, public) is False
