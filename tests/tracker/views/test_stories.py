"""Story drafts through the web: generate, edit, lint, mark ready, preview, delete."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select

from tests.helpers.accounts import PASSWORD
from tests.helpers.client import TrackerClient
from tests.helpers.pages import text_of
from tests.helpers.stories import generate, stored
from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import DraftState, Role, Status, StoryDraft, User
from tracker.services.accounts import users


def drafts_of(app: Any, suggestion_id: int) -> list[StoryDraft]:
    with db.session_scope(app) as session:
        query = select(StoryDraft).where(StoryDraft.suggestion_id == suggestion_id)
        return list(session.exec(query.order_by(col(StoryDraft.id))).all())


def edit_form(draft: StoryDraft, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser would send it, with the draft's values and `changes`."""
    form: dict[str, Any] = {
        "summary": draft.summary,
        "role": draft.role,
        "want": draft.want,
        "benefit": draft.benefit,
        "context": draft.context,
        "story_points": "" if draft.story_points is None else str(draft.story_points),
        "labels": ", ".join(draft.labels),
        "components": ", ".join(draft.components),
        "priority": draft.priority,
    }
    rows = changes.pop("criteria", draft.acceptance_criteria)
    for index, row in enumerate([*rows, {}, {}, {}]):
        for part in ("given", "when", "then"):
            form[f"criteria-{index}-{part}"] = row.get(part, "")
    form.update(changes)
    return form


# --- generating --------------------------------------------------------------------------------


def test_generate_from_an_accepted_rice_scored_suggestion(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)

    draft_id = generate(client, idea)

    draft = stored(app, draft_id)
    assert draft.summary == "Route scam appeals to the specialist queue"
    assert (draft.role, draft.want, draft.benefit) == (
        "support agent",
        "scam appeals routed straight to the specialist queue",
        "we save about 80 agent hours a week",
    )
    assert draft.acceptance_criteria == [
        {
            "given": "a ticket in the Scam appeals queue",
            "when": "an agent handles it after the change is live",
            "then": "the agent finishes it without the manual step",
        },
        {
            "given": "the change has been live for a full week",
            "when": "handle time in the Scam appeals queue is measured",
            "then": "handle time for these tickets drops from 12 min towards 8 min",
        },
    ]
    assert draft.story_points == 3  # RICE effort of 1 person-month
    assert draft.labels == ["initiative-tracker"]
    assert draft.priority == "Highest"  # the only accepted idea is the best one
    assert draft.state == DraftState.DRAFT.value
    assert "1,200 tickets/week x 4 min / 60 = 80 agent hours/week" in draft.context
    page = text_of(client.get(f"/stories/{draft_id}").text)
    assert (
        "As a support agent, I want scam appeals routed straight to the specialist queue, "
        "so that we save about 80 agent hours a week." in page
    )
    assert "All checks pass." in page


def test_priority_follows_the_score_rank(app, client, login_as):
    pm = login_as(Role.PM)
    ideas = [
        accepted_idea(app, pm, f"Idea reaching {reach}", reach=reach)
        for reach in (100, 400, 300, 200)
    ]
    priorities = {
        reach: stored(app, generate(client, idea)).priority
        for reach, idea in zip((100, 400, 300, 200), ideas, strict=True)
    }
    assert priorities == {400: "Highest", 300: "High", 200: "Medium", 100: "Low"}


def test_points_follow_the_configured_scale(make_app, database_url):
    app = make_app(database_url, stories={"points_scale": [1, 2, 4, 8]})
    client = _client_as(app, Role.PM)
    pm = _user(app, "pm@example.com")
    idea = accepted_idea(app, pm, effort=1)  # 3 points ideal, nearest on this scale (tie) is 4
    assert stored(app, generate(client, idea)).story_points == 4


def test_only_accepted_suggestions_become_stories(app, client, login_as):
    pm = login_as(Role.PM)
    fresh = accepted_idea(app, pm, status=Status.NEW)
    delivering = accepted_idea(app, pm, "Already in delivery", status=Status.IN_DELIVERY)

    refused = client.submit(f"/stories/generate/{fresh}")

    assert refused.status_code == 409
    assert f"Only accepted suggestions become stories; #{fresh} is new." in refused.text
    assert drafts_of(app, fresh) == []
    assert stored(app, generate(client, delivering)).summary == "Already in delivery"


