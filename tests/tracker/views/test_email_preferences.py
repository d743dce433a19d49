"""The email preferences page and the signed one-click unsubscribe link (page + POST, and the
RFC 8058 POST a mail client sends without any CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer
from sqlmodel import select

from tests.helpers.client import TrackerClient
from tests.helpers.notification_world import IdeaWorld
from tests.mail import SmtpServer
from tracker import db
from tracker.config import Settings
from tracker.models import AreaSubscription, Role, User, utcnow
from tracker.services.email import preferences
from tracker.services.stories import initiatives

BASE = "https://tracker.example"


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer) -> Flask:
    return make_app(database_url, smtp=smtp_server.config(), base_url=BASE)


@pytest.fixture
def settings(app: Flask) -> Settings:
    found: Settings = app.config["SETTINGS"]
    return found


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> IdeaWorld:
    return IdeaWorld(app, make_user, make_user(Role.PM))


def wants(app: Flask, user: User, kind: str) -> bool:
    with db.session_scope(app) as session:
        return preferences.wants(session, user.id or 0, kind)


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- the preferences page -------------------------------------------------------------------------


def test_everything_is_on_until_switched_off(
    app: Flask, client: TrackerClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.SUBMITTER)
    page = client.get("/account/email")
    assert page.status_code == 200
    assert re.search(r'<input[^>]*checked[^>]*name="notifications"', page.text)
    assert re.search(r'<input[^>]*checked[^>]*name="digests"', page.text)
    assert "Areas I follow" not in page.text  # only stakeholders choose areas

    saved = client.submit("/account/email", {"digests": "y"})
    assert saved.status_code == 302
    assert not wants(app, user, "notifications")
    assert wants(app, user, "digests")
    page = client.get("/account/email")
    assert "Your email preferences are saved." in page.text
    assert not re.search(r'<input[^>]*checked[^>]*name="notifications"', page.text)


def test_the_preferences_form_needs_its_csrf_token(
    app: Flask, client: TrackerClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.SUBMITTER)
    response = client.post("/account/email", data={"digests": "y"})
    assert response.status_code == 400
    assert wants(app, user, "notifications")


def test_a_stakeholder_chooses_areas_and_unfollows_initiatives(
    app: Flask,
    client: TrackerClient,
    login_as: Callable[..., User],
    make_user: Callable[..., User],
    settings: Settings,
) -> None:
    stakeholder = login_as(Role.STAKEHOLDER)
    pm = make_user(Role.PM)
    with db.session_scope(app) as session:
        actor = session.get(User, pm.id)
        assert actor is not None
        for name in ("Faster scam handling", "Refunds without tickets"):
            initiatives.create_initiative(
                session,
                actor=actor,
                data=initiatives.InitiativeInput(
                    name=name,
                    goal="Halve handling time.",
                    owner_id=pm.id,
                    target_date=None,
                    stakeholder_ids=[stakeholder.id or 0],
                ),
            )
    areas = settings.suggestions.areas
    page = client.get("/account/email")
    assert "Areas I follow in my digest" in page.text
    assert all(f'value="{area}"' in page.text for area in areas)
    assert "Faster scam handling" in page.text
    assert "Refunds without tickets" in page.text

    saved = client.submit(
        "/account/email", {"notifications": "y", "digests": "y", "areas": [areas[0], areas[1]]}
    )
    assert saved.status_code == 302
    with db.session_scope(app) as session:
        followed = session.exec(
            select(AreaSubscription.area).where(AreaSubscription.user_id == stakeholder.id)
        ).all()
    assert sorted(followed) == sorted([areas[0], areas[1]])

    client.submit("/account/email", {"digests": "y", "areas": [areas[1]]})
    with db.session_scope(app) as session:
        me = session.get(User, stakeholder.id)
        assert me is not None
        prefs = preferences.get_preferences(session, user=me)
    assert prefs.areas == [areas[1]]
    assert [i.name for i in prefs.initiatives] == [
        "Faster scam handling",
        "Refunds without tickets",
    ]

    first = prefs.initiatives[0].id
    done = client.submit(f"/account/email/initiatives/{first}/unfollow")
    assert done.status_code == 302
    page = client.get("/account/email")
    assert "You no longer follow &#39;Faster scam handling&#39;." in page.text
    assert "Refunds without tickets" in page.text
    assert client.submit(f"/account/email/initiatives/{first}/unfollow").status_code == 404


def test_an_unknown_area_is_refused_with_a_field_error(
    app: Flask, client: TrackerClient, login_as: Callable[..., User]
) -> None:
    stakeholder = login_as(Role.STAKEHOLDER)
    response = client.submit("/account/email", {"digests": "y", "areas": ["Astrology"]})
    assert response.status_code == 422
    assert 'id="areas-error"' in response.text
    assert "Astrology" in response.text
    with db.session_scope(app) as session:
        assert session.exec(select(AreaSubscription)).all() == []
    assert wants(app, stakeholder, "notifications")  # nothing half-saved


# --- the signed unsubscribe link ------------------------------------------------------------------


def test_the_link_shows_a_confirmation_and_the_button_unsubscribes(
    app: Flask, client: TrackerClient, make_user: Callable[..., User], settings: Settings
) -> None:
    user = make_user(Role.VENDOR)
    url = path_of(preferences.unsubscribe_url(settings, user.id or 0, "notifications"))

    page = client.get(url)
    assert page.status_code == 200
    assert "Stop sending notification emails" in page.text
    assert user.email in page.text
    assert wants(app, user, "notifications")  # opening the link (or a mail scanner) changes nothing

    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action
    assert action.group(1) == url
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.text
    assert not wants(app, user, "notifications")
    assert wants(app, user, "digests")
    assert client.post(url).status_code == 200  # twice is harmless


def test_rfc_8058_one_click_post_needs_no_csrf_token(
    app: Flask, client: TrackerClient, make_user: Callable[..., User], settings: Settings
) -> None:
    user = make_user(Role.STAKEHOLDER)
    headers = preferences.list_unsubscribe_headers(settings, user.id or 0, "digests")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = path_of(headers["List-Unsubscribe"].strip("<>"))
    response = client.post(
        url,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not wants(app, user, "digests")
    assert wants(app, user, "notifications")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_link_gets_a_friendly_400(
    app: Flask,
    client: TrackerClient,
    make_user: Callable[..., User],
    settings: Settings,
    method: str,
) -> None:
    user, other = make_user(), make_user()
    token = preferences.unsubscribe_token(settings, user.id or 0, "notifications")
    forged_by_key = URLSafeSerializer("another-key", salt="tracker.email-unsubscribe").dumps(
        [other.id, "notifications"]
    )
    other_salt = URLSafeSerializer(settings.secret_key.get_secret_value()).dumps(
        [other.id, "notifications"]
    )
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        forged_by_key,
        other_salt,
        "nonsense",
    ):
        response = client.open(f"/unsubscribe/{bad}", method=method)
        assert response.status_code == 400, bad
        assert "This unsubscribe link is not valid" in response.text
    assert wants(app, user, "notifications")
    assert wants(app, other, "notifications")


# --- opting out stops the emails ------------------------------------------------------------------


def test_the_link_in_an_email_stops_the_next_ones(
    app: Flask, client: TrackerClient, world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    author = world.user()
    world.accept(world.idea(author, title="First"))
    world.run()
    [received] = smtp_server.to(author.email)
    link = received.message["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{BASE}/unsubscribe/")

    assert (
        client.post(
            path_of(link),
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 200
    )
    world.accept(world.idea(author, title="Second"))
    assert world.run(now=utcnow() + timedelta(hours=2)).emails_sent == 0
    assert len(smtp_server.to(author.email)) == 1


def test_switching_off_on_the_page_stops_the_emails(
    client: TrackerClient, world: IdeaWorld, smtp_server: SmtpServer
) -> None:
    author = world.user()
    client.login(author.email)
    assert client.submit("/account/email", {"digests": "y"}).status_code == 302
    world.accept(world.idea(author))
    assert world.run().emails_sent == 0
    assert smtp_server.to(author.email) == []

    assert client.submit("/account/email", {"notifications": "y"}).status_code == 302
    world.accept(world.idea(author, title="Later"))
    assert world.run().emails_sent == 1
    [received] = smtp_server.to(author.email)
    assert "Later" in received.subject  # the one skipped while opted out is not sent late
