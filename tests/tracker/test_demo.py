"""`tracker demo load` gives a newcomer a living product, once."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from tracker import db
from tracker.models import Comment, Initiative, Status, StoryDraft, Suggestion, Vote


def test_demo_load_creates_a_realistic_data_set_once(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Loaded 60 ideas" in result.output
    with db.session_scope(app) as session:
        statuses = dict(
            session.exec(select(Suggestion.status, func.count()).group_by(Suggestion.status)).all()
        )
        assert sum(statuses.values()) == 60
        assert statuses[Status.ACCEPTED] >= 10
        assert statuses[Status.DECLINED] >= 3
        assert statuses[Status.DUPLICATE] == 1
        vendor_ideas = session.exec(
            select(func.count()).where(Suggestion.organisation_id.is_not(None))  # type: ignore[union-attr]
        ).one()
        assert vendor_ideas > 5
        assert session.exec(select(func.count()).select_from(Vote)).one() > 50
        assert session.exec(select(func.count()).select_from(Comment)).one() > 20
        assert session.exec(select(func.count()).select_from(Initiative)).one() == 2
        assert session.exec(select(func.count()).select_from(StoryDraft)).one() >= 3
    again = runner.invoke(args=["demo", "load"])
    assert "already loaded" in again.output


def test_demo_people_can_sign_in(app, runner, client):
    runner.invoke(args=["demo", "load"])
    response = client.login("priya.pm@example.com", "demo password 2026")
    assert response.status_code == 302
