"""Initiatives through the web: create and edit, health, suggestions joining, who sees what."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from tests.helpers.pages import text_of
from tests.helpers.stories import generate, stored
from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import Initiative, Role, Status, Suggestion


def create(client: Any, **changes: Any) -> Any:
    form = {"name": "Scam routing", "goal": "Appeals reach specialists first.", "owner_id": ""}
    form.update(changes)
    return client.submit("/initiatives/new", form)


def initiative_id(response: Any) -> int:
    assert response.status_code == 302, response.text
    match = re.search(r"/initiatives/(\d+)$", response.headers["Location"])
    assert match
    return int(match.group(1))


def suggestion(app: Any, suggestion_id: int) -> Suggestion:
    with db.session_scope(app) as session:
        found = session.get(Suggestion, suggestion_id)
        assert found is not None
        return found


def test_pm_creates_an_initiative_that_is_listed(app, client, login_as, make_user):
    pm = login_as(Role.PM)
    lead = make_user(Role.STAKEHOLDER, display_name="Lena Lead")
    agent = make_user(Role.SUBMITTER, display_name="Ari Agent")
    form_page = client.get("/initiatives/new").text
    assert "Lena Lead" in form_page
    assert f'<option selected value="{pm.id}">' in form_page

    created = initiative_id(
        create(
            client,
            owner_id=str(pm.id),
            target_date="2031-03-31",
            stakeholder_ids=[str(lead.id), str(agent.id)],
        )
    )

    detail = text_of(client.get(f"/initiatives/{created}").text)
    assert "Appeals reach specialists first." in detail
    assert f"Owner {pm.display_name}" in detail
    assert "Target date 2031-03-31" in detail
    assert "Stakeholders Ari Agent, Lena Lead" in detail
    listing = text_of(client.get("/initiatives").text)
    assert f"Scam routing {pm.display_name} 2031-03-31 On track 0 0 not yet in Jira" in listing


def test_every_field_error_is_named(app, client, login_as, make_user):
    pm = login_as(Role.PM)
    stakeholder = make_user(Role.STAKEHOLDER, display_name="Sam Stake")
    initiative_id(create(client, owner_id=str(pm.id)))

    duplicate = create(client, name="scam ROUTING", owner_id=str(pm.id))
    assert duplicate.status_code == 422
    assert (
        "An initiative called &#39;Scam routing&#39; already exists; choose another name."
        in duplicate.text
    )
    not_pm = create(client, name="Other", owner_id=str(stakeholder.id))
    assert not_pm.status_code == 422
    assert (
        "The owner must be a product manager or an administrator; Sam Stake is stakeholder "
        "(read-only)." in not_pm.text
    )
    bad_date = create(client, name="Other", owner_id=str(pm.id), target_date="2031-02-30")
    assert bad_date.status_code == 422
    assert "Enter the target date as YYYY-MM-DD, e.g. 2025-09-30." in bad_date.text
    assert 'value="2031-02-30"' in bad_date.text  # what was typed stays
    no_name = create(client, name=" ", owner_id=str(pm.id))
    assert no_name.status_code == 422
    assert "Give the initiative a name." in no_name.text
    with db.session_scope(app) as session:
        assert [i.name for i in session.exec(select(Initiative)).all()] == ["Scam routing"]


def test_edit_keeps_its_own_name_and_changes_stakeholders(app, client, login_as, make_user):
    pm = login_as(Role.PM)
    first = make_user(Role.STAKEHOLDER, display_name="First Person")
    second = make_user(Role.STAKEHOLDER, display_name="Second Person")
    created = initiative_id(create(client, owner_id=str(pm.id), stakeholder_ids=[str(first.id)]))

    response = client.submit(
        f"/initiatives/{created}/edit",
        {
            "name": "Scam routing",
            "goal": "New goal",
            "owner_id": str(pm.id),
            "stakeholder_ids": [str(second.id)],
        },
    )

    assert response.status_code == 302
    detail = text_of(client.get(f"/initiatives/{created}").text)
    assert "New goal" in detail
    assert "Stakeholders Second Person" in detail
    assert "First Person" not in detail


def test_health_change_with_note_shows_on_the_list(app, client, login_as):
    pm = login_as(Role.PM)
    created = initiative_id(create(client, owner_id=str(pm.id)))

    silent = client.submit(f"/initiatives/{created}/health", {"health": "at_risk", "note": ""})
    assert silent.status_code == 422
    assert "Say what makes it at risk; stakeholders read this." in silent.text

    response = client.submit(
        f"/initiatives/{created}/health",
        {"health": "at_risk", "note": "Routing rules wait on the vendor's API."},
    )
    assert response.status_code == 302
    listing = client.get("/initiatives").text
    assert '<span class="health health-at_risk">At risk</span>' in listing
    assert "Routing rules wait on the vendor&#39;s API." in listing


def test_only_accepted_suggestions_join_and_their_drafts_follow(app, client, login_as):
    pm = login_as(Role.PM)
    created = initiative_id(create(client, owner_id=str(pm.id)))
    accepted = accepted_idea(app, pm, "Accepted idea")
    fresh = accepted_idea(app, pm, "Brand new idea", status=Status.NEW)
    draft_id = generate(client, accepted)
    detail = client.get(f"/initiatives/{created}").text
    assert f'<option value="{accepted}">#{accepted} Accepted idea</option>' in detail
    assert "Brand new idea" not in detail

    refused = client.submit(f"/initiatives/{created}/suggestions", {"suggestion_id": str(fresh)})
    assert refused.status_code == 409
    assert f"Only accepted suggestions can join an initiative; #{fresh} is new." in refused.text
    assert suggestion(app, fresh).initiative_id is None

    added = client.submit(f"/initiatives/{created}/suggestions", {"suggestion_id": str(accepted)})
    assert added.status_code == 302
    assert suggestion(app, accepted).initiative_id == created
    assert stored(app, draft_id).initiative_id == created
    page = text_of(client.get(f"/initiatives/{created}").text)
    assert f"Suggestions (1) Suggestion Status Score Actions #{accepted} Accepted idea" in page
    assert "Story drafts (1) Accepted idea draft" in page
    assert "Scam routing" in text_of(client.get("/initiatives").text)
    assert f"{pm.display_name} — On track 1 1" in text_of(client.get("/initiatives").text)
    later = generate(client, accepted)
    assert stored(app, later).initiative_id == created  # new drafts join too

    removed = client.submit(f"/initiatives/{created}/suggestions/{accepted}/remove")
    assert removed.status_code == 302
    assert suggestion(app, accepted).initiative_id is None
    assert stored(app, draft_id).initiative_id is None
    again = client.submit(f"/initiatives/{created}/suggestions/{accepted}/remove")
    assert again.status_code == 409
    assert "is not part of" in again.text


def test_a_suggestion_belongs_to_one_initiative(app, client, login_as):
    pm = login_as(Role.PM)
    first = initiative_id(create(client, owner_id=str(pm.id)))
    second = initiative_id(create(client, name="Second", owner_id=str(pm.id)))
    idea = accepted_idea(app, pm)
    client.submit(f"/initiatives/{first}/suggestions", {"suggestion_id": str(idea)})

    response = client.submit(f"/initiatives/{second}/suggestions", {"suggestion_id": str(idea)})

    assert response.status_code == 409
    assert "already belongs to the initiative &#39;Scam routing&#39;" in response.text


def test_readers_see_only_visible_suggestions_and_no_manage_forms(app, client, login_as, make_user):
    pm = make_user(Role.PM)
    pm_client = app.test_client()
    pm_client.login(pm.email)
    created = initiative_id(create(pm_client, owner_id=str(pm.id)))
    for title, confidential in (("Open idea", False), ("Secret idea", True)):
        idea = accepted_idea(app, pm, title, confidential=confidential)
        pm_client.submit(f"/initiatives/{created}/suggestions", {"suggestion_id": str(idea)})
    assert "2 0 not yet in Jira" in text_of(pm_client.get("/initiatives").text)
    login_as(Role.SUBMITTER)

    detail = client.get(f"/initiatives/{created}").text
    assert "Open idea" in detail
    assert "Secret idea" not in detail
    assert "Set health" not in detail
    assert "Add a suggestion" not in detail
    assert "Story drafts" not in detail  # submitters do not see stories
    assert "1 0 not yet in Jira" in text_of(client.get("/initiatives").text)
    assert client.get(f"/initiatives/{created}/edit").status_code == 403
    assert client.submit(f"/initiatives/{created}/health", {"health": "off_track"}).status_code == (
        403
    )


def test_vendor_gets_403_on_initiatives(client, login_as):
    login_as(Role.VENDOR)
    assert client.get("/initiatives").status_code == 403
    assert client.get("/initiatives/1").status_code == 403
    assert "Initiatives" not in client.get("/").text
