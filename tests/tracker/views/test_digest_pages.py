"""Digest pages: who sees which digest (404 for the rest), the permalink, the Markdown export, the
deliveries PMs watch, and the PMs' "send now" button."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.helpers import digest_samples as samples
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.client import TrackerClient
from tests.helpers.digest_samples import BASE, EVIL_SCRIPT, JIRA, sample_content
from tests.mail import SmtpServer
from tracker import db
from tracker.models import DeliveryStatus, DigestDelivery, Organisation, Role, User

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def store_digest(
    app: Flask,
    audience: str,
    subject_key: str,
    *,
    name: str = "",
    period_end: datetime = END,
) -> int:
    content = sample_content(audience=audience, subject_key=subject_key, subject_name=name)
    return samples.store_digest(
        app,
        audience,
        subject_key,
        content,
        period_start=period_end - timedelta(days=7),
        period_end=period_end,
    )


def listed(client: TrackerClient, url: str = "/digests") -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {int(n) for n in re.findall(r'href="/digests/(\d+)"', response.text)}


@dataclass
class World:
    pm: User
    admin: User
    stakeholder: User
    other_stakeholder: User
    vendor: User
    colleague: User  # same organisation as `vendor`
    rival: User  # another vendor organisation
    submitter: User
    digests: dict[str, int]


@pytest.fixture
def world(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
) -> World:
    acme = make_organisation("Acme Moderation")
    rival_org = make_organisation("Rival Review")
    people = {
        "pm": make_user(Role.PM),
        "admin": make_user(Role.ADMIN),
        "stakeholder": make_user(Role.STAKEHOLDER),
        "other_stakeholder": make_user(Role.STAKEHOLDER),
        "vendor": make_user(Role.VENDOR, organisation_id=acme.id),
        "colleague": make_user(Role.VENDOR, organisation_id=acme.id),
        "rival": make_user(Role.VENDOR, organisation_id=rival_org.id),
        "submitter": make_user(Role.SUBMITTER),
    }
    p = people
    digests = {
        "pm": store_digest(app, "pm", "all", name="All PMs"),
        "stakeholder": store_digest(app, "stakeholder", f"user:{p['stakeholder'].id}"),
        "other_stakeholder": store_digest(app, "stakeholder", f"user:{p['other_stakeholder'].id}"),
        "acme": store_digest(app, "vendor", f"org:{acme.id}", name="Acme Moderation"),
        "rival": store_digest(app, "vendor", f"org:{rival_org.id}", name="Rival Review"),
        "vendor_own": store_digest(app, "submitter", f"user:{p['vendor'].id}"),
        "submitter": store_digest(app, "submitter", f"user:{p['submitter'].id}"),
    }
    return World(**people, digests=digests)


SEES = {
    "pm": "all",
    "admin": "all",
    "stakeholder": {"stakeholder"},
    "vendor": {"acme", "vendor_own"},
    "colleague": {"acme"},
    "rival": {"rival"},
    "submitter": {"submitter"},
}


@pytest.mark.parametrize("who", list(SEES))
def test_each_person_sees_only_their_digests(client: TrackerClient, world: World, who: str) -> None:
    user: User = getattr(world, who)
    client.login(user.email)
    names = set(world.digests) if SEES[who] == "all" else SEES[who]
    allowed = {world.digests[name] for name in names}
    assert listed(client) == allowed
    for name, digest_id in world.digests.items():
        page = client.get(f"/digests/{digest_id}")
        export = client.get(f"/digests/{digest_id}.md")
        expected = 200 if digest_id in allowed else 404  # 404, so no digest's existence leaks
        assert (page.status_code, export.status_code) == (expected, expected), name
        if expected == 404:
            assert "does not exist or is not addressed to you" in page.text


def test_the_permalink_shows_the_stored_digest_with_its_links(
    client: TrackerClient, world: World
) -> None:
    client.login(world.stakeholder.email)
    response = client.get(f"/digests/{world.digests['stakeholder']}")
    html = response.text
    assert "<h1>Status digest: 16 Nov - 23 Nov 2026</h1>" in html
    assert f'href="{BASE}/suggestions/12">#12 Prefill the appeal reason</a>' in html
    assert f'href="{JIRA}/OPS-12">OPS-12</a>' in html
    assert EVIL_SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<meter min="0" max="2.0" value="2.0"' in html
    assert '<progress max="100" value="38"' in html
    assert "style=" not in html  # the CSP forbids inline styles
    assert "Sent to" not in html  # deliveries are for PMs


def test_a_submitter_digest_is_yours_only_to_its_submitter(
    app: Flask, client: TrackerClient, world: World
) -> None:
    name = world.submitter.display_name
    digest_id = samples.store_digest(
        app,
        "submitter",
        f"user:{world.submitter.id}",
        sample_content(audience="submitter", subject_name=name),
        period_start=END,
        period_end=END + timedelta(days=7),
    )
    client.login(world.pm.email)
    listing = client.get("/digests").text
    assert f"<td>Submitter: {name}</td>" in listing
    assert '<option value="submitter">Submitter</option>' in listing
    assert "Your ideas" not in listing
    page = client.get(f"/digests/{digest_id}").text
    assert f'<p class="lead">Submitter: {name} · ' in page
    assert "Your ideas" not in page

    client.submit("/logout")
    client.login(world.submitter.email)
    listing = client.get("/digests").text
    assert "<td>Your ideas</td>" in listing
    assert "Submitter:" not in listing
    assert '<p class="lead">Your ideas · ' in client.get(f"/digests/{digest_id}").text


def test_markdown_export_is_text_markdown_inline_or_as_a_download(
    app: Flask, client: TrackerClient, world: World
) -> None:
    client.login(world.vendor.email)
    digest_id = world.digests["acme"]
    response = client.get(f"/digests/{digest_id}.md")
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="digest-{digest_id}-2026-11-23.md"'
    )
    text = response.get_data(as_text=True)
    assert text.startswith("# Status digest: 16 Nov - 23 Nov 2026\n")
    assert f"[OPS-12]({JIRA}/OPS-12)" in text
    base = app.config["SETTINGS"].base_url.rstrip("/")
    assert f"[this digest in the tracker]({base}/digests/{digest_id})" in text
    download = client.get(f"/digests/{digest_id}.md?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_the_list_is_newest_first_and_paginated(
    app: Flask, client: TrackerClient, make_user: Callable[..., User]
) -> None:
    pm = make_user(Role.PM)
    ids = [
        store_digest(app, "pm", "all", period_end=END + timedelta(days=7 * n)) for n in range(30)
    ]
    client.login(pm.email)
    first = client.get("/digests").text
    order = [int(n) for n in re.findall(r'<td><a href="/digests/(\d+)">', first)]
    assert order == ids[::-1][:25]
    assert "Page 1 of 2" in first
    assert 'href="/digests?page=2&amp;per_page=25"' in first
    assert listed(client, "/digests?page=2") == set(ids[:5])
    assert listed(client, "/digests?audience=vendor") == set()


def test_pms_see_failed_and_unconfirmed_deliveries(
    app: Flask, client: TrackerClient, world: World
) -> None:
    digest_id = world.digests["acme"]
    with db.session_scope(app) as session:
        session.add_all(
            [
                DigestDelivery(
                    digest_id=digest_id,
                    user_id=world.vendor.id or 0,
                    email=world.vendor.email,
                    status=DeliveryStatus.FAILED.value,
                    attempts=3,
                    last_error="The mail server answered 451: mailbox busy",
                    next_attempt_at=END + timedelta(hours=1),
                ),
                DigestDelivery(
                    digest_id=digest_id,
                    user_id=world.colleague.id or 0,
                    email=world.colleague.email,
                    status=DeliveryStatus.SENT.value,
                    attempts=1,
                    sent_at=END,
                ),
            ]
        )
    client.login(world.pm.email)
    html = client.get("/digests").text
    attention = html.split("Needing attention")[1].split("<h3>Latest</h3>")[0]
    assert 'class="delivery-problem"' in attention
    assert world.vendor.display_name in attention
    assert "The mail server answered 451: mailbox busy" in attention
    assert '<td class="num">3</td>' in attention
    assert world.colleague.email not in attention  # sent fine: only in the latest list
    assert "Failed: 1" in html
    assert "Sent: 1" in html
    page = client.get(f"/digests/{digest_id}").text
    assert "Sent to" in page
    assert world.colleague.email in page

    client.submit("/logout")
    client.login(world.vendor.email)
    own = client.get("/digests").text
    assert "Needing attention" not in own
    assert "mailbox busy" not in own
    assert "mailbox busy" not in client.get(f"/digests/{digest_id}").text


def test_the_nav_links_digests_for_everyone(client: TrackerClient, login_as: Any) -> None:
    login_as(Role.STAKEHOLDER)
    assert '<a href="/digests">Digests</a>' in client.get("/").text


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.VENDOR, Role.STAKEHOLDER])
def test_send_now_is_refused_to_anyone_but_pms(
    client: TrackerClient, login_as: Any, role: Role
) -> None:
    login_as(role)
    assert client.submit("/digests/send-now").status_code == 403
    assert "Send digests now" not in client.get("/digests").text


def test_send_now_without_a_mail_server_says_so(client: TrackerClient, login_as: Any) -> None:
    login_as(Role.PM)
    response = client.submit("/digests/send-now", follow_redirects=True)
    assert "No mail server is configured (smtp.host)" in response.text


def test_send_now_needs_the_form_token(client: TrackerClient, login_as: Any) -> None:
    login_as(Role.PM)
    assert client.post("/digests/send-now").status_code == 400


def test_send_now_emails_the_digests_and_lists_them(
    make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer
) -> None:
    app = make_app(database_url, smtp=smtp_server.config(), base_url="https://tracker.example")
    app.test_client_class = TrackerClient
    client = app.test_client()
    assert isinstance(client, TrackerClient)
    pm = user_factory(app, organisation_factory(app))(Role.PM, display_name="Pat PM")
    client.login(pm.email)

    response = client.submit("/digests/send-now", follow_redirects=True)
    assert "Prepared 1 digests and sent 1 emails." in response.text
    [message] = smtp_server.to(pm.email)
    assert message.subject.startswith("Status digest: ")
    assert len(listed(client)) == 1
    assert "Unsubscribe" in message.part("plain")
    page = client.get("/digests").text
    assert "Pat PM" in page.split("<h3>Latest</h3>")[1]
    assert "Sent: 1" in page


def test_a_vendor_digest_shows_initiatives_by_name_only(
    app: Flask, client: TrackerClient, world: World
) -> None:
    content = sample_content(audience="vendor", subject_key="org:1", subject_name="Acme")
    withheld = "url jira_key jira_url health health_label percent stories_done stories_total"
    content["initiatives"] = [
        {"id": 3, "name": "Faster appeals", **dict.fromkeys(withheld.split()), "detail": False}
    ]
    digest_id = samples.store_digest(
        app,
        "vendor",
        f"org:{world.vendor.organisation_id}",
        content,
        period_start=END,
        period_end=END + timedelta(days=7),
    )
    client.login(world.vendor.email)
    html = client.get(f"/digests/{digest_id}").text
    initiatives = html.split('id="initiatives-heading"')[1].split("</section>")[0]
    assert "<td>Faster appeals</td>" in initiatives
    assert "<progress" not in initiatives
    assert "None" not in initiatives