def test_generate_from_the_stories_page_and_again(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm, "Pick me from the list")
    listing = client.get("/stories")
    assert "Generate from accepted suggestion" in listing.text
    assert f'<option value="{idea}">#{idea} Pick me from the list</option>' in listing.text

    response = client.submit("/stories/generate", {"suggestion_id": str(idea)})
    assert response.status_code == 302
    assert f'<option value="{idea}">' not in client.get("/stories").text  # it has a draft now

    generate(client, idea)  # a second generate makes another draft
    assert len(drafts_of(app, idea)) == 2
    missing = client.submit("/stories/generate", {"suggestion_id": ""})
    assert missing.status_code == 422
    assert "Choose a suggestion." in missing.text


def _user(app: Any, email: str) -> User:
    with db.session_scope(app) as session:
        return users.find_user_by_email(session, email)


def _client_as(app: Any, role: Role) -> TrackerClient:
    with db.session_scope(app) as session:
        users.create_user(
            session,
            actor=None,
            email=f"{role.value}@example.com",
            display_name=role.value,
            password=PASSWORD,
            role=role,
        )
    app.test_client_class = TrackerClient
    client = app.test_client()
    assert isinstance(client, TrackerClient)
    assert client.login(f"{role.value}@example.com").status_code == 302
    return client


def test_broken_templates_are_reported_naming_the_config_key(make_app, database_url):
    app = make_app(
        database_url,
        stories={
            "want_template": "{{ suggestion.proposed_chnage }}",
            "benefit_template": "{% if hours_saved %}unclosed",
        },
    )
    client = _client_as(app, Role.PM)
    idea = accepted_idea(app, _user(app, "pm@example.com"))

    response = client.submit(f"/stories/generate/{idea}")

    assert response.status_code == 422
    assert (
        "Config key &#39;stories.want_template&#39; uses something that is not defined "
        "(suggestion has no attribute &#39;proposed_chnage&#39;)" in response.text
    )
    assert drafts_of(app, idea) == []

    app.config["SETTINGS"].stories.want_template = "{{ suggestion.proposed_change }}"
    response = client.submit(f"/stories/generate/{idea}")
    assert response.status_code == 422
    assert "Config key &#39;stories.benefit_template&#39; is not a valid template" in response.text


# --- editing, lint and ready -------------------------------------------------------------------


