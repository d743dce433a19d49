"""The PM panel through the HTTP client: workflow with history, scores with their formula and
snapshot, merges that count people once and can be undone, and sharing."""

from __future__ import annotations

import re

import pytest

from tests.helpers.pages import switch_to, vote_count
from tests.helpers.suggestions import act, stored, submit_idea
from tracker.models import Role, Status
from tracker.services.suggestions import decisions, engagement

RICE_400 = {"reach": "400", "impact": "2", "confidence": "80", "effort": "3"}


def history_rows(page: str) -> list[str]:
    table = page.split('<table class="history">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_each_move_of_the_workflow_is_kept_with_who_and_why(app, client, make_user, login_as):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.PM, display_name="Pat PM")
    moves = [
        ("under_review", "Looking into volumes"),
        ("parked", "Waiting for the Q3 tooling"),
        ("under_review", "Tooling landed"),
        ("new", "Back to the queue"),
        ("declined", "Policy forbids auto-closing"),
        ("under_review", "Policy changed"),
    ]
    for to, why in moves:
        response = client.submit(f"/suggestions/{idea}/status", {"to": to, "reason": why})
        assert response.status_code == 302, (to, response.text)
    assert client.submit(f"/suggestions/{idea}/score", RICE_400).status_code == 302
    assert client.submit(f"/suggestions/{idea}/status", {"to": "accepted"}).status_code == 302
    rows = history_rows(client.get(f"/suggestions/{idea}").text)
    assert rows[0].endswith("Submitted —")
    assert "Pat PM New → Under review Looking into volumes" in rows[1]
    assert "Under review → Parked Waiting for the Q3 tooling" in rows[2]
    assert "Parked → Under review Tooling landed" in rows[3]
    assert "Under review → New Back to the queue" in rows[4]
    assert "New → Declined Policy forbids auto-closing" in rows[5]
    assert "Declined → Under review Policy changed" in rows[6]
    assert "Under review → Accepted" in rows[7]
    assert len(rows) == 8

    refused = client.submit(f"/suggestions/{idea}/status", {"to": "declined", "reason": "No"})
    assert refused.status_code == 409
    assert "A suggestion that is accepted cannot become declined." in refused.text
    assert stored(app, idea).status is Status.ACCEPTED


MOVES = [
    (start, to)
    for start, targets in decisions.TRANSITIONS.items()
    for to in Status
    if to in targets
]


@pytest.mark.parametrize(("start", "to"), MOVES, ids=[f"{a.value}-{b.value}" for a, b in MOVES])
def test_every_allowed_move_is_offered_and_made(app, client, make_user, login_as, start, to):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    pm = login_as(Role.PM)
    act(app, pm, decisions.score, suggestion_id=idea, framework="rice", inputs=RICE_400)
    if start is not Status.NEW:
        act(app, pm, decisions.change_status, suggestion_id=idea, to=start, reason="Setup")
    page = client.get(f"/suggestions/{idea}").text
    select = page.split('<select id="to"', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'value="([a-z_]+)"', select)
    assert offered == [s.value for s in Status if s in decisions.TRANSITIONS[start]]
    response = client.submit(f"/suggestions/{idea}/status", {"to": to.value, "reason": "Because"})
    assert response.status_code == 302
    assert stored(app, idea).status is to
    last = history_rows(client.get(f"/suggestions/{idea}").text)[-1]
    assert f"{start.label} → {to.label} Because" in last


def test_a_decline_needs_a_reason_which_the_submitter_then_sees(app, client, make_user, login_as):
    author = make_user(Role.SUBMITTER)
    idea = submit_idea(app, author)
    login_as(Role.PM)
    refused = client.submit(f"/suggestions/{idea}/status", {"to": "declined", "reason": " "})
    assert refused.status_code == 422
    assert re.search(r'<p class="error" id="reason-error">Tell the submitter why', refused.text)
    assert 'aria-describedby="reason-error"' in refused.text
    assert stored(app, idea).status is Status.NEW

    reason = "Spam reports need a human check under the DSA."
    assert (
        client.submit(f"/suggestions/{idea}/status", {"to": "declined", "reason": reason})
    ).status_code == 302
    switch_to(client, author)
    mine = client.get("/suggestions/mine").text
    assert "Declined" in mine
    assert reason in mine
    assert (
        f'Why declined:</strong> <span class="text">{reason}'
        in client.get(f"/suggestions/{idea}").text
    )


def test_accepting_needs_a_score(app, client, make_user, login_as):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.PM)
    refused = client.submit(f"/suggestions/{idea}/status", {"to": "accepted", "reason": ""})
    assert refused.status_code == 422
    assert "score it first" in refused.text
    assert stored(app, idea).status is Status.NEW


