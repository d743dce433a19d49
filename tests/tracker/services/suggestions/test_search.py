"""Full-text search and "similar ideas" on both engines (SQLite FTS5, PostgreSQL tsvector)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tests.helpers.suggestions import AREAS, suggestion_input
from tracker import db
from tracker.models import Role, StatusChange, Suggestion, User, Watch
from tracker.services.suggestions import decisions, search, submissions

SPAM_BOTS = "Automatically close tickets created by known spam bots"


@pytest.fixture
def corpus(author: User, make_suggestion: Callable[..., Suggestion]) -> dict[str, int]:
    rows = {
        "spam": (SPAM_BOTS, "Agents close hundreds of bot tickets by hand.", "Auto-close them."),
        "refund": (
            "Refund macro",
            "Agents retype the refund policy.",
            "Add a macro with automation of the policy text.",
        ),
        "escalation": (
            "Faster escalation to legal",
            "Legal threats wait in the general queue.",
            "Route tickets that mention lawyers to the legal team.",
        ),
        "language": (
            "Translate replies",
            "Spanish speakers wait for a bilingual agent.",
            "Machine translation for first replies.",
        ),
    }
    ids = {}
    for name, (title, problem, change) in rows.items():
        made = make_suggestion(author, title=title, problem=problem, proposed_change=change)
        assert made.id is not None
        ids[name] = made.id
    return ids


def _found(session: Session, query: str, *, any_term: bool = False) -> set[int]:
    clause = search.match_clause(session, query, any_term=any_term)
    assert clause is not None
    return {i for i in session.exec(select(Suggestion.id).where(clause)).all() if i is not None}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("spam", {"spam"}),  # title
        ("retype", {"refund"}),  # problem
        ("lawyers", {"escalation"}),  # proposed change
        ("SPAM Bots", {"spam"}),  # case does not matter
        ("tickets", {"spam", "escalation"}),
        ("ticket", {"spam", "escalation"}),  # singular finds plural
        ("automat", {"spam", "refund"}),  # a prefix finds "automatically" and "automation"
        ("escalat", {"escalation"}),
        ("translat", {"language"}),
        ("legal tickets", {"escalation"}),  # every word must match
        ("close legal", set()),
        ("the spam", {"spam"}),  # stopwords are ignored
    ],
)
def test_match_finds_words_in_title_problem_and_change(
    app: Flask, corpus: dict[str, int], query: str, expected: set[str]
) -> None:
    with db.session_scope(app) as session:
        assert _found(session, query) == {corpus[name] for name in expected}


def test_any_term_finds_either_word(app: Flask, corpus: dict[str, int]) -> None:
    with db.session_scope(app) as session:
        assert _found(session, "lawyers refund", any_term=True) == {
            corpus["escalation"],
            corpus["refund"],
        }
        assert _found(session, "lawyers refund") == set()


@pytest.mark.parametrize("query", ["", "   ", "the and of", "?!", "a I", '"', "*"])
def test_no_searchable_words_gives_no_clause(app: Flask, query: str) -> None:
    with db.session_scope(app) as session:
        assert search.match_clause(session, query) is None


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'spam"',
        '"spam bots',
        "spam*",
        "*spam",
        "-spam",
        "spam -bots",
        "spam NEAR bots",
        "NEAR(spam bots, 2)",
        "spam AND bots",
        "spam OR refund",
        "NOT spam",
        "(spam",
        "spam)",
        "((spam) OR (bots",
        "title:spam",
        "^spam",
        "spam & bots | !refund <-> x:*",
        "spam's bots'",
        "C++ / C#",
        "ünïcödé straße 東京 😀",
        "x" * 300,
        "12345 OPS-42",
        "'; DROP TABLE suggestion; --",
    ],
)
def test_user_input_never_breaks_the_query(
    app: Flask, pm: User, corpus: dict[str, int], query: str
) -> None:
    with db.session_scope(app) as session:
        clause = search.match_clause(session, query)
        if clause is not None:
            session.exec(select(Suggestion.id).where(clause)).all()
        for any_term in (True, False):
            clause = search.match_clause(session, query, any_term=any_term)
            if clause is not None:
                session.exec(select(Suggestion.id).where(clause)).all()
        search.similar(session, actor=pm, title=query, problem=query)


def test_operators_in_input_are_read_as_words(app: Flask, corpus: dict[str, int]) -> None:
    with db.session_scope(app) as session:
        assert _found(session, "spam NEAR bots") == set()  # "near" is a word like any other
        assert _found(session, "spam AND bots") == {corpus["spam"]}  # "and" is a stopword
        assert _found(session, "-spam") == {corpus["spam"]}


def test_random_punctuation_never_raises(app: Flask, corpus: dict[str, int]) -> None:
    alphabet = "spam bots refund \"'*-+^:()[]{}<>|&!~.,;?/\\@#$%=_ NEAR AND OR NOT ü 東"
    rng = random.Random(20261125)  # fixed, so a failure reproduces
    with db.session_scope(app) as session:
        for _ in range(60):
            query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            for any_term in (False, True):
                clause = search.match_clause(session, query, any_term=any_term)
                if clause is not None:
                    session.exec(select(Suggestion.id).where(clause)).all()


def test_edits_are_reindexed_and_deleted_rows_vanish(
    app: Flask, author: User, corpus: dict[str, int]
) -> None:
    refund = corpus["refund"]
    with db.session_scope(app) as session:
        submissions.update_suggestion(
            session,
            actor=author,
            suggestion_id=refund,
            raw=suggestion_input(
                title="Chargeback macro",
                problem="Disputes take long.",
                proposed_change="Prefill the dispute form.",
            ),
            areas=AREAS,
        )
    with db.session_scope(app) as session:
        assert _found(session, "chargeback") == {refund}
        assert _found(session, "disputes") == {refund}
        assert _found(session, "retype") == set()
        assert refund not in _found(session, "refund")
        # No service deletes ideas yet; an operator's cleanup removes the dependants first.
        doomed = corpus["language"]
        session.exec(delete(Watch).where(col(Watch.suggestion_id) == doomed))
        session.exec(delete(StatusChange).where(col(StatusChange.suggestion_id) == doomed))
        session.exec(delete(Suggestion).where(col(Suggestion.id) == doomed))
    with db.session_scope(app) as session:
        assert _found(session, "translate") == set()
        assert _found(session, "spam") == {corpus["spam"]}


def test_search_combines_with_other_filters(app: Flask, corpus: dict[str, int]) -> None:
    with db.session_scope(app) as session:
        clause = search.match_clause(session, "tickets")
        assert clause is not None
        rows = session.exec(
            select(Suggestion.id).where(clause, Suggestion.id != corpus["spam"])
        ).all()
        assert set(rows) == {corpus["escalation"]}


def test_similar_finds_a_reworded_duplicate(
    app: Flask, pm: User, author: User, corpus: dict[str, int]
) -> None:
    with db.session_scope(app) as session:
        found = search.similar(
            session, actor=author, title="Auto-close spam tickets from known bots"
        )
        assert found, "the reworded duplicate was not found"
        assert found[0].suggestion.id == corpus["spam"]
        assert 0 < found[0].similarity <= 1
        assert all(0 < item.similarity <= 1 for item in found)
        assert [i.similarity for i in found] == sorted((i.similarity for i in found), reverse=True)


def test_similar_ranks_the_closer_match_first(
    app: Flask, author: User, make_suggestion: Callable[..., Suggestion]
) -> None:
    loose = make_suggestion(author, title="Close tickets faster", problem="Queues grow.")
    close = make_suggestion(author, title=SPAM_BOTS, problem="Bots open tickets all day.")
    with db.session_scope(app) as session:
        found = search.similar(
            session,
            actor=author,
            title="Close spam bot tickets automatically",
            problem="Known spam bots open tickets",
        )
        assert [item.suggestion.id for item in found] == [close.id, loose.id]
        assert found[0].similarity > found[1].similarity


@pytest.mark.parametrize("text", ["", "the and of a", "?? !!", "is it to be"])
def test_similar_with_only_stopwords_is_empty(
    app: Flask, author: User, corpus: dict[str, int], text: str
) -> None:
    with db.session_scope(app) as session:
        assert search.similar(session, actor=author, title=text, problem=text) == []


def test_similar_skips_merged_duplicates_excluded_and_hidden_ideas(
    app: Flask,
    pm: User,
    author: User,
    make_user: Callable[..., User],
    make_suggestion: Callable[..., Suggestion],
) -> None:
    vendor = make_user(Role.VENDOR)
    canonical = make_suggestion(author, title=SPAM_BOTS)
    duplicate = make_suggestion(author, title="Close spam bot tickets automatically")
    secret = make_suggestion(author, title="Close known spam bot tickets", confidential=True)
    vendors_own = make_suggestion(vendor, title="Close tickets from spam bots")
    assert canonical.id is not None
    assert duplicate.id is not None
    with db.session_scope(app) as session:
        decisions.merge(session, actor=pm, duplicate_id=duplicate.id, target_id=canonical.id)
    draft = "Auto-close spam tickets from known bots"
    with db.session_scope(app) as session:

        def ids(actor: User, exclude: int | None = None) -> set[int | None]:
            found = search.similar(session, actor=actor, title=draft, exclude_id=exclude)
            return {item.suggestion.id for item in found}

        assert ids(pm) == {canonical.id, secret.id, vendors_own.id}
        assert ids(author) == {canonical.id, secret.id, vendors_own.id}
        assert ids(make_user(Role.SUBMITTER)) == {canonical.id, vendors_own.id}
        assert ids(vendor) == {vendors_own.id}
        assert ids(pm, exclude=canonical.id) == {secret.id, vendors_own.id}


def test_similar_candidates_are_filtered_before_the_limit(
    app: Flask,
    author: User,
    make_user: Callable[..., User],
    make_suggestion: Callable[..., Suggestion],
) -> None:
    # Many better-matching ideas the vendor may not see must not crowd out the one they may.
    vendor = make_user(Role.VENDOR)
    for n in range(6):
        make_suggestion(author, title=f"{SPAM_BOTS} {n}")
    own = make_suggestion(vendor, title="Close spam tickets")
    with db.session_scope(app) as session:
        found = search.similar(session, actor=vendor, title=SPAM_BOTS, candidates=3)
        assert [item.suggestion.id for item in found] == [own.id]


def test_two_searches_combine_in_one_statement(app: Flask, corpus: dict[str, int]) -> None:
    # A filter form may AND a keyword box with a saved search; the parameters must not collide.
    with db.session_scope(app) as session:
        first = search.match_clause(session, "tickets")
        second = search.match_clause(session, "lawyers", any_term=True)
        assert first is not None
        assert second is not None
        rows = session.exec(select(Suggestion.id).where(first, second)).all()
        assert set(rows) == {corpus["escalation"]}
