"""Full-text search and "similar ideas", on SQLite FTS5 or PostgreSQL tsvector.

The indexes are created by migration 0002: `suggestion_fts` on SQLite, the generated
`suggestion.search_vector` column on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, TextClause, bindparam, literal_column, text
from sqlmodel import Session, col, select

from tracker.models import Status, Suggestion, User
from tracker.services import visibility

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    (
        "a an and are as at be been but by can could do does for from had has have how i if in "
        "into is it its me my no not of on or our so than that the their them then there these "
        "they this to too up us was we were what when where which while who why will with would "
        "you your should just more most very get got also"
    ).split()
)


def terms(query: str, *, limit: int = 12) -> list[str]:
    """Distinct lowercase words worth searching for, in order of appearance."""
    seen: list[str] = []
    for word in _WORD.findall(query.lower()):
        if len(word) > 1 and word not in STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:limit]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def match_clause(
    session: Session, query: str, *, any_term: bool = False
) -> ColumnElement[bool] | None:
    """A WHERE clause for suggestions matching all (or any) words of `query`; None if no words."""
    words = terms(query)
    if not words:
        return None
    if _dialect(session) == "sqlite":
        # Quoted terms cannot be read as FTS5 operators; the * makes each a prefix match.
        joiner = " OR " if any_term else " AND "
        fts = joiner.join(f'"{word}"*' for word in words)
        return col(Suggestion.id).in_(
            text("SELECT rowid FROM suggestion_fts WHERE suggestion_fts MATCH :fts").bindparams(
                bindparam("fts", fts)
            )
        )
    joiner = " | " if any_term else " & "
    tsquery = joiner.join(f"{word}:*" for word in words)
    return literal_column("suggestion.search_vector").op("@@")(
        text("to_tsquery('english', :tsq)").bindparams(bindparam("tsq", tsquery))
    )


def _ranked_ids(session: Session, words: list[str], limit: int) -> TextClause:
    if _dialect(session) == "sqlite":
        return text(
            "SELECT rowid FROM suggestion_fts WHERE suggestion_fts MATCH :fts "
            "ORDER BY rank LIMIT :n"
        ).bindparams(fts=" OR ".join(f'"{word}"*' for word in words), n=limit)
    return text(
        "SELECT id FROM suggestion WHERE search_vector @@ to_tsquery('english', :tsq) "
        "ORDER BY ts_rank(search_vector, to_tsquery('english', :tsq)) DESC LIMIT :n"
    ).bindparams(tsq=" | ".join(f"{word}:*" for word in words), n=limit)


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
    query = select(Suggestion).where(
        col(Suggestion.id).in_(_ranked_ids(session, words, candidates)),
        visibility.visible_clause(actor),
        Suggestion.status != Status.DUPLICATE,
    )
    if exclude_id is not None:
        query = query.where(Suggestion.id != exclude_id)
    ranked: list[Similar] = []
    for found in session.exec(query).all():
        title_score = _jaccard(wanted_title, set(terms(found.title, limit=30)))
        body_score = _jaccard(
            wanted_title | wanted_problem, set(terms(f"{found.title} {found.problem}", limit=90))
        )
        score = (2 * title_score + body_score) / 3
        if score >= 0.08:
            ranked.append(Similar(found, round(score, 3)))
    ranked.sort(key=lambda item: item.similarity, reverse=True)
    return ranked[:limit]