def test_accepting_snapshots_the_score_that_later_rescoring_leaves_alone(
    app, client, make_user, login_as
):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.PM)
    assert client.submit(f"/suggestions/{idea}/score", RICE_400).status_code == 302
    assert "RICE = 400 x 2 x 80% / 3 = 213" in client.get(f"/suggestions/{idea}").text
    client.submit(f"/suggestions/{idea}/status", {"to": "accepted", "reason": "Cheap win"})
    rescored = {"reach": "100", "impact": "1", "confidence": "50", "effort": "1"}
    assert client.submit(f"/suggestions/{idea}/score", rescored).status_code == 302
    page = client.get(f"/suggestions/{idea}").text
    accepted = history_rows(page)[-1]
    assert "→ Accepted Cheap win" in accepted
    assert "Score at the decision: RICE = 400 x 2 x 80% / 3 = 213" in accepted
    score_section = page.split("<h2>Score</h2>", 1)[1].split("</p>", 1)[0]
    assert "RICE = 100 x 1 x 50% / 1 = 50" in score_section


def test_score_errors_name_each_input_and_keep_what_was_typed(app, client, make_user, login_as):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.PM)
    page = client.get(f"/suggestions/{idea}").text
    assert "Score (RICE)" in page
    assert "People or tickets affected per quarter" in page  # the input's help
    assert '<option value="0.25">0.25 - minimal</option>' in page  # its choices
    response = client.submit(
        f"/suggestions/{idea}/score",
        {"reach": "many", "impact": "2", "confidence": "80", "effort": "0"},
    )
    assert response.status_code == 422
    assert 'id="reach-error">Reach must be a number.' in response.text
    assert 'id="effort-error">Effort must be more than 0 person-months.' in response.text
    assert 'value="many"' in response.text
    assert stored(app, idea).score_value is None


def test_the_hours_saved_estimate_can_be_used_as_reach(app, client, make_user, login_as):
    idea = submit_idea(app, make_user(Role.SUBMITTER))  # 1,200 tickets x 4 min = 80 h/week
    login_as(Role.PM)
    page = client.get(f"/suggestions/{idea}").text
    assert "Use as reach (80)" in page
    response = client.submit(
        f"/suggestions/{idea}/score",
        {"reach": "", "impact": "2", "confidence": "80", "effort": "2", "use_estimate": "1"},
    )
    assert response.status_code == 302
    assert "RICE = 80 x 2 x 80% / 2 = 64" in client.get(f"/suggestions/{idea}").text