def test_mark_ready_refused_then_fixed_by_editing_then_accepted(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    draft = stored(app, draft_id)
    assert client.submit(f"/stories/{draft_id}/edit", edit_form(draft, benefit="")).status_code == (
        302
    )

    refused = client.submit(f"/stories/{draft_id}/ready")

    assert refused.status_code == 422
    assert "Not ready yet: 1 problem(s) to fix first." in refused.text
    assert re.search(
        r'id="benefit"[^>]*>\s*</textarea>\s*<p class="hint">Why it matters.</p>\s*'
        r'<p class="error" id="benefit-error">Say why it matters \(so that ...\).</p>',
        refused.text,
    ), "the problem is shown next to the benefit field"
    assert stored(app, draft_id).state == DraftState.DRAFT.value

    fixed = client.submit(
        f"/stories/{draft_id}/edit",
        edit_form(draft, benefit="agents re-route 1,200 fewer appeals a week"),
    )
    assert fixed.status_code == 302
    assert client.submit(f"/stories/{draft_id}/ready").status_code == 302
    assert stored(app, draft_id).state == DraftState.READY.value
    assert "Ready" in client.get("/stories?state=ready").text


def test_editing_a_ready_draft_into_a_broken_one_moves_it_back_to_draft(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    assert client.submit(f"/stories/{draft_id}/ready").status_code == 302
    draft = stored(app, draft_id)

    still_fine = client.submit(f"/stories/{draft_id}/edit", edit_form(draft, summary="Shorter"))
    assert still_fine.status_code == 302
    assert stored(app, draft_id).state == DraftState.READY.value

    broken = client.submit(
        f"/stories/{draft_id}/edit", edit_form(draft, want="a <role> can route", criteria=[])
    )
    assert broken.status_code == 302
    assert stored(app, draft_id).state == DraftState.DRAFT.value
    page = client.get(broken.headers["Location"]).text
    assert "went back to draft" in page
    assert "Add at least one acceptance criterion." in page
    assert "Want still has the placeholder &#39;&lt;role&gt;&#39;; fill it in." in page


def test_missing_criteria_are_shown_above_the_rows(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    client.submit(f"/stories/{draft_id}/edit", edit_form(stored(app, draft_id), criteria=[]))

    refused = client.submit(f"/stories/{draft_id}/ready")

    assert refused.status_code == 422
    assert '<p class="error" id="criteria-error">Add at least one acceptance criterion.</p>' in (
        refused.text
    )


def test_labels_with_spaces_are_refused_and_nothing_is_lost(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    draft = stored(app, draft_id)

    response = client.submit(
        f"/stories/{draft_id}/edit",
        edit_form(draft, summary="My new summary", labels="ops, quick win"),
    )

    assert response.status_code == 422
    assert "Labels cannot contain spaces (Jira rejects them): &#39;quick win&#39;" in response.text
    assert 'id="labels-error"' in response.text
    assert 'value="My new summary"' in response.text
    assert 'value="ops, quick win"' in response.text
    assert stored(app, draft_id).labels == ["initiative-tracker"]


def test_everything_stays_editable_after_generation(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    draft = stored(app, draft_id)
    form_page = client.get(f"/stories/{draft_id}/edit").text
    assert form_page.count('name="criteria-') == 3 * (2 + 3)  # two rows plus three empty ones

    rows = [
        {"given": "", "when": "", "then": ""},  # first row cleared: removed
        dict(draft.acceptance_criteria[1]),
        {"given": "a new appeal", "when": "it is tagged", "then": "it is routed"},  # added
    ]
    response = client.submit(
        f"/stories/{draft_id}/edit",
        edit_form(
            draft,
            summary="  Route   appeals  ",
            role="fraud ops lead",
            want="appeals routed",
            benefit="nobody re-routes by hand",
            context="New context",
            criteria=rows,
            story_points="8",
            labels="ops, fraud,ops",
            components="Routing, Queues",
            priority="Low",
        ),
    )

    assert response.status_code == 302
    saved = stored(app, draft_id)
    assert (saved.summary, saved.role, saved.want, saved.benefit, saved.context) == (
        "Route appeals",
        "fraud ops lead",
        "appeals routed",
        "nobody re-routes by hand",
        "New context",
    )
    assert saved.acceptance_criteria == [rows[1], rows[2]]
    assert (saved.story_points, saved.priority) == (8, "Low")
    assert (saved.labels, saved.components) == (["ops", "fraud"], ["Routing", "Queues"])


def test_points_and_priority_must_come_from_config(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    response = client.submit(
        f"/stories/{draft_id}/edit",
        edit_form(stored(app, draft_id), story_points="4", priority="Blocker"),
    )
    assert response.status_code == 422
    assert "Choose story points from the scale 1, 2, 3, 5, 8, 13." in response.text
    assert "Choose one of: Highest, High, Medium, Low." in response.text


# --- preview, lists, delete, roles --------------------------------------------------------------


def test_preview_shows_escaped_wiki_and_cloud_html_with_criteria_and_source_link(
    app, client, login_as
):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    draft_id = generate(client, idea)
    draft = stored(app, draft_id)
    client.submit(
        f"/stories/{draft_id}/edit",
        edit_form(draft, want="refunds & <script>alert(1)</script> {macro}", labels="ops"),
    )

    page = client.get(f"/stories/{draft_id}/preview")

    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    # Data Center: the wiki markup itself, HTML-escaped inside <pre>.
    assert "*I want* refunds &amp; &lt;script&gt;alert(1)&lt;/script&gt; \\{macro\\}, " in page.text
    assert (
        "# *Given* a ticket in the Scam appeals queue *When* an agent handles it after the change "
        "is live *Then*" in page.text
    )
    source = f"http://127.0.0.1:5000/suggestions/{idea}"
    assert f"[Suggestion #{idea}: Route scam appeals to the specialist queue|{source}]" in (
        page.text
    )
    # Cloud: the ADF rendered as HTML.
    assert '<h2 id="cloud-heading">Jira Cloud</h2>' in page.text
    assert (
        "<ol><li><p><strong>Given</strong> a ticket in the Scam appeals queue "
        "<strong>When</strong> an agent handles it after the change is live "
        "<strong>Then</strong>" in page.text
    )
    assert f'<a href="{source}" rel="noopener noreferrer">Suggestion #{idea}:' in page.text
    assert "refunds &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page.text.split("Jira Cloud")[2]
    facts = text_of(page.text.split('class="preview-pair"')[0])
    assert "Story points 3 Priority Highest Labels ops" in facts


def test_list_filters_by_state_and_initiative_and_counts_problems(app, client, login_as):
    from tracker.services.stories import initiatives

    pm = login_as(Role.PM)
    first = generate(client, accepted_idea(app, pm, "First idea"))
    second = generate(client, accepted_idea(app, pm, "Second idea"))
    client.submit(f"/stories/{first}/ready")
    client.submit(f"/stories/{second}/edit", edit_form(stored(app, second), role="", benefit=""))
    with db.session_scope(app) as session:
        actor = users.get_user(session, pm.id or 0)
        initiative = initiatives.create_initiative(
            session,
            actor=actor,
            data=initiatives.InitiativeInput(
                name="Scam routing", goal="", owner_id=pm.id, target_date=None
            ),
        )
        initiatives.add_suggestion(
            session,
            actor=actor,
            initiative_id=initiative.id or 0,
            suggestion_id=stored(app, second).suggestion_id,
        )
        initiative_id = initiative.id

    everything = text_of(client.get("/stories").text)
    assert "2 drafts." in everything
    assert "Second idea #" in everything
    assert "Scam routing Draft 2 3 Highest" in everything
    ready = client.get("/stories?state=ready").text
    assert "First idea" in ready
    assert "Second idea" not in ready
    in_initiative = client.get(f"/stories?initiative={initiative_id}").text
    assert "Second idea" in in_initiative
    assert "First idea" not in in_initiative


def test_delete_asks_first_and_removes_the_draft(app, client, login_as):
    pm = login_as(Role.PM)
    draft_id = generate(client, accepted_idea(app, pm))
    page = client.get(f"/stories/{draft_id}").text
    assert 'data-confirm="Delete this story draft? This cannot be undone."' in page

    response = client.submit(f"/stories/{draft_id}/delete")

    assert response.status_code == 302
    assert client.get(f"/stories/{draft_id}").status_code == 404


def test_stakeholder_reads_and_previews_but_cannot_change(app, client, login_as, make_user):
    pm = make_user(Role.PM)
    idea = accepted_idea(app, pm)
    pm_client = app.test_client()
    pm_client.login(pm.email)
    draft_id = generate(pm_client, idea)
    login_as(Role.STAKEHOLDER)

    assert "Route scam appeals" in client.get("/stories").text
    detail = client.get(f"/stories/{draft_id}")
    assert detail.status_code == 200
    assert "Mark ready" not in detail.text
    assert "Delete draft" not in detail.text
    assert "Generate from accepted suggestion" not in client.get("/stories").text
    assert client.get(f"/stories/{draft_id}/preview").status_code == 200
    assert client.get(f"/stories/{draft_id}/edit").status_code == 403
    assert client.submit(f"/stories/{draft_id}/edit", {"summary": "x"}).status_code == 403
    assert client.submit(f"/stories/generate/{idea}").status_code == 403
    assert client.submit(f"/stories/{draft_id}/ready").status_code == 403
    assert client.submit(f"/stories/{draft_id}/delete").status_code == 403
    assert stored(app, draft_id).state == DraftState.DRAFT.value


def test_drafts_of_confidential_suggestions_stay_hidden_from_stakeholders(
    app, client, login_as, make_user
):
    pm = make_user(Role.PM)
    secret = accepted_idea(app, pm, "Secret staffing change", confidential=True)
    pm_client = app.test_client()
    pm_client.login(pm.email)
    draft_id = generate(pm_client, secret)
    login_as(Role.STAKEHOLDER)

    # The PM's list names the draft, so its absence below is the stakeholder's view, not a typo.
    assert "Secret staffing change" in pm_client.get("/stories").text
    listing = client.get("/stories")
    assert listing.status_code == 200
    assert "Secret staffing change" not in listing.text
    assert client.get(f"/stories/{draft_id}").status_code == 404
    assert client.get(f"/stories/{draft_id}/preview").status_code == 404
