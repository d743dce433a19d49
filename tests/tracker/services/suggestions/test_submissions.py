"""The field rules shared by the form, the API and CSV import, and what submitting stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from tests.helpers.suggestions import AREAS, suggestion_input
from tracker import db
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.models import Organisation, Role, StatusChange, Suggestion, User, Watch
from tracker.services.suggestions import submissions as suggestions
from tracker.services.suggestions.submissions import clean_input, split_links


def _errors(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        clean_input(suggestion_input(**overrides), areas=AREAS)
    return failed.value.fields


@pytest.mark.parametrize(
    ("overrides", "field", "sentence"),
    [
        ({"title": "x" * 201}, "title", "Title must be at most 200 characters."),
        ({"title": "   "}, "title", "Title is required."),
        ({"title": None}, "title", "Title is required."),
        ({"problem": ""}, "problem", "Problem today is required."),
        ({"proposed_change": " \n "}, "proposed_change", "Proposed change is required."),
        ({"area": "Billing"}, "area", "Area must be one of: Account integrity, "),
        ({"area": ""}, "area", "Area is required."),
        ({"weekly_volume": "abc"}, "weekly_volume", "Weekly ticket volume must be a number."),
        ({"weekly_volume": "-5"}, "weekly_volume", "Weekly ticket volume must be between 0 and"),
        (
            {"handle_time_minutes": "-1"},
            "handle_time_minutes",
            "Average handle time must be between 0 and 10,000.",
        ),
        (
            {"automation_share": "120"},
            "automation_share",
            "Share of tickets automated must be between 0 and 100.",
        ),
        (
            {"handle_time_minutes": "4", "minutes_saved_per_ticket": "5"},
            "minutes_saved_per_ticket",
            "Minutes saved per ticket cannot exceed the average handle time.",
        ),
        (
            {"evidence_links": "https://wiki.example/refunds javascript:alert(1)"},
            "evidence_links",
            "'javascript:alert(1)' is not a link or ticket id",
        ),
        ({"evidence_links": "see attached"}, "evidence_links", "'see' is not a link or ticket id"),
    ],
)
def test_each_bad_field_is_named_with_a_sentence(
    overrides: dict[str, Any], field: str, sentence: str
) -> None:
    errors = _errors(**overrides)
    assert list(errors) == [field]
    assert errors[field].startswith(sentence)


def test_every_bad_field_is_reported_at_once() -> None:
    errors = _errors(
        title="",
        weekly_volume="many",
        automation_share="101",
        area="Nowhere",
        evidence_links="javascript:alert(1)",
    )
    assert set(errors) == {"title", "weekly_volume", "automation_share", "area", "evidence_links"}


@pytest.mark.parametrize(
    "link",
    [
        "https://support.example.com/hc/articles/123",
        "http://intranet/wiki/Refunds",
        "OPS-123",
        "TS2-9",
        "#48213",
        "confluence/Refund+policy",
    ],
)
def test_evidence_accepts_links_and_ticket_ids(link: str) -> None:
    assert clean_input(suggestion_input(evidence_links=link), areas=AREAS).evidence_links == [link]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox",
        "refunds",
        "ftp://files.example/x",
        "OPS",
        "12",
    ],
)
def test_evidence_rejects_scripts_and_plain_words(link: str) -> None:
    assert "evidence_links" in _errors(evidence_links=link)


def test_evidence_links_split_on_lines_commas_and_spaces() -> None:
    cleaned = clean_input(
        suggestion_input(evidence_links="https://a.example/1,\nOPS-1 ;  https://b.example/2\n"),
        areas=AREAS,
    )
    assert cleaned.evidence_links == ["https://a.example/1", "OPS-1", "https://b.example/2"]


def test_strings_are_stripped_and_empty_optional_numbers_become_none() -> None:
    cleaned = clean_input(
        suggestion_input(
            title="  Macro for refunds  ",
            area=" Other ",
            queue="  Tier 1 ",
            weekly_volume="",
            handle_time_minutes="   ",
            minutes_saved_per_ticket="",
            automation_share="",
            evidence_links="",
        ),
        areas=AREAS,
    )
    assert cleaned.title == "Macro for refunds"
    assert cleaned.area == "Other"
    assert cleaned.queue == "Tier 1"
    assert cleaned.weekly_volume is None
    assert cleaned.handle_time_minutes is None
    assert cleaned.minutes_saved_per_ticket is None
    assert cleaned.automation_share is None
    assert cleaned.evidence_links == []


def test_numbers_from_a_form_are_parsed() -> None:
    cleaned = clean_input(
        suggestion_input(
            weekly_volume=" 1200 ",
            handle_time_minutes="6.5",
            minutes_saved_per_ticket="6.5",
            automation_share="0",
        ),
        areas=AREAS,
    )
    assert cleaned.weekly_volume == 1200
    assert cleaned.handle_time_minutes == 6.5
    assert cleaned.minutes_saved_per_ticket == 6.5
    assert cleaned.automation_share == 0


def test_unknown_keys_are_ignored() -> None:
    cleaned = clean_input(
        suggestion_input(status="accepted", submitter_id=1, vote_count=99), areas=AREAS
    )
    assert not hasattr(cleaned, "status")
    assert "vote_count" not in cleaned.model_dump()


def test_vendor_suggestion_belongs_to_their_organisation_and_starts_history(
    app: Flask, make_user: Callable[..., User], make_organisation: Callable[..., Organisation]
) -> None:
    org = make_organisation(name="Acme BPO")
    vendor = make_user(Role.VENDOR, organisation_id=org.id)
    with db.session_scope(app) as session:
        created = suggestions.create_suggestion(
            session, actor=vendor, raw=suggestion_input(title="  Spaces  "), areas=AREAS
        )
        assert created.organisation_id == org.id
        assert created.submitter_id == vendor.id
        assert created.title == "Spaces"
        assert created.status == "new"
        watches = session.exec(select(Watch).where(Watch.suggestion_id == created.id)).all()
        assert [(w.user_id, w.reason) for w in watches] == [(vendor.id, "submitter")]
        history = session.exec(
            select(StatusChange).where(StatusChange.suggestion_id == created.id)
        ).all()
        assert [(h.actor_id, h.from_status, h.to_status) for h in history] == [
            (vendor.id, None, "new")
        ]


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.PM, Role.ADMIN])
def test_internal_suggestion_has_no_organisation(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    role: Role,
) -> None:
    # Even an internal account linked to an organisation submits as the company.
    org = make_organisation(name="Head office", is_vendor=False)
    author = make_user(role, organisation_id=org.id)
    with db.session_scope(app) as session:
        created = suggestions.create_suggestion(
            session, actor=author, raw=suggestion_input(), areas=AREAS
        )
        assert created.organisation_id is None


def test_stakeholders_cannot_submit(app: Flask, make_user: Callable[..., User]) -> None:
    stakeholder = make_user(Role.STAKEHOLDER)
    with db.session_scope(app) as session:
        with pytest.raises(PermissionDenied):
            suggestions.create_suggestion(
                session, actor=stakeholder, raw=suggestion_input(), areas=AREAS
            )
        assert session.exec(select(Suggestion)).all() == []


def test_nothing_is_stored_when_input_is_invalid(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.SUBMITTER)
    with db.session_scope(app) as session:
        with pytest.raises(ValidationFailed):
            suggestions.create_suggestion(
                session, actor=author, raw=suggestion_input(title=""), areas=AREAS
            )
        assert session.exec(select(Suggestion)).all() == []


def test_submitter_edits_until_decided_then_only_pm(
    app: Flask, pm: User, make_user: Callable[..., User], make_suggestion: Callable[..., Suggestion]
) -> None:
    author, other = make_user(Role.SUBMITTER), make_user(Role.SUBMITTER)
    created = make_suggestion(author)
    assert created.id is not None
    with db.session_scope(app) as session:
        edited = suggestions.update_suggestion(
            session,
            actor=author,
            suggestion_id=created.id,
            raw=suggestion_input(title="Refund macro v2"),
            areas=AREAS,
        )
        assert edited.title == "Refund macro v2"
        with pytest.raises(PermissionDenied):
            suggestions.update_suggestion(
                session, actor=other, suggestion_id=created.id, raw=suggestion_input(), areas=AREAS
            )
        edited.status = "declined"  # type: ignore[assignment]
        with pytest.raises(PermissionDenied):
            suggestions.update_suggestion(
                session, actor=author, suggestion_id=created.id, raw=suggestion_input(), areas=AREAS
            )
        again = suggestions.update_suggestion(
            session,
            actor=pm,
            suggestion_id=created.id,
            raw=suggestion_input(title="Refund macro v3"),
            areas=AREAS,
        )
        assert again.title == "Refund macro v3"


def test_marking_a_shared_suggestion_confidential_on_edit_withdraws_sharing(
    app: Flask, make_user: Callable[..., User], make_suggestion: Callable[..., Suggestion]
) -> None:
    author = make_user(Role.SUBMITTER)
    created = make_suggestion(author, shared_with_vendors=True)
    assert created.id is not None
    assert created.shared_with_vendors
    with db.session_scope(app) as session:
        edited = suggestions.update_suggestion(
            session,
            actor=author,
            suggestion_id=created.id,
            raw=suggestion_input(confidential="on"),
            areas=AREAS,
        )
        assert edited.confidential is True
        assert edited.shared_with_vendors is False


def test_list_mine_holds_only_the_authors_suggestions_newest_first(
    app: Flask, make_user: Callable[..., User], make_suggestion: Callable[..., Suggestion]
) -> None:
    author, other = make_user(Role.SUBMITTER), make_user(Role.SUBMITTER)
    first = make_suggestion(author, title="First idea")
    make_suggestion(other, title="Someone else's idea")
    second = make_suggestion(author, title="Second idea", confidential=True)
    with db.session_scope(app) as session:
        mine = suggestions.list_mine(session, actor=author)
        assert [s.id for s in mine] == [second.id, first.id]


@pytest.mark.parametrize("links", [True, 10**20, 1.5, {"url": "x"}, ["ok", 3]])
def test_evidence_links_of_a_wrong_type_are_refused_by_name(links: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        split_links(links)
    assert caught.value.fields == {
        "evidence_links": "Evidence links must be text or a list of texts."
    }
