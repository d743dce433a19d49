"""The "Next steps" block on an accepted idea's page: generate stories, add to an initiative."""

from __future__ import annotations

import re

from flask import Flask

from tests.helpers.client import TrackerClient
from tests.helpers.stories import initiative_with, ready_draft, stored
from tests.helpers.suggestions import accepted_idea
from tracker.models import Role, Status


def _block(page: str) -> str:
    found = re.search(r'<section class="card next-steps".*?</section>', page, re.S)
    return found.group() if found else ""


def test_a_pm_generates_stories_from_the_accepted_ideas_page(
    app: Flask, client: TrackerClient, login_as
) -> None:
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm, proposed_change="Add a batch action to close spam for QA.")

    block = _block(client.get(f"/suggestions/{idea}").text)

    assert 'aria-labelledby="next-steps-heading"' in block
    assert f'action="/stories/generate/{idea}"' in block
    assert ">Generate stories</button>" in block
    assert f'href="/initiatives?suggestion_id={idea}">Add to initiative</a>' in block

    response = client.submit(f"/stories/generate/{idea}")
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 2)[-2])
    draft = stored(app, draft_id)
    assert draft.suggestion_id == idea
    assert draft.want == "to add a batch action to close spam for QA"


def test_an_idea_already_in_an_initiative_links_to_it(
    app: Flask, client: TrackerClient, login_as
) -> None:
    pm = login_as(Role.PM)
    draft_id = ready_draft(app, pm, "Route appeals")
    initiative_id = initiative_with(app, pm, draft_id, name="Faster appeals")

    block = _block(client.get(f"/suggestions/{stored(app, draft_id).suggestion_id}").text)

    assert f'<a href="/initiatives/{initiative_id}">Faster appeals</a>' in block
    assert "Add to initiative" not in block
    assert "Generate stories" in block


def test_no_next_steps_before_acceptance_or_for_readers(
    app: Flask, client: TrackerClient, login_as
) -> None:
    pm = login_as(Role.PM)
    reviewed = accepted_idea(app, pm, "Still under review", status=Status.UNDER_REVIEW)
    assert _block(client.get(f"/suggestions/{reviewed}").text) == ""

    accepted = accepted_idea(app, pm, "Accepted already")
    client.submit("/logout")
    login_as(Role.STAKEHOLDER)
    page = client.get(f"/suggestions/{accepted}")
    assert page.status_code == 200
    assert _block(page.text) == ""
