"""What the fuzzing found with more examples than the suite draws, pinned as plain cases so the
suite's fixed run checks them every time."""

from __future__ import annotations

import pytest

from tests.fuzz.routes import SUGGESTION
from tracker.models import Role


# Upper-case letters beyond ASCII: SQLite's lower() folds only A-Z, so the duplicate check must
# use the database's lower() on both sides, as the unique index does.
@pytest.mark.parametrize("name", ["ÜÜ", "Ñandú"])
def test_an_initiative_name_taken_again_is_refused_not_a_server_error(client, world, name):
    headers = world.headers[Role.PM]
    created = client.post("/api/v1/initiatives", json={"name": name}, headers=headers)
    assert created.status_code == 201, created.text
    clash = client.post("/api/v1/initiatives", json={"name": name}, headers=headers)
    assert clash.status_code in {409, 422}, clash.text
    assert "already exists" in clash.text


@pytest.mark.parametrize("links", [True, 10**20, 1.5])
def test_an_imported_row_with_evidence_links_of_a_wrong_type_is_refused(client, world, links):
    row = {**SUGGESTION, "evidence_links": links}
    answer = client.post(
        "/api/v1/suggestions/import",
        json={"rows": [row], "dry_run": True},
        headers=world.headers[Role.PM],
    )
    assert answer.status_code == 200, answer.text  # a dry run reports the row as rejected
    (reported,) = answer.json["rows"]
    assert not reported["ok"]
    assert "evidence_links" in reported["errors"]
