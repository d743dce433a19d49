"""The initiative page: people follow and unfollow it themselves; its forms' ids are unique."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tests.helpers.pages import text_of
from tracker import db
from tracker.models import Role, User
from tracker.services.email import preferences
from tracker.services.stories import initiatives


def new_initiative(app: Any, owner: User, *stakeholders: User) -> int:
    with db.session_scope(app) as session:
        actor = session.get(User, owner.id)
        assert actor is not None
        created = initiatives.create_initiative(
            session,
            actor=actor,
            data=initiatives.InitiativeInput(
                name="Scam routing",
                goal="Appeals reach specialists first.",
                owner_id=owner.id,
                target_date=None,
                stakeholder_ids=[person.id or 0 for person in stakeholders],
            ),
        )
        assert created.id is not None
        return created.id


def followed(app: Any, user: User) -> list[str]:
    with db.session_scope(app) as session:
        person = session.get(User, user.id)
        assert person is not None
        prefs = preferences.get_preferences(session, user=person)
        return [initiative.name for initiative in prefs.initiatives]


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.SUBMITTER, Role.PM])
def test_a_reader_follows_then_unfollows_from_the_page(app, client, login_as, make_user, role):
    owner = make_user(Role.PM)
    reader = login_as(role)
    initiative_id = new_initiative(app, owner)
    page = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "Stakeholders None yet Follow" in page

    done = client.submit(f"/initiatives/{initiative_id}/follow")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/initiatives/{initiative_id}")
    page = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "You follow 'Scam routing'" in page
    assert f"Stakeholders {reader.display_name} Unfollow" in page
    assert followed(app, reader) == ["Scam routing"]

    # Following twice changes nothing.
    assert client.submit(f"/initiatives/{initiative_id}/follow").status_code == 302
    assert followed(app, reader) == ["Scam routing"]

    assert client.submit(f"/initiatives/{initiative_id}/unfollow").status_code == 302
    page = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "You no longer follow 'Scam routing'" in page
    assert "Stakeholders None yet Follow" in page
    assert followed(app, reader) == []


def test_a_stakeholder_added_by_the_pm_sees_unfollow(app, client, login_as, make_user):
    owner = make_user(Role.PM)
    dana = login_as(Role.STAKEHOLDER, display_name="Dana Okafor")
    initiative_id = new_initiative(app, owner, dana)
    page = text_of(client.get(f"/initiatives/{initiative_id}").text)
    assert "Stakeholders Dana Okafor Unfollow" in page


def test_following_a_missing_initiative_is_not_found(client, login_as):
    login_as(Role.STAKEHOLDER)
    assert client.submit("/initiatives/999/follow").status_code == 404
    assert client.submit("/initiatives/999/unfollow").status_code == 404


def test_vendor_staff_cannot_follow(app, client, login_as, make_user):
    initiative_id = new_initiative(app, make_user(Role.PM))
    vendor = login_as(Role.VENDOR)
    assert client.submit(f"/initiatives/{initiative_id}/follow").status_code == 403
    assert followed(app, vendor) == []


def test_the_page_has_no_duplicate_ids(app, client, login_as):
    pm = login_as(Role.PM)
    initiative_id = new_initiative(app, pm, pm)
    html = client.get(f"/initiatives/{initiative_id}").text
    assert html.count('name="csrf_token"') >= 4  # health, add, follow and the header's sign-out
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
