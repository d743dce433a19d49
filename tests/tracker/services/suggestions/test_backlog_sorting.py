"""BacklogFilters' sort and status groups: parsing untrusted input, and the URL they make."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.errors import ValidationFailed
from tracker.models import Role, User
from tracker.services.suggestions import backlog
from tracker.services.suggestions.backlog import BacklogFilters

ACTOR = User(id=7, email="pm@example.org", display_name="PM", role=Role.PM, password_hash="x")


def parsed(**args: Any) -> BacklogFilters:
    return BacklogFilters.from_args(args, actor=ACTOR)


def test_a_bare_url_is_open_ideas_by_score_descending():
    filters = parsed()
    assert (filters.status, filters.sort, filters.direction) == ("open", "score", "desc")
    assert filters.as_args() == {}
    assert not filters.active


@pytest.mark.parametrize("sort", list(backlog.SORTS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_sort_goes_round_the_url(sort, direction):
    filters = parsed(sort=sort, dir=direction, status="closed", area="Other")
    again = parsed(**filters.as_args())
    assert again == filters
    assert not parsed(sort=sort, dir=direction).active  # a sort alone filters nothing


def test_a_missing_direction_is_the_columns_natural_one():
    assert parsed(sort="title").direction == "asc"
    assert parsed(sort="votes").direction == "desc"
    assert parsed(sort=" votes ", dir=" asc ").direction == "asc"


def test_a_header_turns_the_active_sort_round_and_starts_others_in_their_direction():
    filters = parsed(sort="votes", area="Other")
    assert filters.sort_args("votes") == {"area": "Other", "sort": "votes", "dir": "asc"}
    assert filters.sort_args("title") == {"area": "Other", "sort": "title"}
    assert filters.sort_args("score") == {"area": "Other"}
    assert parsed().sort_args("score") == {"dir": "asc"}
    assert parsed(dir="asc").sort_args("score") == {}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"sort": "popularity"}, "sort"),
        ({"sort": "id"}, "sort"),
        ({"sort": "x" * 10_000}, "sort"),
        ({"sort": "votes", "dir": "up"}, "dir"),
        ({"dir": "ASC"}, "dir"),
    ],
)
def test_a_sort_we_do_not_offer_is_refused_by_name(args, field):
    with pytest.raises(ValidationFailed) as refused:
        parsed(**args)
    assert set(refused.value.fields) == {field}


def test_status_groups_and_the_code_default():
    assert parsed(status="closed").status == "closed"
    assert parsed(status="all").as_args() == {"status": "all"}
    assert parsed(status="nonsense").status == "open"
    # Callers in code (digests) keep "every status but merged duplicates".
    assert BacklogFilters().status == ""
    assert BacklogFilters().as_args() == {"status": "all"}
    assert set(backlog.OPEN_STATUSES).isdisjoint(backlog.CLOSED_STATUSES)
