"""Suggestions written through the services for tests to act on: valid inputs, ideas seeded in the
state a test is about, and reading one back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask

from tracker import db
from tracker.config import DEFAULT_AREAS
from tracker.models import Status, Suggestion, User, utcnow
from tracker.services.accounts import users
from tracker.services.suggestions import decisions, submissions

AREAS = list(DEFAULT_AREAS)


def suggestion_input(**overrides: Any) -> dict[str, Any]:
    """A valid submission; tests override the fields they are about."""
    values: dict[str, Any] = {
        "title": "Macro for refund requests",
        "problem": "Agents type the same refund answer many times a day.",
        "proposed_change": "Add a canned macro with the refund policy.",
        "area": "Other",
    }
    values.update(overrides)
    return values


def add_idea(
    app: Flask,
    author: User,
    title: str,
    *,
    problem: str = "Agents repeat the same manual check on every ticket.",
    area: str = "Other",
    score: float | None = None,
    votes: int = 0,
    status: Status | None = None,
    age_days: float = 0,
    **changes: Any,
) -> int:
    """A suggestion written through the service, then given the state the test is about."""
    with db.session_scope(app) as session:
        created = submissions.create_suggestion(
            session,
            actor=author,
            raw={
                "title": title,
                "problem": problem,
                "proposed_change": "Automate the check.",
                "area": area,
                "confidential": changes.pop("confidential", False),
            },
            areas=AREAS,
        )
        created.score_value = score
        created.score_formula = f"RICE = {score}" if score is not None else ""
        created.vote_count = votes
        created.created_at = utcnow() - timedelta(days=age_days)
        if status is not None:
            created.status = status
        for name, value in changes.items():
            setattr(created, name, value)
        session.add(created)
        session.flush()
        assert created.id is not None
        return created.id


VALID = {
    "title": "Auto-close duplicate spam reports",
    "problem": "Agents close the same spam report by hand many times a day.",
    "proposed_change": "Close a report automatically when its content is already removed.",
    "area": "Content spam",
    "queue": "Spam reports (EN)",
    "weekly_volume": "1200",
    "handle_time_minutes": "6",
    "minutes_saved_per_ticket": "4",
    "automation_share": "",
    "evidence_links": "OPS-123\nhttps://dash.example.com/spam",
}


def act(app: Flask, user: User, service: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a service as `user` in its own committed unit of work."""
    with db.session_scope(app) as session:
        assert user.id is not None
        return service(session, actor=users.get_user(session, user.id), **kwargs)


def submit_idea(app: Flask, author: User, **overrides: Any) -> int:
    suggestion = act(
        app,
        author,
        submissions.create_suggestion,
        raw={**VALID, **overrides},
        areas=DEFAULT_AREAS,
    )
    return int(suggestion.id)


def stored(app: Flask, suggestion_id: int) -> Suggestion:
    with db.session_scope(app) as session:
        found = session.get(Suggestion, suggestion_id)
    assert found is not None
    return found


def accepted_idea(
    app: Flask,
    pm: User,
    title: str = "Route scam appeals to the specialist queue",
    *,
    reach: float = 400,
    effort: float = 1,
    status: Status = Status.ACCEPTED,
    **fields: Any,
) -> int:
    """A suggestion written, RICE-scored and decided through the services."""
    raw = {
        "title": title,
        "problem": "Scam appeals land in the general queue and agents move them by hand.",
        "proposed_change": "scam appeals routed straight to the specialist queue",
        "area": "Scams and fraud",
        "queue": "Scam appeals",
        "weekly_volume": "1200",
        "handle_time_minutes": "12",
        "minutes_saved_per_ticket": "4",
        "evidence_links": "https://grafana.example.com/d/scam",
    }
    raw.update(fields)
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        created = submissions.create_suggestion(session, actor=actor, raw=raw, areas=AREAS)
        assert created.id is not None
        if status is not Status.NEW:
            decisions.score(
                session,
                actor=actor,
                suggestion_id=created.id,
                framework="rice",
                inputs={"reach": reach, "impact": 2, "confidence": 80, "effort": effort},
            )
        if status in (Status.ACCEPTED, Status.IN_DELIVERY):
            decisions.change_status(session, actor=actor, suggestion_id=created.id, to="accepted")
        if status is Status.IN_DELIVERY:
            created.status = Status.IN_DELIVERY  # only Jira moves it there; set directly
            session.add(created)
        return created.id
