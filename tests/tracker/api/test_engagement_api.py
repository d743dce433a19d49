"""Votes, comments and watching through /api/v1, counted once per person across merges."""

from __future__ import annotations

import pytest

from tracker.models import Role


def _vote(client, suggestion_id, headers, **body):
    return client.post(f"/api/v1/suggestions/{suggestion_id}/votes", json=body, headers=headers)


def test_a_person_counts_once_however_often_they_vote(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, voter = api_user(Role.SUBMITTER)
    _, other = api_user(Role.PM)
    suggestion_id = seed(author)
    first = _vote(client, suggestion_id, voter, frequency="daily")
    assert first.status_code == 200, first.text
    assert first.get_json() == {
        "suggestion_id": suggestion_id,
        "vote_count": 1,
        "comment_count": 0,
        "voted": True,
        "watching": True,
    }
    again = _vote(client, suggestion_id, voter, frequency="weekly", note="Every Monday")
    assert again.get_json()["vote_count"] == 1
    assert _vote(client, suggestion_id, other).get_json()["vote_count"] == 2
    withdrawn = client.delete(f"/api/v1/suggestions/{suggestion_id}/votes", headers=voter)
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["vote_count"] == 1
    assert withdrawn.get_json()["voted"] is False
    url = f"/api/v1/suggestions/{suggestion_id}"
    assert client.get(url, headers=other).get_json()["vote_count"] == 1


def test_counts_stay_exact_across_merge_and_unmerge(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    _, alice = api_user(Role.SUBMITTER)
    _, bob = api_user(Role.SUBMITTER)
    _, carol = api_user(Role.SUBMITTER)
    target = seed(author, title="Refund receipts")
    duplicate = seed(author, title="Receipts for refunds")
    _vote(client, target, alice)
    _vote(client, target, bob)
    _vote(client, duplicate, bob)  # bob voted on both: one person
    _vote(client, duplicate, carol)
    client.post(
        f"/api/v1/suggestions/{duplicate}/comments", json={"body": "Same here"}, headers=carol
    )

    merged = client.post(
        f"/api/v1/suggestions/{duplicate}/merge",
        json={"target_id": target, "reason": "Same idea"},
        headers=pm,
    )
    assert merged.status_code == 200, merged.text
    assert merged.get_json()["id"] == target
    assert merged.get_json()["vote_count"] == 3  # alice, bob, carol
    assert merged.get_json()["comment_count"] == 1
    # Voting on the duplicate now lands on the target, and bob still counts once.
    assert _vote(client, duplicate, bob).get_json() == {
        "suggestion_id": target,
        "vote_count": 3,
        "comment_count": 1,
        "voted": True,
        "watching": True,
    }
    comments = client.get(f"/api/v1/suggestions/{duplicate}/comments", headers=alice).get_json()
    assert [comment["body"] for comment in comments] == ["Same here"]

    restored = client.post(f"/api/v1/suggestions/{duplicate}/unmerge", headers=pm)
    assert restored.status_code == 200, restored.text
    assert restored.get_json()["status"] == "new"
    assert restored.get_json()["vote_count"] == 2  # bob, carol
    assert restored.get_json()["comment_count"] == 1
    target_now = client.get(f"/api/v1/suggestions/{target}", headers=pm).get_json()
    assert target_now["vote_count"] == 2  # alice, bob
    assert target_now["comment_count"] == 0


def test_comments_are_listed_oldest_first_with_their_authors(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    commenter, headers = api_user(Role.SUBMITTER, display_name="Sam Agent")
    _, reader = api_user(Role.STAKEHOLDER)
    suggestion_id = seed(author)
    url = f"/api/v1/suggestions/{suggestion_id}/comments"
    created = client.post(url, json={"body": "We see this **daily**."}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith(url)
    body = created.get_json()
    assert body["author_id"] == commenter.id
    assert body["author_name"] == "Sam Agent"
    assert body["body"] == "We see this **daily**."
    client.post(url, json={"body": "Second"}, headers=headers)
    listed = client.get(url, headers=reader)
    assert listed.status_code == 200
    assert [comment["body"] for comment in listed.get_json()] == [
        "We see this **daily**.",
        "Second",
    ]
    detail = client.get(f"/api/v1/suggestions/{suggestion_id}", headers=reader).get_json()
    assert detail["comment_count"] == 2


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("comments", {"body": "   "}, "body"),
        ("comments", {}, "body"),
        ("comments", {"body": 42}, "body"),
        ("votes", {"frequency": "hourly"}, "frequency"),
        ("votes", {"note": "x" * 501}, "note"),
        ("votes", {"weight": 10}, "weight"),
        ("watch", {"watching": "sometimes"}, "watching"),
    ],
)
def test_bad_engagement_input_names_the_field(client, api_user, seed, path, body, field):
    author, headers = api_user(Role.SUBMITTER)
    suggestion_id = seed(author)
    response = client.post(
        f"/api/v1/suggestions/{suggestion_id}/{path}", json=body, headers=headers
    )
    assert response.status_code == 422, response.text
    assert field in response.get_json()["fields"]
    detail = client.get(f"/api/v1/suggestions/{suggestion_id}", headers=headers).get_json()
    assert (detail["vote_count"], detail["comment_count"]) == (0, 0)


def test_watching_can_be_switched_off_and_on(client, api_user, seed):
    author, headers = api_user(Role.SUBMITTER)
    url = f"/api/v1/suggestions/{seed(author)}/watch"
    off = client.post(url, json={"watching": False}, headers=headers)
    assert off.status_code == 200
    assert off.get_json()["watching"] is False
    on = client.post(url, json={"watching": True}, headers=headers)
    assert on.get_json()["watching"] is True


def test_votes_close_once_an_idea_is_declined(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, pm = api_user(Role.PM)
    _, voter = api_user(Role.SUBMITTER)
    suggestion_id = seed(author)
    client.post(
        f"/api/v1/suggestions/{suggestion_id}/status",
        json={"status": "declined", "reason": "Policy forbids it"},
        headers=pm,
    )
    response = _vote(client, suggestion_id, voter)
    assert response.status_code == 409
    assert response.get_json()["error"] == "This idea was declined; votes are closed."


def test_stakeholders_cannot_post(client, api_user, seed):
    author, _ = api_user(Role.SUBMITTER)
    _, stakeholder = api_user(Role.STAKEHOLDER)
    suggestion_id = seed(author)
    base = f"/api/v1/suggestions/{suggestion_id}"
    for url, body in (
        ("/api/v1/suggestions", {"title": "x"}),
        (f"{base}/votes", {}),
        (f"{base}/comments", {"body": "Hello"}),
        (f"{base}/watch", {"watching": True}),
        (f"{base}/status", {"status": "accepted"}),
    ):
        response = client.post(url, json=body, headers=stakeholder)
        assert response.status_code == 403, url
        assert response.is_json
    assert client.delete(f"{base}/votes", headers=stakeholder).status_code == 403
    assert client.patch(base, json={"title": "x"}, headers=stakeholder).status_code == 403
    detail = client.get(base, headers=stakeholder).get_json()
    assert (detail["vote_count"], detail["comment_count"]) == (0, 0)


def test_engaging_with_an_invisible_suggestion_is_a_404(client, api_user, seed):
    author, _ = api_user(Role.VENDOR)
    _, rival = api_user(Role.VENDOR)
    base = f"/api/v1/suggestions/{seed(author)}"
    assert client.post(f"{base}/votes", json={}, headers=rival).status_code == 404
    assert client.post(f"{base}/comments", json={"body": "x"}, headers=rival).status_code == 404
    assert client.get(f"{base}/comments", headers=rival).status_code == 404
    assert client.post(f"{base}/watch", json={"watching": True}, headers=rival).status_code == 404


def test_comments_in_a_merge_group_show_only_where_the_reader_may_look(client, api_user, seed):
    agent, agent_headers = api_user(Role.SUBMITTER)
    vendor, vendor_headers = api_user(Role.VENDOR)
    _, stakeholder = api_user(Role.STAKEHOLDER)
    _, pm = api_user(Role.PM)
    internal = seed(agent, title="Internal refund idea")
    secret = seed(agent, title="Confidential refund idea", confidential=True)
    from_vendor = seed(vendor, title="Vendor refund idea")

    def comment(suggestion_id, headers, body):
        response = client.post(
            f"/api/v1/suggestions/{suggestion_id}/comments", json={"body": body}, headers=headers
        )
        assert response.status_code == 201, response.text

    def bodies(suggestion_id, headers):
        response = client.get(f"/api/v1/suggestions/{suggestion_id}/comments", headers=headers)
        assert response.status_code == 200, response.text
        return [item["body"] for item in response.get_json()]

    comment(from_vendor, vendor_headers, "Vendor note")
    comment(secret, agent_headers, "Secret note")
    for duplicate in (from_vendor, secret):
        merged = client.post(
            f"/api/v1/suggestions/{duplicate}/merge", json={"target_id": internal}, headers=pm
        )
        assert merged.status_code == 200, merged.text
    comment(internal, agent_headers, "Internal note")
    assert bodies(from_vendor, vendor_headers) == ["Vendor note"]
    assert bodies(internal, stakeholder) == ["Vendor note", "Internal note"]
    assert bodies(internal, pm) == ["Vendor note", "Secret note", "Internal note"]


def test_after_a_merge_into_a_hidden_idea_answers_name_only_what_the_caller_sees(
    client, api_user, seed
):
    """Vendor A's idea merged into vendor B's: A's watch, vote and comment answers carry A's id
    and A's own counts, never B's id or B's votes and comments."""
    vendor_a, headers_a = api_user(Role.VENDOR)
    vendor_b, headers_b = api_user(Role.VENDOR)
    _, pm = api_user(Role.PM)
    mine, theirs = seed(vendor_a, title="A's refund idea"), seed(vendor_b, title="B's refund idea")
    for suggestion_id, headers in ((theirs, headers_b), (theirs, pm)):
        assert _vote(client, suggestion_id, headers).status_code == 200
    client.post(f"/api/v1/suggestions/{theirs}/comments", json={"body": "B"}, headers=headers_b)
    merged = client.post(
        f"/api/v1/suggestions/{mine}/merge", json={"target_id": theirs}, headers=pm
    )
    assert merged.status_code == 200, merged.text
    base = f"/api/v1/suggestions/{mine}"
    answers = [
        client.post(f"{base}/watch", json={"watching": True}, headers=headers_a),
        client.post(f"{base}/watch", json={"watching": False}, headers=headers_a),
        _vote(client, mine, headers_a),
        client.delete(f"{base}/votes", headers=headers_a),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        body = answer.get_json()
        assert body["suggestion_id"] == mine, body
        assert theirs not in body.values()
        assert body["vote_count"] <= 1  # A's own vote at most; B's two stay hidden
        assert body["comment_count"] == 0
    comment = client.post(f"{base}/comments", json={"body": "A"}, headers=headers_a)
    assert comment.status_code == 201, comment.text
    assert comment.get_json()["suggestion_id"] == mine
    assert comment.headers["Location"].endswith(f"{base}/comments")
    assert [c["body"] for c in client.get(f"{base}/comments", headers=headers_a).get_json()] == [
        "A"
    ]