def test_merge_counts_a_person_once_and_unmerge_restores_both(app, client, make_user, login_as):
    target = submit_idea(app, make_user(Role.SUBMITTER), title="Auto-close spam dupes")
    duplicate = submit_idea(app, make_user(Role.SUBMITTER), title="Close spam duplicates")
    both, only_duplicate = make_user(Role.SUBMITTER), make_user(Role.SUBMITTER)
    act(app, both, engagement.vote, suggestion_id=target)
    act(app, both, engagement.vote, suggestion_id=duplicate, frequency="daily")
    act(app, only_duplicate, engagement.vote, suggestion_id=duplicate)
    act(app, only_duplicate, engagement.add_comment, suggestion_id=duplicate, body="Hit it today")
    login_as(Role.PM)
    assert vote_count(client.get(f"/suggestions/{target}").text) == 1
    assert vote_count(client.get(f"/suggestions/{duplicate}").text) == 2

    merged = client.submit(f"/suggestions/{duplicate}/merge", {"target_id": f"#{target}"})
    assert merged.status_code == 302
    page = client.get(f"/suggestions/{target}").text
    assert vote_count(page) == 2  # 3 if the person who voted on both counted twice
    assert page.count(f"<strong>{both.display_name}</strong>") == 1
    assert re.search(rf'from <a href="/suggestions/{duplicate}">#{duplicate}</a>', page)
    assert "Hit it today" in page
    assert "Merged duplicates" in page
    dup_page = client.get(f"/suggestions/{duplicate}").text
    assert 'class="banner"' in dup_page
    assert re.search(
        rf'Duplicate of <a href="/suggestions/{target}">#{target} Auto-close', dup_page
    )

    assert client.submit(f"/suggestions/{duplicate}/unmerge").status_code == 302
    assert vote_count(client.get(f"/suggestions/{target}").text) == 1
    dup_page = client.get(f"/suggestions/{duplicate}").text
    assert vote_count(dup_page) == 2
    assert 'class="banner"' not in dup_page
    assert "Duplicate → New Merge undone" in history_rows(dup_page)[-1]
    assert stored(app, duplicate).status is Status.NEW
    assert "Hit it today" not in client.get(f"/suggestions/{target}").text


def test_merge_form_names_a_bad_target(app, client, make_user, login_as):
    idea = submit_idea(app, make_user(Role.SUBMITTER))
    login_as(Role.PM)
    for typed, message in (
        ("soon", "Enter the number of the idea this one duplicates"),
        ("999", "There is no suggestion #999."),
        (str(idea), "Choose a different suggestion."),
    ):
        response = client.submit(f"/suggestions/{idea}/merge", {"target_id": typed})
        assert response.status_code == 422, typed
        assert re.search(rf'id="target_id-error">{re.escape(message)}', response.text), typed
    assert stored(app, idea).status is Status.NEW
    refused = client.submit(f"/suggestions/{idea}/unmerge")
    assert refused.status_code == 409
    assert f"#{idea} is not merged into anything." in refused.text


def test_pms_share_with_vendors_or_mark_confidential(app, client, make_user, login_as):
    idea = submit_idea(app, make_user(Role.SUBMITTER), title="Internal macro cleanup")
    vendor = make_user(Role.VENDOR)
    pm = login_as(Role.PM)
    shared = client.submit(f"/suggestions/{idea}/sharing", {"shared_with_vendors": "y"})
    assert shared.status_code == 302
    switch_to(client, vendor)
    assert client.get(f"/suggestions/{idea}").status_code == 200
    assert "Decide" not in client.get(f"/suggestions/{idea}").text
    switch_to(client, pm)
    both = {"confidential": "y", "shared_with_vendors": "y"}
    assert client.submit(f"/suggestions/{idea}/sharing", both).status_code == 302
    assert stored(app, idea).shared_with_vendors is False  # confidential wins
    switch_to(client, vendor)
    assert client.get(f"/suggestions/{idea}").status_code == 404
    switch_to(client, make_user(Role.STAKEHOLDER))
    assert client.get(f"/suggestions/{idea}").status_code == 404


def test_history_names_the_actor_even_for_merges(app, client, make_user, login_as):
    target = submit_idea(app, make_user(Role.SUBMITTER))
    duplicate = submit_idea(app, make_user(Role.SUBMITTER))
    merger = make_user(Role.PM, display_name="Mo Merger")
    act(app, merger, decisions.merge, duplicate_id=duplicate, target_id=target)
    login_as(Role.SUBMITTER)
    rows = history_rows(client.get(f"/suggestions/{duplicate}").text)
    assert f"Mo Merger New → Duplicate Duplicate of #{target}" in rows[-1]
