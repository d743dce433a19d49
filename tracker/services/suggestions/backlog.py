"""The ranked backlog: visible suggestions filtered, searched, sorted, paginated.

The same filters and sort drive the backlog page, its CSV export, the API and the shareable
URL, so they live in one place (`BacklogFilters`) with one parser for query-string input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.errors import ValidationFailed
from tracker.inputs import id_value, optional_id
from tracker.models import Initiative, Organisation, Status, Suggestion, User
from tracker.pagination import Page, paginate
from tracker.services.suggestions import search, visibility

INTERNAL = "internal"  # the vendor filter's value for ideas from internal agents
ANY_STATUS = "any"  # the status filter's value that also shows merged duplicates
OPEN = "open"  # the default status filter: ideas someone still has to act on
CLOSED = "closed"
ALL_STATUSES = "all"  # every status except merged duplicates (the default before open)
OPEN_STATUSES = (Status.NEW, Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_DELIVERY)
CLOSED_STATUSES = (Status.DECLINED, Status.DUPLICATE, Status.PARKED, Status.DELIVERED)
STATUS_GROUPS = (OPEN, CLOSED, ALL_STATUSES, ANY_STATUS)
EXPORT_BATCH = 500

# Sortable columns with the direction a first click means: biggest, newest, A to Z.
SORTS = {
    "score": "desc",
    "votes": "desc",
    "hours": "desc",
    "created": "desc",
    "updated": "desc",
    "title": "asc",
}
DEFAULT_SORT = "score"
DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class BacklogFilters:
    """What narrows the backlog; every field empty means "all visible, merged duplicates hidden".

    `vendor` is "", INTERNAL or an organisation id; `status` is a Status value or one of
    STATUS_GROUPS ("" means ALL_STATUSES for callers in code; a URL without one means OPEN);
    `submitter` is a user id. `sort` is a key of SORTS and `direction` "asc" or "desc".
    """

    q: str = ""
    area: str = ""
    status: str = ""
    vendor: str = ""
    initiative: int | None = None
    submitter: int | None = None
    sort: str = DEFAULT_SORT
    direction: str = SORTS[DEFAULT_SORT]

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, actor: User) -> BacklogFilters:
        """Filters from untrusted query-string input, all read before any row is (an export
        streams its rows after this returns).

        Text is trimmed and an unknown status means the default (open ideas); an id filter
        (`vendor`, `initiative`, `submitter`) that is not an id, or a `sort` or `dir` we do not
        offer, is a ValidationFailed naming it, because dropping it would show rows in a way
        the reader believes was not asked for.
        """

        def text(name: str, limit: int = 20) -> str:
            return str(args.get(name) or "").strip()[:limit]

        status = text("status")
        if status not in {*STATUS_GROUPS, *(s.value for s in Status)}:
            status = OPEN
        sort, direction = _sort_args(args)
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
            sort=sort,
            direction=direction,
        )

    def as_args(self) -> dict[str, str]:
        """The filters and sort that differ from a bare URL's, as query-string parameters (for
        links, the pager and the export): the URL is the shareable view."""
        values = {
            "q": self.q,
            "area": self.area,
            "status": "" if self.status == OPEN else self.status or ALL_STATUSES,
            "vendor": self.vendor,
            "initiative": "" if self.initiative is None else str(self.initiative),
            "submitter": "" if self.submitter is None else str(self.submitter),
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "dir": "" if self.direction == SORTS[self.sort] else self.direction,
        }
        return {key: value for key, value in values.items() if value}

    def filter_args(self) -> dict[str, str]:
        """`as_args` without the sort: what the column headers keep when they change it."""
        return {k: v for k, v in self.as_args().items() if k not in {"sort", "dir"}}

    def sort_args(self, column: str) -> dict[str, str]:
        """The URL parameters of `column`'s header: its natural direction, or the other one
        when the list is already sorted by it."""
        direction = SORTS[column]
        if column == self.sort:
            direction = "asc" if self.direction == "desc" else "desc"
        args = self.filter_args()
        if column != DEFAULT_SORT:
            args["sort"] = column
        if direction != SORTS[column]:
            args["dir"] = direction
        return args

    @property
    def active(self) -> bool:
        """Whether a filter narrows the default view (a sort alone narrows nothing)."""
        return bool(self.filter_args())


def _sort_args(args: Mapping[str, Any]) -> tuple[str, str]:
    sort = str(args.get("sort") or "").strip() or DEFAULT_SORT
    if sort not in SORTS:
        choices = ", ".join(SORTS)
        raise ValidationFailed(
            f"Sort must be one of {choices}.", fields={"sort": f"Sort must be one of {choices}."}
        )
    direction = str(args.get("dir") or "").strip() or SORTS[sort]
    if direction not in DIRECTIONS:
        message = "Dir (the sort order) must be asc or desc."
        raise ValidationFailed(message, fields={"dir": message})
    return sort, direction


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
    if filters.status in {"", ALL_STATUSES}:
        clauses.append(col(Suggestion.status) != Status.DUPLICATE)
    elif filters.status == OPEN:
        # Said as "not closed" (the same rows): SQLite answers an IN through a status index,
        # one row look-up per open idea, which for a vendor's count is slower than one scan.
        clauses.append(col(Suggestion.status).not_in(CLOSED_STATUSES))
    elif filters.status == CLOSED:
        clauses.append(col(Suggestion.status).in_(CLOSED_STATUSES))
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

# Suggestion.hours_saved_per_week in SQL: NULL wherever the property is None.
_HOURS_SAVED = (
    func.coalesce(
        col(Suggestion.weekly_volume) * col(Suggestion.minutes_saved_per_ticket),
        col(Suggestion.weekly_volume)
        * col(Suggestion.automation_share)
        / 100.0
        * col(Suggestion.handle_time_minutes),
    )
    / 60.0
)

_SORT_COLUMNS: dict[str, Any] = {
    "votes": col(Suggestion.vote_count),
    "hours": _HOURS_SAVED,
    "created": col(Suggestion.created_at),
    "updated": col(Suggestion.updated_at),
    "title": col(Suggestion.title),
}


def _ordering(filters: BacklogFilters) -> tuple[Any, ...]:
    """ORDER BY for the filters' sort; the id breaks ties so pages never overlap.

    Each order is one an index walks (migrations 0003 and 0010): the score's is the ranking
    above, read backwards for ascending, so unscored ideas come first there, the way an index
    gives them. Hours saved is computed, so missing figures go last either way.
    """
    ascending = filters.direction == "asc"
    if filters.sort == DEFAULT_SORT:
        if not ascending:
            return _RANKING
        return tuple(
            column.asc().nulls_first() if index == 0 else column.asc()
            for index, column in enumerate(
                (
                    col(Suggestion.score_value),
                    col(Suggestion.vote_count),
                    col(Suggestion.created_at),
                    col(Suggestion.id),
                )
            )
        )
    column = _SORT_COLUMNS[filters.sort]
    by = column.asc() if ascending else column.desc()
    if filters.sort == "hours":
        by = by.nulls_last()
    tie = col(Suggestion.id).asc() if ascending else col(Suggestion.id).desc()
    return (by, tie)


def ranked_query(
    session: Session, *, actor: User, filters: BacklogFilters
) -> SelectOfScalar[Suggestion]:
    """Visible suggestions matching the filters, in the filters' sort (best score first by
    default).

    Unscored ideas come last; ties go to more votes, then the newer idea (id breaks the rest so
    pages never overlap).
    """
    return select(Suggestion).where(*_where(session, actor, filters)).order_by(*_ordering(filters))


def backlog_page(
    session: Session, *, actor: User, filters: BacklogFilters, page: int, per_page: int
) -> Page[BacklogRow]:
    """One page of the ranked backlog with the total of visible matches.

    A page past the end shows the last page instead, so an old link still lands on rows.
    Ids are ranked first and the page's rows loaded after: sorting narrow id rows is much
    cheaper than sorting whole suggestions, problem text and all.
    """
    ids = (
        select(col(Suggestion.id))
        .where(*_where(session, actor, filters))
        .order_by(*_ordering(filters))
    )
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
        .order_by(*_ordering(filters))
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
