"""Triage: the workflow table, decisions with reasons and scores, merges that can be undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tracker import db
from tracker.errors import Conflict, PermissionDenied, ValidationFailed
from tracker.models import Role, Status, Suggestion, User
from tracker.services.suggestions import decisions
from tracker.services.suggestions.decisions import DECIDED, TRANSITIONS

RICE = {"reach": 400, "impact": 2, "confidence": 80, "effort": 3}
PAIRS = [(start, to) for start in Status for to in Status]


def _get(session: Session, suggestion_id: int | None) -> Suggestion:
    assert suggestion_id is not None
    found = session.get(Suggestion, suggestion_id)
    assert found is not None
    return found


@pytest.fixture
def idea(make_suggestion: Callable[..., Suggestion], author: User) -> Suggestion:
    return make_suggestion(author)


def _score(session: Session, pm: User, suggestion_id: int | None, **inputs: Any) -> None:
    assert suggestion_id is not None
    decisions.score(
        session, actor=pm, suggestion_id=suggestion_id, framework="rice", inputs=inputs or RICE
    )


def test_transition_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(Status)
    # Duplicate only through a merge; delivery only from Jira.
    reachable_by_hand = set().union(*TRANSITIONS.values())
    assert Status.DUPLICATE not in reachable_by_hand
    assert not reachable_by_hand & {Status.IN_DELIVERY, Status.DELIVERED}


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    app: Flask, pm: User, idea: Suggestion, start: Status, to: Status
) -> None:
    with db.session_scope(app) as session:
        _score(session, pm, idea.id)
        row = _get(session, idea.id)
        row.status = start
        session.add(row)
    with db.session_scope(app) as session:
        assert idea.id is not None
        if to in TRANSITIONS[start]:
            change = decisions.change_status(
                session, actor=pm, suggestion_id=idea.id, to=to, reason="Because"
            )
            assert (change.from_status, change.to_status) == (start.value, to.value)
            assert _get(session, idea.id).status == to
        else:
            with pytest.raises(Conflict) as refused:
                decisions.change_status(
                    session, actor=pm, suggestion_id=idea.id, to=to, reason="Because"
                )
            assert start.label.lower() in str(refused.value)
            assert _get(session, idea.id).status == start


def test_unknown_status_is_named(app: Flask, pm: User, idea: Suggestion) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as bad:
        decisions.change_status(session, actor=pm, suggestion_id=idea.id, to="shipped")
    assert set(bad.value.fields) == {"status"}


@pytest.mark.parametrize("reason", ["", "   "])
def test_decline_needs_a_reason(app: Flask, pm: User, idea: Suggestion, reason: str) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as bad:
        decisions.change_status(
            session, actor=pm, suggestion_id=idea.id, to=Status.DECLINED, reason=reason
        )
    assert set(bad.value.fields) == {"reason"}


def test_accept_needs_a_score(app: Flask, pm: User, idea: Suggestion) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as bad:
        decisions.change_status(session, actor=pm, suggestion_id=idea.id, to=Status.ACCEPTED)
    assert set(bad.value.fields) == {"score"}
    with db.session_scope(app) as session:
        assert _get(session, idea.id).status == Status.NEW
        assert _get(session, idea.id).decided_at is None


def test_accepting_keeps_the_score_of_that_moment(app: Flask, pm: User, idea: Suggestion) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session:
        _score(session, pm, idea.id)
        decisions.change_status(
            session, actor=pm, suggestion_id=idea.id, to="accepted", reason="Worth it"
        )
        accepted = _get(session, idea.id)
        assert accepted.decided_at is not None
        assert accepted.decision_reason == "Worth it"
    with db.session_scope(app) as session:
        _score(session, pm, idea.id, reach=10, impact=0.25, confidence=50, effort=5)
    with db.session_scope(app) as session:
        row = _get(session, idea.id)
        assert row.score_value == pytest.approx(0.25)
        snapshot = decisions.history(session, suggestion=row)[-1].score_snapshot
        assert snapshot is not None
        assert snapshot["value"] == pytest.approx(400 * 2 * 0.8 / 3)
        assert snapshot["inputs"] == {
            "reach": 400.0,
            "impact": 2.0,
            "confidence": 80.0,
            "effort": 3.0,
        }
        assert snapshot["framework"] == "rice"
        assert snapshot["formula"] == "RICE = 400 x 2 x 80% / 3 = 213"


def test_reopening_a_decision_clears_its_date_and_reason(
    app: Flask, pm: User, idea: Suggestion
) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session:
        decisions.change_status(
            session, actor=pm, suggestion_id=idea.id, to="declined", reason="Not now"
        )
        assert _get(session, idea.id).decided_at is not None
        decisions.change_status(session, actor=pm, suggestion_id=idea.id, to="under_review")
        reopened = _get(session, idea.id)
        assert reopened.decided_at is None
        assert reopened.decision_reason == ""
        # The history still says why it was declined.
        assert [h.reason for h in decisions.history(session, suggestion=reopened)][1] == "Not now"


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.VENDOR, Role.STAKEHOLDER])
def test_only_product_managers_decide(
    app: Flask, make_user: Callable[..., User], idea: Suggestion, role: Role
) -> None:
    user = make_user(role)
    assert idea.id is not None
    with db.session_scope(app) as session:
        with pytest.raises(PermissionDenied):
            decisions.change_status(session, actor=user, suggestion_id=idea.id, to="parked")
        with pytest.raises(PermissionDenied):
            _score(session, user, idea.id)
        with pytest.raises(PermissionDenied):
            decisions.merge(session, actor=user, duplicate_id=idea.id, target_id=idea.id)
        with pytest.raises(PermissionDenied):
            decisions.unmerge(session, actor=user, duplicate_id=idea.id)


def test_admins_decide_like_product_managers(
    app: Flask, make_user: Callable[..., User], idea: Suggestion
) -> None:
    admin = make_user(Role.ADMIN)
    assert idea.id is not None
    with db.session_scope(app) as session:
        decisions.change_status(session, actor=admin, suggestion_id=idea.id, to="parked")
        assert _get(session, idea.id).status == Status.PARKED


@pytest.mark.parametrize(
    ("framework", "inputs", "fields"),
    [
        ("rice", {}, {"reach", "impact", "confidence", "effort"}),
        ("rice", {"reach": "lots", "impact": 7, "confidence": 80, "effort": 0}, None),
        ("ice", {"impact": 11, "confidence": 0, "ease": "x"}, {"impact", "confidence", "ease"}),
        ("value_effort", {"value": 3}, {"effort"}),
        ("wsjf", {"business_value": 4}, None),
    ],
)
def test_score_names_each_bad_input(
    app: Flask,
    pm: User,
    idea: Suggestion,
    framework: str,
    inputs: dict[str, Any],
    fields: set[str] | None,
) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as bad:
        decisions.score(
            session, actor=pm, suggestion_id=idea.id, framework=framework, inputs=inputs
        )
    if fields is None:  # every input of the framework is wrong or missing
        fields = {
            "rice": {"reach", "impact", "effort"},
            "wsjf": {"business_value", "time_criticality", "risk_reduction", "job_size"},
        }[framework]
    assert set(bad.value.fields) == fields
    for name, sentence in bad.value.fields.items():
        assert name.split("_")[0] in sentence.lower()


def test_unknown_framework_is_a_field_error(app: Flask, pm: User, idea: Suggestion) -> None:
    assert idea.id is not None
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as bad:
        decisions.score(session, actor=pm, suggestion_id=idea.id, framework="moscow", inputs={})
    assert set(bad.value.fields) == {"framework"}


def test_score_stores_value_formula_and_axes(app: Flask, pm: User, idea: Suggestion) -> None:
    with db.session_scope(app) as session:
        _score(session, pm, idea.id)
        row = _get(session, idea.id)
        assert row.score_framework == "rice"
        assert row.score_value == pytest.approx(213.333, rel=1e-3)
        assert row.score_formula == "RICE = 400 x 2 x 80% / 3 = 213"
        assert row.impact_axis == pytest.approx(640)
        assert row.effort_axis == 3


def test_history_records_actor_from_to_and_reason_in_order(
    app: Flask, pm: User, author: User, idea: Suggestion, make_user: Callable[..., User]
) -> None:
    other_pm = make_user(Role.PM)
    assert idea.id is not None
    with db.session_scope(app) as session:
        decisions.change_status(session, actor=pm, suggestion_id=idea.id, to="under_review")
        decisions.change_status(
            session, actor=other_pm, suggestion_id=idea.id, to="parked", reason="Next quarter"
        )
        decisions.change_status(
            session, actor=pm, suggestion_id=idea.id, to="declined", reason="Superseded"
        )
        entries = decisions.history(session, suggestion=_get(session, idea.id))
        assert [(h.actor_id, h.from_status, h.to_status, h.reason) for h in entries] == [
            (author.id, None, "new", ""),
            (pm.id, "new", "under_review", ""),
            (other_pm.id, "under_review", "parked", "Next quarter"),
            (pm.id, "parked", "declined", "Superseded"),
        ]


def _pair(make_suggestion: Callable[..., Suggestion], author: User) -> tuple[int, int]:
    first, second = make_suggestion(author, title="First"), make_suggestion(author, title="Second")
    assert first.id is not None
    assert second.id is not None
    return first.id, second.id


def test_merge_refuses_itself_and_its_own_duplicates(
    app: Flask, pm: User, author: User, make_suggestion: Callable[..., Suggestion]
) -> None:
    a, b = _pair(make_suggestion, author)
    c = make_suggestion(author, title="Third").id
    assert c is not None
    with db.session_scope(app) as session:
        with pytest.raises(ValidationFailed) as itself:
            decisions.merge(session, actor=pm, duplicate_id=a, target_id=a)
        assert set(itself.value.fields) == {"target_id"}
        decisions.merge(session, actor=pm, duplicate_id=b, target_id=a)
        decisions.merge(session, actor=pm, duplicate_id=c, target_id=b)  # lands on a
        assert _get(session, c).duplicate_of_id == a
        with pytest.raises(ValidationFailed):
            decisions.merge(session, actor=pm, duplicate_id=a, target_id=b)
        with pytest.raises(ValidationFailed):
            decisions.merge(session, actor=pm, duplicate_id=a, target_id=c)
        assert _get(session, a).status == Status.NEW


def test_merging_an_already_merged_suggestion_conflicts(
    app: Flask, pm: User, author: User, make_suggestion: Callable[..., Suggestion]
) -> None:
    a, b = _pair(make_suggestion, author)
    c = make_suggestion(author, title="Third").id
    assert c is not None
    with db.session_scope(app) as session:
        decisions.merge(session, actor=pm, duplicate_id=b, target_id=a)
        with pytest.raises(Conflict):
            decisions.merge(session, actor=pm, duplicate_id=b, target_id=c)
        assert _get(session, b).duplicate_of_id == a


@pytest.mark.parametrize("status", [Status.IN_DELIVERY, Status.DELIVERED])
def test_ideas_in_delivery_cannot_be_merged(
    app: Flask, pm: User, author: User, make_suggestion: Callable[..., Suggestion], status: Status
) -> None:
    a, b = _pair(make_suggestion, author)
    with db.session_scope(app) as session:
        _get(session, b).status = status
        with pytest.raises(Conflict):
            decisions.merge(session, actor=pm, duplicate_id=b, target_id=a)


def test_unmerge_restores_the_previous_status(
    app: Flask, pm: User, author: User, make_suggestion: Callable[..., Suggestion]
) -> None:
    a, b = _pair(make_suggestion, author)
    with db.session_scope(app) as session:
        decisions.change_status(session, actor=pm, suggestion_id=b, to="under_review")
        target = decisions.merge(session, actor=pm, duplicate_id=b, target_id=a, reason="Same")
        assert target.id == a
        merged = _get(session, b)
        assert (merged.status, merged.duplicate_of_id) == (Status.DUPLICATE, a)
        assert merged.decided_at is not None
    with db.session_scope(app) as session:
        restored = decisions.unmerge(session, actor=pm, duplicate_id=b)
        assert restored.status == Status.UNDER_REVIEW
        assert restored.duplicate_of_id is None
        assert restored.decided_at is None
        entries = decisions.history(session, suggestion=restored)
        assert [(h.from_status, h.to_status, h.reason) for h in entries[-3:]] == [
            ("new", "under_review", ""),
            ("under_review", "duplicate", "Same"),
            ("duplicate", "under_review", "Merge undone"),
        ]
        with pytest.raises(Conflict):
            decisions.unmerge(session, actor=pm, duplicate_id=b)


def test_unmerging_a_decided_idea_keeps_its_decision(
    app: Flask, pm: User, author: User, make_suggestion: Callable[..., Suggestion]
) -> None:
    a, b = _pair(make_suggestion, author)
    with db.session_scope(app) as session:
        decisions.change_status(session, actor=pm, suggestion_id=b, to="parked", reason="Later")
        decisions.merge(session, actor=pm, duplicate_id=b, target_id=a)
        restored = decisions.unmerge(session, actor=pm, duplicate_id=b)
        assert restored.status == Status.PARKED
        assert restored.status in DECIDED
        assert restored.decided_at is not None
        assert restored.decision_reason == "Later"
