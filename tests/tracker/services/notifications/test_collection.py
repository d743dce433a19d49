"""Who hears about which status change: submitters and voters, never the actor, never someone who
may not see the idea, and each change once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import select

from tests.helpers.notification_world import IdeaWorld
from tracker import db
from tracker.models import JiraLink, Organisation, Role, User, utcnow
from tracker.services.jira_status import delivery
from tracker.services.notifications import collection as notifications


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User], pm: User) -> IdeaWorld:
    return IdeaWorld(app, make_user, pm)


def collect(world: IdeaWorld) -> int:
    with db.session_scope(world.app) as session:
        return notifications.collect(session, now=utcnow())


def told(world: IdeaWorld) -> dict[int | None, list[tuple[str, str]]]:
    """user id -> [(kind, detail)] of every notification."""
    found: dict[int | None, list[tuple[str, str]]] = {}
    for n in world.notifications():
        found.setdefault(n.user_id, []).append((n.kind, n.detail))
    return found


def test_a_decision_reaches_submitter_and_voters_but_not_the_pm_who_made_it(
    world: IdeaWorld,
) -> None:
    author, fan = world.user(), world.user()
    voting_pm = world.user(Role.PM)
    idea = world.idea(author)
    world.vote(fan, idea)
    world.vote(voting_pm, idea)
    world.vote(world.pm, idea)  # the PM who decides also voted: still not told of their own act

    world.decline(idea, "Covered by the new refund policy.")
    assert collect(world) == 3

    detail = [("declined", "Covered by the new refund policy.")]
    assert told(world) == {author.id: detail, fan.id: detail, voting_pm.id: detail}


def test_each_kind_carries_its_detail(world: IdeaWorld) -> None:
    author = world.user()
    accepted = world.idea(
        author, title="Macro for refunds", weekly_volume=300, minutes_saved_per_ticket=2
    )
    target = world.idea(world.user(), title="One macro for every refund")
    duplicate = world.idea(author, title="Refund macro please")

    world.accept(accepted, reason="Quick win.")
    world.merge(duplicate, target)
    world.push(accepted, "OPS-7")
    world.deliver(accepted)
    assert collect(world) == 4

    assert told(world)[author.id] == [
        ("accepted", "Quick win."),
        ("merged", "One macro for every refund"),
        ("pushed", "OPS-7"),
        ("delivered", "10"),  # 300 tickets x 2 minutes / 60
    ]


def test_a_vendor_idea_merged_into_a_confidential_one(
    world: IdeaWorld, make_organisation: Callable[..., Organisation]
) -> None:
    org = make_organisation("Acme Moderation")
    vendor = world.user(Role.VENDOR, organisation_id=org.id)
    colleague = world.user(Role.VENDOR, organisation_id=org.id)
    agent = world.user()
    secret = world.idea(agent, title="Fraud ring playbook", confidential=True)
    duplicate = world.idea(vendor, title="Playbook for fraud rings")
    world.vote(colleague, duplicate)

    world.merge(duplicate, secret)
    collect(world)
    # The merge is news for the vendors, but the target is named only to whoever may see it.
    assert told(world) == {vendor.id: [("merged", "")], colleague.id: [("merged", "")]}

    # Their votes now count on the confidential idea; its decision still never reaches them.
    world.accept(secret)
    collect(world)
    found = told(world)
    assert found[agent.id] == [("accepted", "")]
    assert found[vendor.id] == found[colleague.id] == [("merged", "")]


def test_a_merge_names_the_target_to_those_who_may_see_it(world: IdeaWorld) -> None:
    author, fan = world.user(), world.user()
    target = world.idea(world.user(), title="One macro for every refund")
    private = world.idea(world.user(), title="Refund macro for VIPs", confidential=True)
    duplicate = world.idea(author, title="Refund macro please")
    other = world.idea(author, title="Macro for VIP refunds")
    world.vote(fan, duplicate)
    world.merge(duplicate, target)
    world.merge(other, private)
    collect(world)
    assert told(world)[fan.id] == [("merged", "One macro for every refund")]
    assert told(world)[author.id] == [("merged", "One macro for every refund"), ("merged", "")]


def test_deactivated_people_are_not_told(world: IdeaWorld) -> None:
    author, gone = world.user(), world.user()
    idea = world.idea(author)
    world.vote(gone, idea)
    world.deactivate(gone)
    world.accept(idea)
    collect(world)
    assert set(told(world)) == {author.id}


def test_each_change_is_turned_into_notifications_once(world: IdeaWorld) -> None:
    author = world.user()
    world.accept(world.idea(author))
    assert collect(world) == 1
    assert collect(world) == 0
    assert len(world.notifications()) == 1


def test_someone_voting_after_a_decision_is_not_told_of_it(world: IdeaWorld) -> None:
    own = world.idea(world.pm)
    world.accept(own)  # the PM's own idea: nobody to tell yet
    assert collect(world) == 0
    world.vote(world.user(), own)
    assert collect(world) == 0


def test_old_changes_are_not_news(world: IdeaWorld) -> None:
    world.accept(world.idea(world.user()))
    with db.session_scope(world.app) as session:
        later = utcnow() + notifications.MAX_AGE + timedelta(minutes=1)
        assert notifications.collect(session, now=later) == 0


def test_a_reopened_story_is_not_announced_as_a_new_push(world: IdeaWorld) -> None:
    author = world.user()
    idea = world.idea(author)
    world.accept(idea)
    world.push(idea, "OPS-1")
    world.deliver(idea)
    with db.session_scope(world.app) as session:
        link = session.exec(select(JiraLink).where(JiraLink.jira_key == "OPS-1")).one()
        link.delivery_state = "in_progress"
        session.add(link)
        session.flush()
        assert delivery.roll_up(session, suggestion_ids=[idea], now=utcnow()) == 1
    collect(world)
    assert [kind for kind, _ in told(world)[author.id]] == ["accepted", "pushed", "delivered"]


def test_many_changes_nobody_hears_about_do_not_hold_up_the_next(
    world: IdeaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "COLLECT_PAGE", 2)
    for number in range(5):
        world.accept(world.idea(world.pm, title=f"The PM's own idea {number}"))
    author = world.user()
    world.accept(world.idea(author))
    assert collect(world) == 1
    assert set(told(world)) == {author.id}
