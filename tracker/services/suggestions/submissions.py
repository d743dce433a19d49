"""Submitting and editing suggestions, with the field rules shared by form, API and CSV import."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.inputs import finite_number
from tracker.models import Benefit, Role, Status, StatusChange, Suggestion, User, Watch, utcnow
from tracker.permissions import Permission, allowed, require
from tracker.services.kpis import queues
from tracker.services.kpis.metrics import AGENT_HOURS, every_metric
from tracker.services.suggestions import visibility
from tracker.services.suggestions.inputs import SuggestionCreate

# Numbers as people write them: "1,200" like CSV import and the score form accept. Only ASCII
# digits in well-formed groups of three lose their commas, so "1,2" stays an error rather than
# 12; "1.200" is 1.2 (the dot is the decimal point everywhere in the tracker) and "1 200" is
# refused, as a space is no separator anywhere else either.
_NUMBER_FIELDS = frozenset(
    {"weekly_volume", "handle_time_minutes", "minutes_saved_per_ticket", "automation_share"}
)
_THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_URLISH = re.compile(r"^(https?://\S+|[A-Z][A-Z0-9]+-\d+|#?\d{3,}|[\w.-]+/\S+)$")
_LABELS = {
    "title": "Title",
    "problem": "Problem today",
    "proposed_change": "Proposed change",
    "area": "Area",
    "queue": "Queue or workflow",
    "weekly_volume": "Weekly ticket volume",
    "handle_time_minutes": "Average handle time",
    "minutes_saved_per_ticket": "Minutes saved per ticket",
    "automation_share": "Share of tickets automated",
    "evidence_links": "Evidence links",
    "confidential": "Confidential",
}


def _sentence(field: str, error: Mapping[str, Any]) -> str:
    label = _LABELS.get(field, field)
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return f"{label} is required."
    if kind == "string_too_long":
        return f"{label} must be at most {context.get('max_length')} characters."
    if kind in ("int_parsing", "float_parsing", "int_from_float", "int_type", "float_type"):
        return f"{label} must be a number."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{label} must be between 0 and {_upper(field)}."
    if kind == "too_long":
        return f"{label}: at most {context.get('max_length')} entries."
    return f"{label}: {error['msg']}."


def _upper(field: str) -> str:
    limit = SuggestionCreate.model_fields[field].metadata
    for item in limit:
        if hasattr(item, "le"):
            return f"{item.le:,}"
    return "the maximum"


def split_links(raw: object) -> list[str]:
    """Evidence links from a textarea, a CSV cell or a JSON list: one per line, comma or space.
    Raises ValidationFailed for anything else (a number, an object)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        parts = re.split(r"[\s,;]+", raw)
    elif isinstance(raw, list | tuple) and all(isinstance(p, str) for p in raw):
        parts = list(raw)
    else:
        sentence = "Evidence links must be text or a list of texts."
        raise ValidationFailed(sentence, fields={"evidence_links": sentence})
    return [part.strip() for part in parts if part.strip()]


def clean_input(raw: Mapping[str, Any], *, areas: Sequence[str]) -> SuggestionCreate:
    """Validated input, or ValidationFailed with one sentence per bad field."""
    # A JSON null means "not given": required fields then say so, optional ones take defaults.
    data = {
        key: value
        for key, value in raw.items()
        if key in SuggestionCreate.model_fields and value is not None
    }
    for key, value in list(data.items()):
        if isinstance(value, str):
            data[key] = value.strip()
            if key in _NUMBER_FIELDS and _THOUSANDS.fullmatch(data[key]):
                data[key] = data[key].replace(",", "")
            if data[key] == "" and key not in ("title", "problem", "proposed_change", "area"):
                data[key] = SuggestionCreate.model_fields[key].get_default(
                    call_default_factory=True
                )
    if "evidence_links" in data:
        data["evidence_links"] = split_links(data["evidence_links"])
    fields: dict[str, str] = {}
    try:
        cleaned = SuggestionCreate.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            fields.setdefault(field, _sentence(field, error))
        cleaned = None
    area = str(data.get("area") or "")
    if area and area not in areas and "area" not in fields:
        fields["area"] = "Area must be one of: " + ", ".join(areas) + "."
    links = cleaned.evidence_links if cleaned is not None else data.get("evidence_links")
    if isinstance(links, list) and "evidence_links" not in fields:
        # Checked even when other fields failed, so every problem is shown in one round.
        bad = [link for link in links if not _URLISH.match(str(link))]
        if bad:
            fields["evidence_links"] = (
                f"'{bad[0]}' is not a link or ticket id; use https://... or an id like OPS-123."
            )
    if cleaned is not None:
        saved, handle = cleaned.minutes_saved_per_ticket, cleaned.handle_time_minutes
        if saved is not None and handle is not None and saved > handle:
            fields["minutes_saved_per_ticket"] = (
                "Minutes saved per ticket cannot exceed the average handle time."
            )
    if fields:
        raise ValidationFailed("Some fields need attention.", fields=fields)
    assert cleaned is not None
    return cleaned


# What an idea is measured by (services/benefits): PMs choose, on the edit form and over PATCH.
MEASURE_FIELDS = ("benefit_metric", "expected_benefit")
# A bound against typos and overflow: no idea improves anything by a billion a week.
EXPECTED_MAX = 1e9


def may_set_measure(actor: User) -> bool:
    return allowed(actor, Permission.EDIT_ANY_SUGGESTION) or allowed(actor, Permission.TRIAGE)


