"""The ranked backlog: visible suggestions filtered, searched, ordered by score, paginated.

The same filters drive the backlog page, its CSV export and the shareable URL, so they live in
one place (`BacklogFilters`) with one parser for query-string input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.inputs import id_value, optional_id
from tracker.models import Initiative, Organisation, Status, Suggestion, User
from tracker.pagination import Page, paginate
from tracker.services.suggestions import search, visibility

INTERNAL = "internal"  # the vendor filter's value for ideas from internal agents
ANY_STATUS = "any"  # the status filter's value that also shows merged duplicates
EXPORT_BATCH = 500


@dataclass(frozen=True)
class BacklogFilters:
    """What narrows the backlog; every field empty means "all visible, merged duplicates hidden".

    `vendor` is "", INTERNAL or an organisation id; `status` is "", ANY_STATUS or a Status value;
    `submitter` is a user id.
    """

    q: str = ""
    area: str = ""
    status: str = ""
    vendor: str = ""
    initiative: int | None = None
    submitter: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, actor: User) -> BacklogFilters:
        """Filters from untrusted query-string input, all read before any row is (an export
        streams its rows after this returns).

        Text is trimmed and an unknown status dropped; an id filter (`vendor`,
        `initiative`, `submitter`) that is not an id is a ValidationFailed naming it, because
        dropping it would show every row under a filter the reader believes applied.
        """

        def text(name: str, limit: int = 20) -> str:
            return str(args.get(name) or "").strip()[:limit]

        status = text("status")
        if status not in {ANY_STATUS, *(s.value for s in Status)}:
            status = ""
        vendor = str(args.get("vendor") or "").strip()
        if vendor != INTERNAL:
            vendor = "" if not vendor else str(id_value(vendor, "vendor"))
        submitter = str(args.get("submitter") or "").strip()
        return cls(
            q=text("q", 200),
            area=text("area", 80),
            status=status,
            vendor=vendor,
            initiative=optional_id(args.get("initiative"), "initiative"),
            submitter=actor.id if submitter == "me" else optional_id(submitter, "submitter"),
        )

    def as_args(self) -> dict[str, str]:
        """The non-empty filters as query-string parameters (for links and the export)."""
        values = {
            "q": self.q,
            "area": self.area,
            "status": self.status,
            "vendor": self.vendor,
            "initiative": "" if self.initiative is None else str(self.initiative),
            "submitter": "" if self.submitter is None else str(self.submitter),
        }
        return {key: value for key, value in values.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass(frozen=True)
class BacklogRow:
    """One line of the backlog: the suggestion plus the names shown beside it."""

    suggestion: Suggestion
    submitter_name: str
    vendor_name: str  # the vendor organisation, or "Internal"

    @property
    def hours_saved(self) -> float | None:
        return self.suggestion.hours_saved_per_week


@dataclass(frozen=True)
class FilterChoices:
    """Options for the filter form, limited to what the viewer may know about."""

    areas: Sequence[str]
    statuses: Sequence[Status]
    vendors: Sequence[tuple[int, str]]
    initiatives: Sequence[tuple[int, str]] = field(default_factory=list)
    submitter_name: str | None = None  # the person the list is filtered to, if any


def _where(session: Session, actor: User, filters: BacklogFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [visibility.visible_clause(actor)]
    if filters.status == "":
        clauses.append(col(Suggestion.status) != Status.DUPLICATE)
    elif filters.status != ANY_STATUS:
        clauses.append(col(Suggestion.status) == Status(filters.status))
    if filters.area:
        clauses.append(col(Suggestion.area) == filters.area)
    if filters.vendor == INTERNAL:
        clauses.append(col(Suggestion.organisation_id).is_(None))
    elif filters.vendor:
        clauses.append(col(Suggestion.organisation_id) == id_value(filters.vendor, "vendor"))
    if filters.initiative is not None:
        clauses.append(col(Suggestion.initiative_id) == filters.initiative)
    if filters.submitter is not None:
        clauses.append(col(Suggestion.submitter_id) == filters.submitter)
    if filters.q:
        match = search.match_clause(session, filters.q)
        if match is not None:
            clauses.append(match)
    return clauses


_RANKING = (
    col(Suggestion.score_value).desc().nulls_last(),
    col(Suggestion.vote_count).desc(),
    col(Suggestion.created_at).desc(),
    col(Suggestion.id).desc(),
)


def ranked_query(
    session: Session, *, actor: User, filters: BacklogFilters
) -> SelectOfScalar[Suggestion]:
    """Visible suggestions matching the filters, best score first.

    Unscored ideas come last; ties go to more votes, then the newer idea (id breaks the rest so
    pages never overlap).
    """
    return select(Suggestion).where(*_where(session, actor, filters)).order_by(*_RANKING)


def backlog_page(
    session: Session, *, actor: User, filters: BacklogFilters, page: int, per_page: int
) -> Page[BacklogRow]:
    """One page of the ranked backlog with the total of visible matches.

    A page past the end shows the last page instead, so an old link still lands on rows.
    Ids are ranked first and the page's rows loaded after: sorting narrow id rows is much
    cheaper than sorting whole suggestions, problem text and all.
    """
    ids = select(col(Suggestion.id)).where(*_where(session, actor, filters)).order_by(*_RANKING)
    found = paginate(session, ids, page, per_page)
    if not found.items and found.page > found.pages:
        found = paginate(session, ids, found.pages, per_page)
    return Page(
        items=_rows_for(session, [i for i in found.items if i is not None]),
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


def _rows_for(session: Session, ids: Sequence[int]) -> list[BacklogRow]:
    """The suggestions with their submitter and vendor names, in `ids` order, in one query."""
    if not ids:
        return []
    found = {
        suggestion.id: BacklogRow(suggestion, submitter, vendor or "Internal")
        for suggestion, submitter, vendor in session.exec(
            _with_names(select(Suggestion, col(User.display_name), col(Organisation.name))).where(
                col(Suggestion.id).in_(ids)
            )
        ).all()
    }
    return [found[i] for i in ids if i in found]


def _with_names(query: Select[Suggestion, str, str | None]) -> Select[Suggestion, str, str | None]:
    return query.join(User, col(User.id) == col(Suggestion.submitter_id)).outerjoin(
        Organisation, col(Organisation.id) == col(Suggestion.organisation_id)
    )


@contextmanager
def export_rows(
    session: Session, *, actor: User, filters: BacklogFilters
) -> Iterator[Iterator[BacklogRow]]:
    """Every visible suggestion matching the filters, in backlog order, fetched in batches.

    The query runs on entering, not when the first row is read: a streamed export enters
    before its first byte, so a failing query is an error page, not a cut-off file. Leaving
    closes the cursor, whether every row was read or the download was abandoned.
    """
    query = (
        _with_names(select(Suggestion, col(User.display_name), col(Organisation.name)))
        .where(*_where(session, actor, filters))
        .order_by(*_RANKING)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    result = session.exec(query)
    try:
        yield (
            BacklogRow(suggestion, submitter, vendor or "Internal")
            for suggestion, submitter, vendor in result
        )
    finally:
        result.close()


def _may_name(actor: User, person: User) -> bool:
    """Vendors learn names only within their own organisation (the rows show the rest)."""
    if not visibility.confined_to_organisation(actor) or person.id == actor.id:
        return True
    return person.organisation_id is not None and person.organisation_id == actor.organisation_id


def filter_choices(
    session: Session,
    *,
    actor: User,
    filters: BacklogFilters,
    areas: Sequence[str],
    show_initiatives: bool,
) -> FilterChoices:
    """Options for the filter form; vendors are offered only their own organisation."""
    vendor_query = select(Organisation.id, Organisation.name).where(
        col(Organisation.is_vendor).is_(True)
    )
    if visibility.confined_to_organisation(actor):
        vendor_query = vendor_query.where(col(Organisation.id) == actor.organisation_id)
    vendors = [
        (org_id, name)
        for org_id, name in session.exec(vendor_query.order_by(col(Organisation.name))).all()
        if org_id is not None
    ]
    initiatives: list[tuple[int, str]] = []
    if show_initiatives:
        initiatives = [
            (initiative_id, name)
            for initiative_id, name in session.exec(
                select(Initiative.id, Initiative.name).order_by(col(Initiative.name))
            ).all()
            if initiative_id is not None
        ]
    submitter_name = None
    if filters.submitter is not None:
        person = session.get(User, filters.submitter)
        if person is not None and _may_name(actor, person):
            submitter_name = person.display_name
        else:
            submitter_name = f"person #{filters.submitter}"
    return FilterChoices(
        areas=list(areas),
        statuses=list(Status),
        vendors=vendors,
        initiatives=initiatives,
        submitter_name=submitter_name,
    )
