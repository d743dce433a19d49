"""Votes, comments and watchers: one per person, counted once across merged duplicates."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func
from sqlmodel import Session, select

from tracker import db
from tracker.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tracker.models import Comment, Role, Suggestion, User, Vote
from tracker.services.suggestions import decisions, engagement


def _get(session: Session, suggestion_id: int | None) -> Suggestion:
    assert suggestion_id is not None
    found = session.get(Suggestion, suggestion_id)
    assert found is not None
    return found


def _id(item: Suggestion | User) -> int:
    assert item.id is not None
    return item.id


def _stored_votes(session: Session, suggestion_id: int | None) -> set[int]:
    rows = session.exec(select(Vote.user_id).where(Vote.suggestion_id == suggestion_id)).all()
    return set(rows)


@pytest.fixture
def people(make_user: Callable[..., User]) -> list[User]:
    return [make_user(Role.SUBMITTER) for _ in range(4)]


def _vote(app: Flask, user: User, suggestion: Suggestion | int, frequency: str = "") -> int:
    target = suggestion if isinstance(suggestion, int) else suggestion.id
    assert target is not None
    with db.session_scope(app) as session:
        return engagement.vote(
            session, actor=user, suggestion_id=target, frequency=frequency
        ).vote_count


def test_one_vote_per_person_a_second_vote_updates_frequency(
    app: Flask, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    idea = make_suggestion(people[0])
    assert _vote(app, people[1], idea, "weekly") == 1
    assert _vote(app, people[1], idea, "daily") == 1
    with db.session_scope(app) as session:
        votes = session.exec(select(Vote).where(Vote.suggestion_id == idea.id)).all()
        assert [(v.user_id, v.frequency) for v in votes] == [(people[1].id, "daily")]
        assert engagement.has_voted(session, user=people[1], suggestion=_get(session, idea.id))
        assert not engagement.has_voted(session, user=people[2], suggestion=_get(session, idea.id))
    assert _vote(app, people[2], idea) == 2


def test_unvote_removes_the_vote_and_is_harmless_twice(
    app: Flask, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    idea = make_suggestion(people[0])
    assert idea.id is not None
    _vote(app, people[1], idea)
    _vote(app, people[2], idea)
    for _ in range(2):
        with db.session_scope(app) as session:
            after = engagement.unvote(session, actor=people[1], suggestion_id=idea.id)
            assert after.vote_count == 1
    with db.session_scope(app) as session:
        assert _stored_votes(session, idea.id) == {people[2].id}


def test_vote_input_is_checked(
    app: Flask, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    idea = make_suggestion(people[0])
    assert idea.id is not None
    with db.session_scope(app) as session:
        with pytest.raises(ValidationFailed) as bad:
            engagement.vote(session, actor=people[1], suggestion_id=idea.id, frequency="hourly")
        assert set(bad.value.fields) == {"frequency"}
        with pytest.raises(ValidationFailed) as long:
            engagement.vote(session, actor=people[1], suggestion_id=idea.id, note="x" * 501)
        assert set(long.value.fields) == {"note"}


def test_stakeholders_cannot_vote_or_comment(
    app: Flask,
    people: list[User],
    make_user: Callable[..., User],
    make_suggestion: Callable[..., Suggestion],
) -> None:
    stakeholder = make_user(Role.STAKEHOLDER)
    idea = make_suggestion(people[0])
    assert idea.id is not None
    with db.session_scope(app) as session:
        with pytest.raises(PermissionDenied):
            engagement.vote(session, actor=stakeholder, suggestion_id=idea.id)
        with pytest.raises(PermissionDenied):
            engagement.unvote(session, actor=stakeholder, suggestion_id=idea.id)
        with pytest.raises(PermissionDenied):
            engagement.add_comment(session, actor=stakeholder, suggestion_id=idea.id, body="Hi")
        # Following an idea is reading, which stakeholders may do.
        engagement.set_watching(session, actor=stakeholder, suggestion_id=idea.id, watching=True)
        assert stakeholder.id in engagement.watcher_ids(session, _get(session, idea.id))


def test_nobody_engages_with_what_they_cannot_see(
    app: Flask,
    people: list[User],
    make_user: Callable[..., User],
    make_suggestion: Callable[..., Suggestion],
) -> None:
    vendor = make_user(Role.VENDOR)
    secret = make_suggestion(people[0], confidential=True)
    assert secret.id is not None
    with db.session_scope(app) as session:
        for user in (vendor, people[1]):
            with pytest.raises(NotFound):
                engagement.vote(session, actor=user, suggestion_id=secret.id)
            with pytest.raises(NotFound):
                engagement.add_comment(session, actor=user, suggestion_id=secret.id, body="x")
            with pytest.raises(NotFound):
                engagement.set_watching(session, actor=user, suggestion_id=secret.id, watching=True)


def test_declined_ideas_take_no_more_votes(
    app: Flask, pm: User, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    idea = make_suggestion(people[0])
    assert idea.id is not None
    with db.session_scope(app) as session:
        decisions.change_status(
            session, actor=pm, suggestion_id=idea.id, to="declined", reason="Out of scope"
        )
    with db.session_scope(app) as session, pytest.raises(Conflict):
        engagement.vote(session, actor=people[1], suggestion_id=idea.id)


def _merge(app: Flask, pm: User, duplicate: Suggestion, target: Suggestion) -> None:
    assert duplicate.id is not None
    assert target.id is not None
    with db.session_scope(app) as session:
        decisions.merge(session, actor=pm, duplicate_id=duplicate.id, target_id=target.id)


def _unmerge(app: Flask, pm: User, duplicate: Suggestion) -> None:
    assert duplicate.id is not None
    with db.session_scope(app) as session:
        decisions.unmerge(session, actor=pm, duplicate_id=duplicate.id)


def _counts(app: Flask, *ideas: Suggestion) -> list[tuple[int, int]]:
    with db.session_scope(app) as session:
        return [(_get(session, i.id).vote_count, _get(session, i.id).comment_count) for i in ideas]


def test_vote_counts_are_distinct_people_across_a_merge_and_restored_by_unmerge(
    app: Flask, pm: User, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    u0, u1, u2, u3 = people
    a, b = make_suggestion(u0, title="Refund macro"), make_suggestion(u0, title="Refund answer")
    _vote(app, u1, a)
    _vote(app, u2, a)
    _vote(app, u2, b)
    _vote(app, u3, b)
    _merge(app, pm, b, a)
    assert _counts(app, a)[0][0] == 3
    with db.session_scope(app) as session:
        assert _stored_votes(session, b.id) == {u2.id, u3.id}
        people_on_a = {v.user_id for v in engagement.votes_for(session, _get(session, a.id))}
        assert people_on_a == {u1.id, u2.id, u3.id}
        # A voter of the duplicate has voted on the canonical idea too.
        assert engagement.has_voted(session, user=u3, suggestion=_get(session, a.id))
    _unmerge(app, pm, b)
    assert [c[0] for c in _counts(app, a, b)] == [2, 2]


def test_voting_on_a_merged_duplicate_lands_on_the_canonical_idea(
    app: Flask, pm: User, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    u0, u1, u2, _ = people
    a, b = make_suggestion(u0), make_suggestion(u0)
    _vote(app, u2, b)
    _merge(app, pm, b, a)
    assert b.id is not None
    with db.session_scope(app) as session:
        landed = engagement.vote(session, actor=u1, suggestion_id=b.id)
        assert landed.id == a.id
        assert landed.vote_count == 2
        assert _stored_votes(session, a.id) == {u1.id}
    # Voting again through either idea updates that one vote rather than adding another.
    assert _vote(app, u2, a, "daily") == 2
    with db.session_scope(app) as session:
        assert session.exec(select(func.count()).select_from(Vote)).one() == 2
        assert _stored_votes(session, b.id) == {u2.id}
    # Taking the vote back through the canonical idea removes the one cast on the duplicate.
    with db.session_scope(app) as session:
        assert engagement.unvote(session, actor=u2, suggestion_id=_id(a)).vote_count == 1


def test_merge_chains_count_each_person_once(
    app: Flask, pm: User, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    u0, u1, u2, u3 = people
    a, b, c = (make_suggestion(u0, title=f"Idea {n}") for n in "abc")
    _vote(app, u1, a)
    _vote(app, u1, b)
    _vote(app, u2, b)
    _vote(app, u2, c)
    _vote(app, u3, c)
    _merge(app, pm, c, b)
    assert _counts(app, b)[0][0] == 3
    _merge(app, pm, b, a)
    assert _counts(app, a)[0][0] == 3
    with db.session_scope(app) as session:
        assert engagement.canonical(session, _get(session, c.id)).id == a.id
        assert sorted(engagement.group_ids(session, _id(a))) == sorted(map(_id, (a, b, c)))
    # A new vote through the end of the chain counts on the top.
    assert _vote(app, u0, c) == 4
    _unmerge(app, pm, b)
    assert [n for n, _ in _counts(app, a, b)] == [2, 3]  # u0 (cast via the chain) and u1 on a


def test_comment_counts_and_lists_follow_merges(
    app: Flask, pm: User, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    u0, u1, u2, _ = people
    a, b = make_suggestion(u0), make_suggestion(u0)
    assert a.id is not None
    assert b.id is not None
    with db.session_scope(app) as session:
        engagement.add_comment(session, actor=u1, suggestion_id=a.id, body="Same here")
        engagement.add_comment(session, actor=u2, suggestion_id=b.id, body="Also this")
        engagement.add_comment(session, actor=u2, suggestion_id=b.id, body="And again")
    assert _counts(app, a, b) == [(0, 1), (0, 2)]
    _merge(app, pm, b, a)
    with db.session_scope(app) as session:
        assert _get(session, a.id).comment_count == 3
        bodies = [c.body for c in engagement.comments_for(session, _get(session, a.id))]
        assert bodies == ["Same here", "Also this", "And again"]
        engagement.add_comment(session, actor=u1, suggestion_id=b.id, body="Via the duplicate")
        stored = session.exec(select(Comment).where(Comment.body == "Via the duplicate")).one()
        assert stored.suggestion_id == a.id
        assert _get(session, a.id).comment_count == 4
    _unmerge(app, pm, b)
    assert [n for _, n in _counts(app, a, b)] == [2, 2]


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 10_001])
def test_empty_or_huge_comments_are_refused(
    app: Flask, people: list[User], make_suggestion: Callable[..., Suggestion], body: str
) -> None:
    idea = make_suggestion(people[0])
    assert idea.id is not None
    with db.session_scope(app) as session, pytest.raises(ValidationFailed) as refused:
        engagement.add_comment(session, actor=people[1], suggestion_id=idea.id, body=body)
    assert set(refused.value.fields) == {"body"}


def test_watchers_are_the_union_across_merges_without_duplicates(
    app: Flask, pm: User, people: list[User], make_suggestion: Callable[..., Suggestion]
) -> None:
    u0, u1, u2, u3 = people
    a, b = make_suggestion(u0), make_suggestion(u1)
    assert a.id is not None
    assert b.id is not None
    _vote(app, u2, a)
    _vote(app, u2, b)
    with db.session_scope(app) as session:
        engagement.add_comment(session, actor=u3, suggestion_id=b.id, body="Me too")
    _merge(app, pm, b, a)
    with db.session_scope(app) as session:
        assert engagement.watcher_ids(session, _get(session, a.id)) == sorted(map(_id, people))
        # Unfollowing through the canonical idea stops every follow in the group.
        engagement.set_watching(session, actor=u2, suggestion_id=a.id, watching=False)
        assert u2.id not in engagement.watcher_ids(session, _get(session, a.id))
        engagement.set_watching(session, actor=u2, suggestion_id=b.id, watching=True)
        engagement.set_watching(session, actor=u2, suggestion_id=a.id, watching=True)
        assert engagement.watcher_ids(session, _get(session, a.id)).count(_id(u2)) == 1


def test_markdown_is_sanitised_but_keeps_formatting() -> None:
    html = str(
        engagement.render_markdown(
            "**bold** and [docs](https://example.com/a)\n\n"
            "<script>alert(1)</script>\n\n"
            '<img src="x" onerror="alert(2)">\n\n'
            '<a href="https://ok.example" onclick="alert(3)">ok</a>\n\n'
            "[click](javascript:alert(4)) [data](data:text/html,hi)"
        )
    )
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com/a"' in html
    assert 'href="https://ok.example"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    for forbidden in ("<script", "alert(1)", "onerror", "onclick", "javascript:", "data:", "<img"):
        assert forbidden not in html, forbidden


def test_engaging_through_a_duplicate_never_reveals_a_hidden_canonical_idea(
    app: Flask,
    pm: User,
    people: list[User],
    make_user: Callable[..., User],
    make_suggestion: Callable[..., Suggestion],
) -> None:
    vendor = make_user(Role.VENDOR)
    hidden = make_suggestion(people[0], title="Confidential refund plan", confidential=True)
    own = make_suggestion(vendor, title="Refund macro")
    assert own.id is not None
    assert hidden.id is not None
    _vote(app, pm, hidden)
    _merge(app, pm, own, hidden)
    with db.session_scope(app) as session:
        voted = engagement.vote(session, actor=vendor, suggestion_id=own.id)
        assert voted.id == own.id
        assert voted.vote_count == 1
        comment = engagement.add_comment(session, actor=vendor, suggestion_id=own.id, body="+1")
        assert comment.suggestion_id == own.id
        watched = engagement.set_watching(
            session, actor=vendor, suggestion_id=own.id, watching=True
        )
        assert watched.id == own.id  # what vote() answers, not the hidden canonical idea
        # Both still count on the canonical idea the PM works from.
        assert (_get(session, hidden.id).vote_count, _get(session, hidden.id).comment_count) == (
            2,
            1,
        )
        assert vendor.id in engagement.watcher_ids(session, _get(session, hidden.id))
        assert engagement.unvote(session, actor=vendor, suggestion_id=own.id).id == own.id
        assert _get(session, hidden.id).vote_count == 1
