"""Full-text search and "similar ideas", on SQLite FTS5 or PostgreSQL tsvector.

The indexes are created by migration 0002: `suggestion_fts` on SQLite, the generated
`suggestion.search_vector` column on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, column, func, literal_column, table
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import Status, Suggestion, User
from tracker.services.suggestions import visibility

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    (
        "a an and are as at be been but by can could do does for from had has have how i if in "
        "into is it its me my no not of on or our so than that the their them then there these "
        "they this to too up us was we were what when where which while who why will with would "
        "you your should just more most very get got also "
        # The rest of PostgreSQL's English list: a word it drops would otherwise match nothing
        # there (so "close any" finds nothing) while SQLite still searches for it.
        "myself ours ourselves yours yourself yourselves he him his himself she her hers herself "
        "itself theirs themselves whom those am being having did doing because until against "
        "between through during before after above below down out off over under again further "
        "once here all any both each few other some such nor only own same don now"
    ).split()
)
# Both engines stem the index ("automation" is kept as "autom"), but a prefix is stemmed as if
# it were a whole word ("automat" stays "automat") and so misses its own completions. Each term
# is therefore also looked up as these completions, which the engine stems like indexed words.
_COMPLETIONS = ("e", "ed", "es", "ing", "ion", "ions", "y", "ies", "ic", "al", "ity", "ive", "er")


def terms(query: str, *, limit: int = 12) -> list[str]:
    """Distinct lowercase words worth searching for, in order of appearance."""
    seen: list[str] = []
    for word in _WORD.findall(query.lower()):
        if len(word) > 1 and word not in STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:limit]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def fts5_query(words: Sequence[str], *, any_term: bool = False) -> str:
    """An FTS5 MATCH expression: each word as a prefix or a completion, all (or any) of them.

    Words come from `terms`, letters and digits only, and are quoted besides, so nothing a
    user types can be read as an FTS5 operator (AND, NEAR, *, ^, column filters).
    """
    groups = [
        "(" + " OR ".join([f'"{word}"*', *(f'"{word}{end}"' for end in _COMPLETIONS)]) + ")"
        for word in words
    ]
    return (" OR " if any_term else " AND ").join(groups)


def tsquery_text(words: Sequence[str], *, any_term: bool = False) -> str:
    """The same search as `fts5_query` for PostgreSQL's to_tsquery('english', ...)."""
    groups = [
        "(" + " | ".join([f"{word}:*", *(f"{word}{end}" for end in _COMPLETIONS)]) + ")"
        for word in words
    ]
    return (" | " if any_term else " & ").join(groups)


def _fts_match(query: str) -> ColumnElement[bool]:
    return literal_column("suggestion_fts").op("MATCH")(bindparam("fts", query, unique=True))


def _tsquery(query: str) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column("'english'"), bindparam("tsq", query, unique=True))


_SEARCH_VECTOR: ColumnElement[Any] = literal_column("suggestion.search_vector")
_FTS = table("suggestion_fts", column("rowid"), column("rank"))


def match_clause(
    session: Session, query: str, *, any_term: bool = False
) -> ColumnElement[bool] | None:
    """A WHERE clause for suggestions matching all (or any) words of `query`; None if no words."""
    words = terms(query)
    if not words:
        return None
    if _dialect(session) == "sqlite":
        # "+ 0" keeps SQLite from driving the query by the FTS match: for a common word that
        # means looking up tens of thousands of rows; walking the ranking index is far cheaper.
        return (col(Suggestion.id) + 0).in_(
            select(_FTS.c.rowid).where(_fts_match(fts5_query(words, any_term=any_term)))
        )
    return _SEARCH_VECTOR.op("@@")(_tsquery(tsquery_text(words, any_term=any_term)))


def _ranked_candidates(
    session: Session, words: list[str], where: Sequence[ColumnElement[bool]], limit: int
) -> SelectOfScalar[Suggestion]:
    """Suggestions sharing any word, best first by the engine's own relevance, filtered in SQL
    (so a vendor's candidates are not crowded out by ideas they may not see)."""
    if _dialect(session) == "sqlite":
        return (
            select(Suggestion)
            .join(_FTS, _FTS.c.rowid == Suggestion.id)
            .where(_fts_match(fts5_query(words, any_term=True)), *where)
            .order_by(_FTS.c.rank)
            .limit(limit)
        )
    tsquery = _tsquery(tsquery_text(words, any_term=True))
    return (
        select(Suggestion)
        .where(_SEARCH_VECTOR.op("@@")(tsquery), *where)
        .order_by(func.ts_rank(_SEARCH_VECTOR, tsquery).desc())
        .limit(limit)
    )


@dataclass(frozen=True)
class Similar:
    suggestion: Suggestion
    similarity: float  # 0..1, share of the words the two texts have in common


def _jaccard(left: set[str], right: set[str]) -> float:
    return len(left & right) / len(left | right) if left and right else 0.0


def similar(
    session: Session,
    *,
    actor: User,
    title: str,
    problem: str = "",
    limit: int = 5,
    exclude_id: int | None = None,
    candidates: int = 200,
) -> Sequence[Similar]:
    """The most similar visible suggestions to a draft, best first.

    The index's own relevance ranking (FTS5 bm25, PostgreSQL ts_rank) picks candidates sharing
    any word; they are then ranked by word overlap of title and problem, title words counting
    double, so the percentage shown means the same thing on both engines.
    """
    wanted_title, wanted_problem = set(terms(title, limit=30)), set(terms(problem, limit=60))
    words = terms(f"{title} {problem}", limit=20)
    if not words:
        return []
    where = [visibility.visible_clause(actor), col(Suggestion.status) != Status.DUPLICATE]
    if exclude_id is not None:
        where.append(col(Suggestion.id) != exclude_id)
    ranked: list[Similar] = []
    for found in session.exec(_ranked_candidates(session, words, where, candidates)).all():
        title_score = _jaccard(wanted_title, set(terms(found.title, limit=30)))
        body_score = _jaccard(
            wanted_title | wanted_problem, set(terms(f"{found.title} {found.problem}", limit=90))
        )
        score = (2 * title_score + body_score) / 3
        if score >= 0.08:
            ranked.append(Similar(found, round(score, 3)))
    ranked.sort(key=lambda item: item.similarity, reverse=True)
    return ranked[:limit]
