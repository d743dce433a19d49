"""README's "Demo accounts" names every account `make run DEMO=1` creates, its role and password."""

from __future__ import annotations

import re
from pathlib import Path

from tracker import db
from tracker.demo import DEMO_PASSWORD
from tracker.services.accounts import users

README = Path(__file__).resolve().parents[3] / "README.md"


def _demo_section() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"### Demo accounts\n(.*?)\n#", text, re.DOTALL)
    assert found, "README has no 'Demo accounts' section"
    return found.group(1)


def test_readme_lists_every_demo_account_with_its_role(app, tracker, client):
    tracker("demo", "load")
    section = _demo_section()
    assert f"`{DEMO_PASSWORD}`" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "@" in line]
    with db.session_scope(app) as session:
        people = [(u.email, u.display_name, u.role.label) for u in users.list_users(session)]
    assert people
    for email, name, label in people:
        number = re.fullmatch(r"agent(\d)@example\.com", email)
        shown = "agent1@example.com ... agent4" if number else email
        row = next((row for row in rows if shown in row), None)
        assert row is not None, f"{email} is not in README's demo accounts"
        assert name in row, row
        assert label in row, row
    # Each account listed signs in with the published password.
    assert client.login("dana.lead@example.com", DEMO_PASSWORD).status_code == 302
    listing = tracker("users", "list").output
    assert "Dana Okafor" in listing
    assert "Stakeholder (read-only)" in listing
    assert "Northwind BPO" in listing
