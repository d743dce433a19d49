"""Vendor check-in packs through HTTP: who sees which pack, recording a check-in (and the pack
starting there), the Markdown export and hostile form input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests.helpers.suggestions import act, add_idea
from tracker import db
from tracker.models import (
    Benefit,
    BenefitState,
    CheckIn,
    Role,
    Status,
    StatusChange,
    User,
    utcnow,
)
from tracker.services.suggestions import engagement


def _org_id(user: User) -> int:
    assert user.organisation_id is not None
    return user.organisation_id


def _checkins(app, organisation_id: int) -> list[CheckIn]:
    with db.session_scope(app) as session:
        query = select(CheckIn).where(CheckIn.organisation_id == organisation_id)
        return list(session.exec(query).all())


def test_vendor_sees_own_pack_and_404_elsewhere(
    app, client, login_as, make_user, make_organisation
):
    other = make_user(Role.VENDOR)
    internal = make_organisation(name="Internal ops", is_vendor=False)
    vendor = login_as(Role.VENDOR)
    add_idea(app, vendor, "Macro for refund answers")
    add_idea(app, other, "Someone else's idea")

    page = client.get(f"/organisations/{_org_id(vendor)}/checkin")
    assert page.status_code == 200
    assert "Check-in pack: Vendor" in page.text
    assert "Macro for refund answers" in page.text
    assert "Someone else&#39;s idea" not in page.text
    assert "No check-in recorded yet: the last 90 days" in page.text
    assert "Record check-in" not in page.text  # vendors read, PMs record
    for elsewhere in (_org_id(other), internal.id, 999_999):
        assert client.get(f"/organisations/{elsewhere}/checkin").status_code == 404
        assert client.get(f"/organisations/{elsewhere}/checkin.md").status_code == 404
    listing = client.get("/organisations/checkins").text
    assert f"/organisations/{_org_id(vendor)}/checkin" in listing
    assert f"/organisations/{_org_id(other)}/checkin" not in listing
    # Vendors do not record.
    refused = client.submit(f"/organisations/{_org_id(vendor)}/checkin", {"held_on": "2026-01-05"})
    assert refused.status_code == 403


def test_submitter_has_no_packs(client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    login_as(Role.SUBMITTER)
    assert client.get(f"/organisations/{_org_id(vendor)}/checkin").status_code == 403
    assert client.get(f"/organisations/{_org_id(vendor)}/checkin.md").status_code == 403
    assert client.get("/organisations/checkins").status_code == 403


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.PM, Role.ADMIN])
def test_internal_readers_see_every_pack(client, login_as, make_user, role):
    vendor = make_user(Role.VENDOR)
    login_as(role)
    page = client.get(f"/organisations/{_org_id(vendor)}/checkin")
    assert page.status_code == 200
    assert ("Record check-in" in page.text) == (role is not Role.STAKEHOLDER)
    assert f"/organisations/{_org_id(vendor)}/checkin" in client.get("/organisations/checkins").text


def test_recording_a_checkin_moves_the_pack_start(app, client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    org = _org_id(vendor)
    add_idea(app, vendor, "Old idea from last month", age_days=30)
    add_idea(app, vendor, "Fresh idea from today")
    pm = login_as(Role.PM)
    first = client.get(f"/organisations/{org}/checkin").text
    assert "Old idea from last month" in first
    assert "Fresh idea from today" in first

    today = utcnow().date()
    recorded = client.submit(
        f"/organisations/{org}/checkin",
        {
            "held_on": today.isoformat(),
            "notes": "Went through the refund backlog.\nAgreed to try the macro.",
            "open_questions": "Can you share handle times?\n\n  Who owns the macro?  ",
        },
    )
    assert recorded.status_code == 302
    (stored,) = _checkins(app, org)
    assert stored.held_on == today
    assert stored.recorded_by_id == pm.id
    assert stored.open_questions == "Can you share handle times?\nWho owns the macro?"

    page = client.get(f"/organisations/{org}/checkin")
    text = page.text
    assert f"Since the check-in of {today.isoformat()}" in text
    assert "Old idea from last month" not in text
    assert "Fresh idea from today" in text
    assert "Can you share handle times?" in text  # open questions, to follow up
    assert "Went through the refund backlog." in text  # past check-ins
    assert "the pack now starts there" in text


def test_record_defaults_to_today_on_the_form(client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    login_as(Role.PM)
    text = client.get(f"/organisations/{_org_id(vendor)}/checkin").text
    assert f'value="{utcnow().date().isoformat()}"' in text
    assert 'type="date"' in text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"held_on": ""}, "Give the day it was held as YYYY-MM-DD"),
        ({"held_on": "\uff12\uff10\uff12\uff16-01-05"}, "Give the day it was held as YYYY-MM-DD"),
        ({"held_on": "2026-02-30"}, "Give the day it was held as YYYY-MM-DD"),
        ({"held_on": "9999-12-31"}, "cannot be in the future"),
        ({"held_on": "1066-10-14"}, "Give a day from 2000-01-01 on."),
        ({"notes": "x" * 20_001}, "Notes are too long: at most 20,000 characters."),
        ({"open_questions": "q\n" * 51}, "List at most 50 questions"),
        ({"open_questions": "y" * 10_001}, "Questions are too long"),
        ({"notes": "bell \x07 here"}, "control characters"),
    ],
)
def test_hostile_input_is_refused_beside_the_field(
    app, client, login_as, make_user, fields, message
):
    vendor = make_user(Role.VENDOR)
    org = _org_id(vendor)
    login_as(Role.PM)
    data = {"held_on": "2026-01-05", "notes": "", "open_questions": "", **fields}
    response = client.submit(f"/organisations/{org}/checkin", data)
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert message in response.text
        assert 'class="error"' in response.text
    assert _checkins(app, org) == []


def test_nul_bytes_and_bad_ids_never_500(client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    login_as(Role.PM)
    org = _org_id(vendor)
    nul = client.submit(
        f"/organisations/{org}/checkin", {"held_on": "2026-01-05", "notes": "a\x00b"}
    )
    assert nul.status_code == 400
    assert client.get("/organisations/99999999999999999999/checkin").status_code == 404
    assert client.get("/organisations/-1/checkin").status_code == 404
    unknown = client.submit("/organisations/999999/checkin", {"held_on": "2026-01-05"})
    assert unknown.status_code == 404


def test_markdown_export_is_escaped_and_attached(
    app, client, login_as, make_organisation, make_user
):
    organisation = make_organisation(name="Acme | Moderation [EU]")
    vendor = make_user(Role.VENDOR, organisation_id=organisation.id)
    idea = add_idea(app, vendor, "# Close [spam](http://evil.example) | now")
    login_as(Role.PM)
    response = client.get(f"/organisations/{organisation.id}/checkin.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    today = utcnow().date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="checkin-acme-moderation-eu-{today}.md"'
    )
    text = response.text
    base = app.config["SETTINGS"].base_url.rstrip("/")
    assert text.startswith("# Check-in pack: Acme \\| Moderation \\[EU\\]\n")
    assert (
        f"[#{idea} \\# Close \\[spam\\]\\(http://evil.example\\) \\| now]"
        f"({base}/suggestions/{idea}) · New"
    ) in text
    assert "](http://evil.example)" not in text
    assert "## Decisions" in text
    assert "## Past check-ins" in text


def test_sections_show_decisions_deliveries_and_questions(app, client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    org = _org_id(vendor)
    pm = make_user(Role.PM)
    declined = add_idea(app, vendor, "Declined idea", status=Status.DECLINED)
    delivered = add_idea(
        app,
        vendor,
        "Delivered macro",
        status=Status.DELIVERED,
        age_days=200,
        delivered_at=datetime.now(UTC) - timedelta(days=20),
    )
    waiting_on_them = add_idea(app, vendor, "Needs their numbers", status=Status.UNDER_REVIEW)
    with db.session_scope(app) as session:
        session.add(
            StatusChange(
                suggestion_id=declined,
                actor_id=pm.id,
                from_status="new",
                to_status="declined",
                reason="Overlaps the spam rules",
            )
        )
        session.add(
            Benefit(
                suggestion_id=delivered,
                state=BenefitState.WAITING.value,
                expected=90.0,
                post_weeks=2,
                post_weeks_target=8,
            )
        )
    act(app, pm, engagement.add_comment, suggestion_id=waiting_on_them, body="What is the volume?")
    login_as(Role.VENDOR, organisation_id=org)
    text = client.get(f"/organisations/{org}/checkin").text
    assert "Declined</strong> by Pm" in text
    assert "Overlaps the spam rules" in text
    assert "Delivered macro" in text
    assert "expected 90 h/week; measuring, 2 of 8 weeks" in text
    assert "What is the volume?" in text


def test_pack_reads_a_flat_number_of_queries(app, client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    org = _org_id(vendor)
    login_as(Role.PM)

    def count_for(ideas: int) -> int:
        for number in range(ideas):
            made = add_idea(
                app,
                vendor,
                f"Idea {ideas}-{number}",
                status=Status.DELIVERED,
                delivered_at=datetime.now(UTC) - timedelta(days=3),
            )
            with db.session_scope(app) as session:
                session.add(Benefit(suggestion_id=made, expected=1.0, post_weeks_target=8))
        statements: list[str] = []
        engine = db.engine(app)

        def record(*_args: object) -> None:
            statements.append("x")

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(f"/organisations/{org}/checkin").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    assert count_for(2) == count_for(6)


def test_admin_organisations_links_vendor_packs(client, login_as, make_organisation):
    vendor = make_organisation(name="Acme Moderation")
    make_organisation(name="Internal ops", is_vendor=False)
    login_as(Role.ADMIN)
    text = client.get("/admin/organisations").text
    assert f"/organisations/{vendor.id}/checkin" in text
    assert text.count("Check-in pack") == 1


def test_print_button_and_stylesheet(client, login_as, make_user):
    vendor = make_user(Role.VENDOR)
    login_as(Role.PM)
    text = client.get(f"/organisations/{_org_id(vendor)}/checkin").text
    assert "data-print hidden>Print / save as PDF" in text
    assert "js/print.js" in text
    response = client.get("/static/css/app.css")
    css = response.text
    response.close()
    assert "@media print" in css
    assert ".checkin-record" in css