def clean_measure(raw: Mapping[str, Any], *, metrics: Collection[str]) -> dict[str, Any]:
    """The measure fields `raw` holds, checked: the metric ("" or agent_hours for agent hours,
    else one of `metrics`) and the expected improvement a week (empty or null clears it).
    ValidationFailed names each bad field."""
    found: dict[str, Any] = {}
    fields: dict[str, str] = {}
    if "benefit_metric" in raw:
        name = raw["benefit_metric"]
        name = (name.strip() if isinstance(name, str) else name) or ""
        if not isinstance(name, str) or (name not in metrics and name != AGENT_HOURS):
            shown = str(name)[:40]
            fields["benefit_metric"] = (
                f"'{shown}' is not a metric; choose one of: {', '.join(sorted(metrics))}."
            )
        else:
            found["benefit_metric"] = "" if name == AGENT_HOURS else name
    if "expected_benefit" in raw:
        value = raw["expected_benefit"]
        if value is None or (isinstance(value, str) and not value.strip()):
            found["expected_benefit"] = None
        elif isinstance(value, str) and not value.isascii():
            fields["expected_benefit"] = "Expected benefit must be a number such as 12.5."
        else:
            try:
                found["expected_benefit"] = finite_number(
                    value, "expected_benefit", low=0, high=EXPECTED_MAX
                )
            except ValidationFailed as exc:
                fields.update(exc.fields)
    if fields:
        raise ValidationFailed("Some fields need attention.", fields=fields)
    return found


def create_suggestion(
    session: Session, *, actor: User, raw: Mapping[str, Any], areas: Sequence[str]
) -> Suggestion:
    """Validate and store a new suggestion; its submitter watches it from the start.

    Raises PermissionDenied for stakeholders (read-only) and ValidationFailed for bad input.
    """
    require(
        actor,
        Permission.SUBMIT_SUGGESTIONS,
        "Stakeholders have read-only access and cannot submit ideas.",
    )
    data = clean_input(raw, areas=areas)
    assert actor.id is not None
    suggestion = Suggestion(
        **data.model_dump(),
        submitter_id=actor.id,
        organisation_id=actor.organisation_id if actor.role == Role.VENDOR else None,
    )
    queues.attach_to_idea(session, suggestion)
    session.add(suggestion)
    session.flush()
    assert suggestion.id is not None
    session.add(Watch(suggestion_id=suggestion.id, user_id=actor.id, reason="submitter"))
    session.add(
        StatusChange(
            suggestion_id=suggestion.id, actor_id=actor.id, from_status=None, to_status=Status.NEW
        )
    )
    session.flush()
    return suggestion


def get_suggestion(session: Session, *, actor: User, suggestion_id: int) -> Suggestion:
    """The suggestion if this user may see it; NotFound otherwise."""
    return visibility.ensure_visible(actor, session.get(Suggestion, suggestion_id), suggestion_id)


def can_edit(actor: User, suggestion: Suggestion) -> bool:
    if allowed(actor, Permission.EDIT_ANY_SUGGESTION):
        return True
    return suggestion.submitter_id == actor.id and suggestion.status in (
        Status.NEW,
        Status.UNDER_REVIEW,
    )


def update_suggestion(
    session: Session,
    *,
    actor: User,
    suggestion_id: int,
    raw: Mapping[str, Any],
    areas: Sequence[str],
    settings: Settings | None = None,
) -> Suggestion:
    """Edit a suggestion. `raw` may also hold the MEASURE_FIELDS (PMs only: PermissionDenied
    for anyone else), whose metric must be one of `settings`' (agent hours without them)."""
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    if not can_edit(actor, suggestion):
        raise PermissionDenied("Only PMs can edit a suggestion once it has been decided.")
    if any(name in raw for name in MEASURE_FIELDS) and not may_set_measure(actor):
        raise PermissionDenied("Only PMs decide what an idea is measured by.")
    metrics = every_metric(settings) if settings is not None else {}
    data: SuggestionCreate | None = None
    measure: dict[str, Any] = {}
    fields: dict[str, str] = {}
    # Both checked before either fails, so every problem is shown in one round.
    try:
        data = clean_input(raw, areas=areas)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        measure = clean_measure(raw, metrics=metrics)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields or data is None:
        raise ValidationFailed("Some fields need attention.", fields=fields)
    for key, value in data.model_dump().items():
        setattr(suggestion, key, value)
    if any(getattr(suggestion, key) != value for key, value in measure.items()):
        for key, value in measure.items():
            setattr(suggestion, key, value)
        # What it is measured by changed: the next benefits pass measures it again.
        session.execute(
            update(Benefit)
            .where(col(Benefit.suggestion_id) == suggestion.id)
            .values(stale=True)
            .execution_options(synchronize_session=False)
        )
    queues.attach_to_idea(session, suggestion)
    if suggestion.confidential:
        # Same invariant as set_sharing: a confidential idea is never shared with vendors.
        suggestion.shared_with_vendors = False
    suggestion.updated_at = utcnow()
    session.add(suggestion)
    session.flush()
    return suggestion


def set_sharing(
    session: Session,
    *,
    actor: User,
    suggestion_id: int,
    confidential: bool,
    shared_with_vendors: bool,
) -> Suggestion:
    """PMs decide who outside the submitter's circle sees an idea."""
    require(actor, Permission.TRIAGE, "Only PMs can change who sees a suggestion.")
    suggestion = get_suggestion(session, actor=actor, suggestion_id=suggestion_id)
    suggestion.confidential = confidential
    suggestion.shared_with_vendors = shared_with_vendors and not confidential
    suggestion.updated_at = utcnow()
    session.add(suggestion)
    session.flush()
    return suggestion


def list_mine(session: Session, *, actor: User) -> Sequence[Suggestion]:
    return session.exec(
        select(Suggestion)
        .where(Suggestion.submitter_id == actor.id)
        .order_by(col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
    ).all()
