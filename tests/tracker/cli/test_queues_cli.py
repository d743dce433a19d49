"""`tracker queues list|create|merge`."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from tests.helpers.kpis import make_queue, put_values
from tests.helpers.suggestions import add_idea
from tracker import db
from tracker.models import KpiValue, Queue, QueueOrganisation, Role


def _id(queue: Queue) -> int:
    assert queue.id is not None
    return queue.id


def test_create_with_organisations_then_list(app, runner, make_organisation):
    make_organisation(name="Acme Support")
    make_organisation(name="Globex Ops")
    result = runner.invoke(
        args=[
            "queues",
            "create",
            "Spam appeals (EN)",
            "--area",
            "Content spam",
            "--description",
            "English appeals",
            "--organisation",
            "Acme Support",
            "--organisation",
            "Globex Ops",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created queue" in result.output
    with db.session_scope(app) as session:
        queue = session.exec(select(Queue)).one()
        assert queue.description == "English appeals"
        links = session.exec(select(QueueOrganisation)).all()
        assert len(links) == 2
    listing = runner.invoke(args=["queues", "list"])
    assert listing.exit_code == 0
    line = next(row for row in listing.output.splitlines() if "Spam appeals (EN)" in row)
    assert "Content spam" in line
    assert "yes" in line
    assert "Acme Support, Globex Ops" in line


def test_create_refuses_a_taken_name_and_an_unknown_area(app, runner):
    make_queue(app, "Refunds")
    taken = runner.invoke(args=["queues", "create", "  REFUNDS "])
    assert taken.exit_code != 0
    assert "exists already" in taken.output
    area = runner.invoke(args=["queues", "create", "New", "--area", "Nowhere"])
    assert area.exit_code != 0
    assert "area:" in area.output
    unknown_org = runner.invoke(args=["queues", "create", "New", "--organisation", "Nobody"])
    assert unknown_org.exit_code != 0
    assert "No organisation named 'Nobody'" in unknown_org.output


def test_merge_by_name_and_id_prints_what_moved(app, runner, make_user):
    target = make_queue(app, "Spam appeals (EN)")
    first = make_queue(app, "Spam appeal EN")
    second = make_queue(app, "spam-appeals en")
    author = make_user(Role.SUBMITTER)
    add_idea(app, author, "Stray idea", queue_id=_id(first), queue=first.name)
    put_values(app, _id(second), "incoming", {date(2026, 1, 5): 4, date(2026, 1, 6): 5})
    result = runner.invoke(
        args=["queues", "merge", "spam appeal en", str(_id(second)), "--into", str(_id(target))]
    )
    assert result.exit_code == 0, result.output
    assert "Merged Spam appeal EN, spam-appeals en into Spam appeals (EN)" in result.output
    assert "ideas moved: 1" in result.output
    assert "KPI values moved: 2" in result.output
    with db.session_scope(app) as session:
        assert session.exec(select(Queue)).all() == [session.get(Queue, _id(target))]
        moved = session.exec(select(KpiValue).where(KpiValue.queue_id == _id(target))).all()
        assert len(moved) == 2


def test_merge_of_an_unknown_queue_changes_nothing(app, runner):
    target = make_queue(app, "Refunds")
    result = runner.invoke(args=["queues", "merge", "Nowhere", "--into", "Refunds"])
    assert result.exit_code != 0
    assert "No queue with the id or name 'Nowhere'" in result.output
    into_itself = runner.invoke(args=["queues", "merge", str(_id(target)), "--into", "refunds"])
    assert into_itself.exit_code != 0
    assert "merged into itself" in into_itself.output
