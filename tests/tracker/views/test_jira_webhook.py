"""The Jira webhook `POST /hooks/jira`: signed, fresh, once-only deliveries move tracked stories;
everything else is refused with a clear JSON answer or acknowledged and ignored."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from sync.mapping.issue_fields import parse_issue
from tests.fakejira.catalog import CATEGORIES, DEFAULT_STATUSES
from tests.helpers.stories import ready_draft
from tracker import db
from tracker.models import (
    JiraLink,
    PushState,
    Role,
    Status,
    StatusEvent,
    StoryDraft,
    Suggestion,
    User,
    WebhookDelivery,
    utcnow,
)
from tracker.services.jira_status import webhooks
from tracker.services.stories import push_queue
from tracker.services.suggestions import decisions

SECRET = "whsec-3f9a1c77d2b84e0e9b5a6c1d"
SITE = "https://acme.atlassian.net"
TRACKED_ID = "10001"
UNTRACKED_ID = "10999"


# --- world ---------------------------------------------------------------------------------------


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url, sync={"webhook_secret": SECRET, "webhook_max_age_seconds": 300})


@dataclass
class Tracked:
    link_id: int
    story_id: int
    suggestion_id: int


@pytest.fixture
def tracked(app: Flask, make_user: Callable[..., User]) -> Tracked:
    """A story of an in-delivery suggestion, pushed as OPS-1 (id 10001) and last seen in To Do."""
    draft_id = ready_draft(app, make_user(Role.PM), "Route scam appeals to the specialist queue")
    with db.session_scope(app) as session:
        draft = session.get(StoryDraft, draft_id)
        assert draft is not None
        suggestion_id = draft.suggestion_id
        pushed_at = utcnow() - timedelta(days=2)
        link = JiraLink(
            story_id=draft_id,
            label=push_queue.story_label("t1", draft_id),
            state=PushState.PUSHED.value,
            jira_id=TRACKED_ID,
            jira_key="OPS-1",
            browse_url=f"{SITE}/browse/OPS-1",
            sent_at=pushed_at,
            pushed_at=pushed_at,
            status_name="To Do",
            status_category="new",
            delivery_state="todo",
            status_since=pushed_at,
            jira_updated_at=pushed_at,
            synced_at=pushed_at,
        )
        session.add(link)
        suggestion = session.get(Suggestion, suggestion_id)
        assert suggestion is not None
        decisions.mark_in_delivery(session, suggestion=suggestion, reason="Pushed to Jira.")
        session.flush()
        assert link.id is not None
        return Tracked(link.id, draft_id, suggestion_id)


# --- Jira's payloads -----------------------------------------------------------------------------

# The fake Jira's default workflow: the same status ids and categories a pushed issue has there.
STATUS_IDS = {status.name: status.id for status in DEFAULT_STATUSES}


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def jira_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def user_json(name: str = "Dana Developer") -> dict[str, Any]:
    account = "5b10ac8d82e05b22cc7d4ef5"
    return {
        "self": f"{SITE}/rest/api/2/user?accountId={account}",
        "accountId": account,
        "avatarUrls": {"48x48": "https://avatar-management.example/48.png"},
        "displayName": name,
        "active": True,
        "timeZone": "Etc/UTC",
        "accountType": "atlassian",
    }


def issue_json(
    jira_id: str = TRACKED_ID,
    key: str = "OPS-1",
    *,
    status: str = "In Progress",
    category: str = "indeterminate",
    updated: datetime | None = None,
) -> dict[str, Any]:
    updated = updated or datetime.now(UTC)
    return {
        "id": jira_id,
        "self": f"{SITE}/rest/api/2/{jira_id}",
        "key": key,
        "fields": {
            "summary": "Route scam appeals to the specialist queue",
            "issuetype": {
                "self": f"{SITE}/rest/api/2/issuetype/10001",
                "id": "10001",
                "name": "Story",
                "subtask": False,
            },
            "project": {
                "self": f"{SITE}/rest/api/2/project/10000",
                "id": "10000",
                "key": "OPS",
                "name": "Operations",
                "projectTypeKey": "software",
            },
            "status": {
                "self": f"{SITE}/rest/api/2/status/{STATUS_IDS[status]}",
                "description": "",
                "name": status,
                "id": STATUS_IDS[status],
                "statusCategory": {
                    "self": f"{SITE}/rest/api/2/statuscategory/1",
                    **CATEGORIES[category],
                },
            },
            "resolution": (
                {"self": f"{SITE}/rest/api/2/resolution/10000", "id": "10000", "name": "Done"}
                if category == "done"
                else None
            ),
            "assignee": user_json(),
            "reporter": user_json("Tracker Bot"),
            "fixVersions": [
                {
                    "self": f"{SITE}/rest/api/2/version/10002",
                    "id": "10002",
                    "name": "2024.06",
                    "archived": False,
                    "released": False,
                }
            ],
            "labels": ["from-tracker", "trk-t1-s1"],
            "created": jira_time(updated - timedelta(days=2)),
            "updated": jira_time(updated),
        },
    }


def issue_updated(
    *,
    jira_id: str = TRACKED_ID,
    status: str = "In Progress",
    category: str = "indeterminate",
    from_status: str = "To Do",
    history_id: str = "20001",
    at: datetime | None = None,
    event: str = "jira:issue_updated",
) -> dict[str, Any]:
    """A delivery shaped like Jira Cloud's for a status transition."""
    at = at or datetime.now(UTC)
    return {
        "timestamp": millis(at),
        "webhookEvent": event,
        "issue_event_type_name": "issue_generic",
        "user": user_json(),
        "issue": issue_json(jira_id, status=status, category=category, updated=at),
        "changelog": {
            "id": history_id,
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": STATUS_IDS[from_status],
                    "fromString": from_status,
                    "to": STATUS_IDS[status],
                    "toString": status,
                }
            ],
        },
    }


def issue_deleted(jira_id: str = TRACKED_ID) -> dict[str, Any]:
    return {
        "timestamp": millis(datetime.now(UTC)),
        "webhookEvent": "jira:issue_deleted",
        "user": user_json(),
        "issue": issue_json(jira_id),
    }


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    client: Any,
    payload: dict[str, Any] | bytes,
    *,
    identifier: str | None = None,
    signature: str | None = None,
    signed: bool = True,
    header: str = "X-Hub-Signature",
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Atlassian-Webhook-Identifier": identifier or str(uuid.uuid4()),
    }
    if signed:
        headers[header] = signature or sign(body)
    return client.post("/hooks/jira", data=body, headers=headers)


# --- reading the outcome -------------------------------------------------------------------------


def link_of(app: Flask, link_id: int) -> JiraLink:
    with db.session_scope(app) as session:
        link = session.get(JiraLink, link_id)
        assert link is not None
        return link


def events_of(app: Flask, link_id: int) -> list[StatusEvent]:
    with db.session_scope(app) as session:
        return list(session.exec(select(StatusEvent).where(StatusEvent.link_id == link_id)))


def deliveries(app: Flask) -> list[WebhookDelivery]:
    with db.session_scope(app) as session:
        return list(session.exec(select(WebhookDelivery)))


def status_of(app: Flask, suggestion_id: int) -> Status:
    with db.session_scope(app) as session:
        suggestion = session.get(Suggestion, suggestion_id)
        assert suggestion is not None
        return suggestion.status


def assert_untouched(app: Flask, tracked: Tracked) -> None:
    link = link_of(app, tracked.link_id)
    assert (link.status_name, link.delivery_state, link.missing_since) == ("To Do", "todo", None)
    assert events_of(app, tracked.link_id) == []


# --- applied -------------------------------------------------------------------------------------


def test_a_signed_transition_moves_the_tracked_story_at_jiras_time(app, client, tracked):
    at = datetime.now(UTC)  # after the idea's submission: earlier times are clamped to it
    response = deliver(client, issue_updated(at=at), identifier="delivery-1")

    assert response.status_code == 200, response.text
    assert response.json == {"outcome": "applied"}
    link = link_of(app, tracked.link_id)
    assert (link.status_name, link.status_category, link.delivery_state) == (
        "In Progress",
        "indeterminate",
        "in_progress",
    )
    assert link.assignee == "Dana Developer"
    jira_moment = datetime.fromtimestamp(millis(at) // 1000, UTC).replace(
        microsecond=millis(at) % 1000 * 1000
    )
    [event] = events_of(app, tracked.link_id)
    assert (event.from_status, event.to_status, event.to_state) == (
        "To Do",
        "In Progress",
        "in_progress",
    )
    assert event.source == "webhook"
    assert event.history_id == "20001"
    assert event.author == "Dana Developer"
    assert event.changed_at == jira_moment
    assert event.suggestion_id == tracked.suggestion_id
    [recorded] = deliveries(app)
    assert (recorded.identifier, recorded.event, recorded.jira_id, recorded.outcome) == (
        "delivery-1",
        "jira:issue_updated",
        TRACKED_ID,
        "applied",
    )


def test_the_last_story_done_by_webhook_delivers_the_suggestion(app, client, tracked):
    response = deliver(client, issue_updated(status="Done", category="done"))

    assert response.json == {"outcome": "applied"}
    assert link_of(app, tracked.link_id).delivery_state == "done"
    assert status_of(app, tracked.suggestion_id) is Status.DELIVERED


def test_the_x_hub_signature_256_header_name_is_accepted(app, client, tracked):
    response = deliver(client, issue_updated(), header="X-Hub-Signature-256")

    assert response.status_code == 200, response.text
    assert link_of(app, tracked.link_id).status_name == "In Progress"


def test_no_csrf_token_is_needed_but_a_form_post_elsewhere_still_needs_one(app, client, tracked):
    assert deliver(client, issue_updated()).status_code == 200
    assert (
        client.post("/login", data={"email": "x@example.com", "password": "x"}).status_code == 400
    )


# --- refused: signature --------------------------------------------------------------------------


def test_an_unsigned_delivery_is_refused_naming_the_header(app, client, tracked):
    response = deliver(client, issue_updated(), signed=False)

    assert response.status_code == 401
    assert response.is_json
    assert "X-Hub-Signature" in response.json["error"]
    assert_untouched(app, tracked)
    assert deliveries(app) == []


WRONG_SIGNATURES: dict[str, Callable[[bytes], str]] = {
    "other-secret": lambda body: sign(body, "another-secret"),
    "sha1-scheme": lambda body: "sha1=" + hmac.new(SECRET.encode(), body, "sha1").hexdigest(),
    "no-scheme": lambda body: sign(body).removeprefix("sha256="),
    "empty-digest": lambda body: "sha256=",
    "not-hex": lambda body: "sha256=zz\u00e9",
    "the-secret-itself": lambda body: SECRET,
}


@pytest.mark.parametrize("wrong", list(WRONG_SIGNATURES), ids=list(WRONG_SIGNATURES))
def test_a_wrong_signature_is_refused(app, client, tracked, wrong):
    body = json.dumps(issue_updated()).encode()

    response = deliver(client, body, signature=WRONG_SIGNATURES[wrong](body))

    assert response.status_code == 401
    assert "X-Hub-Signature" in response.json["error"]
    assert_untouched(app, tracked)


def test_a_signature_over_a_different_body_is_refused(app, client, tracked):
    genuine = json.dumps(issue_updated(status="In Progress")).encode()
    forged = json.dumps(issue_updated(status="Done", category="done")).encode()

    response = deliver(client, forged, signature=sign(genuine))

    assert response.status_code == 401
    assert_untouched(app, tracked)


def test_the_webhook_is_switched_off_without_a_secret(make_app, database_url):
    app = make_app(database_url)  # sync.webhook_secret defaults to empty
    body = json.dumps(issue_updated()).encode()

    response = app.test_client().post(
        "/hooks/jira", data=body, headers={"X-Hub-Signature": sign(body, "")}
    )

    assert response.status_code == 404
    assert "webhook_secret" in response.json["error"]


# --- refused: time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "words"),
    [(timedelta(seconds=-360), "s old"), (timedelta(seconds=360), "in the future")],
    ids=["stale", "future"],
)
def test_a_delivery_outside_the_age_window_is_refused(app, client, tracked, offset, words):
    response = deliver(client, issue_updated(at=datetime.now(UTC) + offset))

    assert response.status_code == 400
    assert "stale delivery" in response.json["error"]
    assert words in response.json["error"]
    assert_untouched(app, tracked)
    assert deliveries(app) == []


def test_a_delivery_just_inside_the_window_is_applied(app, client, tracked):
    response = deliver(client, issue_updated(at=datetime.now(UTC) - timedelta(seconds=240)))

    assert response.json == {"outcome": "applied"}


def test_a_delivery_without_a_timestamp_is_refused(app, client, tracked):
    payload = issue_updated()
    del payload["timestamp"]

    response = deliver(client, payload)

    assert response.status_code == 400
    assert "timestamp" in response.json["error"]
    assert_untouched(app, tracked)


# --- once only -----------------------------------------------------------------------------------


def test_a_retried_delivery_is_applied_once(app, client, tracked):
    body = json.dumps(issue_updated()).encode()
    first = deliver(client, body, identifier="retry-me")
    again = deliver(client, body, identifier="retry-me")
    # Same identifier, other content: still the delivery already handled.
    other = deliver(client, issue_updated(status="Done", category="done"), identifier="retry-me")

    assert first.json == {"outcome": "applied"}
    assert again.status_code == 200
    assert again.json == {"outcome": "duplicate"}
    assert other.json == {"outcome": "duplicate"}
    assert len(events_of(app, tracked.link_id)) == 1
    assert link_of(app, tracked.link_id).status_name == "In Progress"
    assert [d.identifier for d in deliveries(app)] == ["retry-me"]


def test_without_an_identifier_a_retry_is_recognised_by_its_body(app, client, tracked):
    body = json.dumps(issue_updated()).encode()
    headers = {"X-Hub-Signature": sign(body), "Content-Type": "application/json"}

    first = client.post("/hooks/jira", data=body, headers=headers)
    again = client.post("/hooks/jira", data=body, headers=headers)

    assert (first.json, again.json) == ({"outcome": "applied"}, {"outcome": "duplicate"})
    assert len(events_of(app, tracked.link_id)) == 1


def test_two_concurrent_retries_apply_once_without_an_error(app, tracked, monkeypatch):
    """Both retries pass the "seen before?" check; the second then waits on the first's insert
    (PostgreSQL) or write lock (SQLite) and learns it is a duplicate, with no IntegrityError."""
    monkeypatch.setattr(webhooks, "_seen", lambda session, identifier: False)
    body = json.dumps(issue_updated()).encode()
    settings = app.config["SETTINGS"].sync
    headers = {"X-Hub-Signature": sign(body)}

    def receive(session: Session) -> webhooks.Handled:
        return webhooks.receive(
            session,
            body=body,
            signatures=headers,
            identifier="race",
            settings=settings,
            parse_issue=partial(parse_issue, sprint_field=None),
        )

    results: list[webhooks.Handled | BaseException] = []

    def second() -> None:
        try:
            with db.session_scope(app) as session:
                results.append(receive(session))
        except BaseException as exc:
            results.append(exc)

    with db.session_scope(app) as first_session:
        first = receive(first_session)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), results  # blocked on the first delivery's transaction
    racer.join(timeout=30)

    assert first.outcome is webhooks.Outcome.APPLIED
    assert [getattr(r, "outcome", r) for r in results] == [webhooks.Outcome.DUPLICATE]
    assert len(events_of(app, tracked.link_id)) == 1
    assert len(deliveries(app)) == 1


# --- ignored and deleted -------------------------------------------------------------------------


def test_an_untracked_issue_is_acknowledged_and_ignored(app, client, tracked):
    response = deliver(client, issue_updated(jira_id=UNTRACKED_ID, status="Done", category="done"))

    assert response.status_code == 200
    assert response.json == {"outcome": "ignored"}
    assert_untouched(app, tracked)
    with db.session_scope(app) as session:
        assert list(session.exec(select(StatusEvent))) == []
    [recorded] = deliveries(app)
    assert (recorded.jira_id, recorded.outcome) == (UNTRACKED_ID, "ignored")


def test_other_events_are_acknowledged_and_ignored(app, client, tracked):
    comment = {
        "timestamp": millis(datetime.now(UTC)),
        "webhookEvent": "comment_created",
        "comment": {"id": "30001", "body": "Looks good", "author": user_json()},
        "issue": issue_json(status="Done", category="done"),
    }

    response = deliver(client, comment)

    assert response.json == {"outcome": "ignored"}
    assert_untouched(app, tracked)


def test_a_deleted_tracked_issue_is_marked_missing_and_its_data_kept(app, client, tracked):
    response = deliver(client, issue_deleted())

    assert response.json == {"outcome": "missing"}
    link = link_of(app, tracked.link_id)
    assert link.missing_since is not None
    assert (link.jira_key, link.status_name) == ("OPS-1", "To Do")
    assert deliveries(app)[0].outcome == "missing"


def test_a_deleted_untracked_issue_is_ignored(app, client, tracked):
    assert deliver(client, issue_deleted(UNTRACKED_ID)).json == {"outcome": "ignored"}
    assert link_of(app, tracked.link_id).missing_since is None


# --- bad input -----------------------------------------------------------------------------------


def _fresh(**changes: Any) -> bytes:
    payload = issue_updated()
    payload.update(changes)
    return json.dumps(payload).encode()


def _issue(**changes: Any) -> bytes:
    payload = issue_updated()
    payload["issue"] = {**payload["issue"], **changes}
    return json.dumps(payload).encode()


# Bodies are built when the test runs: a timestamp taken at import would go stale.
SIGNED_GARBAGE: dict[str, tuple[Callable[[], bytes], str]] = {
    "not-json": (lambda: b"{not json", "not valid JSON"),
    "empty": (lambda: b"", "not valid JSON"),
    "binary": (lambda: bytes(range(256)) * 4, "not valid JSON"),
    "deep-nesting": (lambda: b"[" * 100_000, "not valid JSON"),
    "json-array": (lambda: b"[1, 2, 3]", "JSON object"),
    "json-string": (lambda: b'"jira:issue_updated"', "JSON object"),
    "timestamp-text": (lambda: _fresh(timestamp="yesterday"), "timestamp"),
    "timestamp-bool": (lambda: _fresh(timestamp=True), "timestamp"),
    "timestamp-huge": (lambda: _fresh(timestamp=10**300), "stale delivery"),
    "timestamp-beyond-float": (lambda: _fresh(timestamp=10**400), "in the future"),
    "timestamp-far-past": (lambda: _fresh(timestamp=-(10**400)), "s old"),
    "timestamp-too-many-digits": (
        lambda: b'{"timestamp": 1' + b"0" * 5000 + b"}",
        "not valid JSON",
    ),
    "timestamp-nan": (
        lambda: b'{"timestamp": NaN, "webhookEvent": "jira:issue_updated"}',
        "timestamp",
    ),
    "no-event": (lambda: _fresh(webhookEvent=None), "webhookEvent"),
    "event-number": (lambda: _fresh(webhookEvent=7), "webhookEvent"),
    "no-issue": (lambda: _fresh(issue=None), "issue.id"),
    "issue-list": (lambda: _fresh(issue=[TRACKED_ID]), "issue.id"),
    "issue-id-text": (lambda: _issue(id="OPS-1"), "issue.id"),
    "issue-id-nul": (lambda: _issue(id="10001\u0000"), "issue.id"),
    "tracked-without-fields": (lambda: _issue(fields=None), "could not be read"),
    "tracked-status-text": (lambda: _issue(fields={"status": "Done"}), "could not be read"),
}


@pytest.mark.parametrize("case", list(SIGNED_GARBAGE), ids=list(SIGNED_GARBAGE))
def test_signed_garbage_is_refused_naming_the_problem(app, client, tracked, case):
    build, words = SIGNED_GARBAGE[case]
    body = build()

    response = deliver(client, body)

    assert response.status_code == 400, response.text
    assert words in response.json["error"]
    assert_untouched(app, tracked)
    assert deliveries(app) == []


@pytest.mark.parametrize(
    "body", [b"", b"\x00\xff" * 500, b"<xml/>", json.dumps(issue_updated()).encode()]
)
def test_unsigned_garbage_is_refused_before_it_is_read(app, client, tracked, body):
    response = client.post("/hooks/jira", data=body, headers={"X-Hub-Signature": "nonsense"})

    assert response.status_code == 401
    assert_untouched(app, tracked)


def test_a_body_over_the_size_limit_is_refused(make_app, database_url):
    app = make_app(
        database_url, sync={"webhook_secret": SECRET}, security={"max_request_bytes": 4096}
    )
    body = json.dumps({**issue_updated(), "padding": "x" * 5000}).encode()

    response = app.test_client().post(
        "/hooks/jira", data=body, headers={"X-Hub-Signature": sign(body)}
    )

    assert response.status_code == 413
    assert "4 KiB" in response.json["error"]


def test_other_methods_are_not_allowed(client):
    assert client.get("/hooks/jira").status_code == 405


# --- secrecy -------------------------------------------------------------------------------------


def test_the_secret_and_the_body_never_reach_responses_or_logs(app, client, tracked, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "confidential-summary-7c1e"
    payload = issue_updated()
    payload["issue"]["fields"]["summary"] = marker
    body = json.dumps(payload).encode()
    responses = [
        deliver(client, body),
        deliver(client, body, signed=False),
        deliver(client, body, signature=sign(body, "another-secret")),
        deliver(client, body, signature=SECRET),
        deliver(client, json.dumps({**payload, "timestamp": 1}).encode()),
        deliver(client, body[:-5]),
        deliver(client, issue_updated(jira_id=UNTRACKED_ID)),
        deliver(client, body, identifier="dup"),
        deliver(client, body, identifier="dup"),
    ]

    assert [r.status_code for r in responses] == [200, 401, 401, 401, 400, 400, 200, 200, 200]
    for response in responses:
        assert SECRET not in response.text
        assert marker not in response.text
    assert caplog.records, "the webhook logs what it did"
    assert SECRET not in caplog.text
    assert marker not in caplog.text
    assert sign(body) not in caplog.text


# --- control characters --------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["abc\x00def", "abc\x1bdef", "\x7f"])
def test_a_delivery_id_with_control_characters_is_refused_naming_the_header(
    app, client, tracked, identifier
):
    response = deliver(client, issue_updated(), identifier=identifier)

    assert response.status_code == 400
    assert "X-Atlassian-Webhook-Identifier" in response.json["error"]
    assert deliveries(app) == []
    assert_untouched(app, tracked)


def test_nul_in_jiras_status_and_assignee_names_is_dropped_and_the_event_kept(app, client, tracked):
    """Jira's own data, not a person's input: PostgreSQL refuses NUL, so it goes, not the event."""
    payload = issue_updated(event="jira:issue_updated\x00")
    fields = payload["issue"]["fields"]
    fields["status"]["name"] = "In Pro\x00gress"
    fields["assignee"]["displayName"] = "Dana\x00 Developer"
    payload["user"]["displayName"] = "\x00Dana Developer"
    payload["changelog"]["items"][0]["toString"] = "In Progress\x00"

    response = deliver(client, payload, identifier="nul-names")

    assert response.status_code == 200, response.text
    assert response.json == {"outcome": "applied"}
    link = link_of(app, tracked.link_id)
    assert (link.status_name, link.assignee) == ("In Progress", "Dana Developer")
    [event] = events_of(app, tracked.link_id)
    assert (event.to_status, event.author) == ("In Progress", "Dana Developer")
    [recorded] = deliveries(app)
    assert (recorded.identifier, recorded.event) == ("nul-names", "jira:issue_updated")


def test_nul_deep_in_a_delivery_is_dropped_without_recursion(app, client, tracked):
    payload = issue_updated()
    payload["issue"]["fields"]["customfield_10100"] = "DEEP"
    depth = 900  # within what the JSON reader accepts; deeper bodies are refused as not JSON
    deep = "[" * depth + '"bottom\\u0000"' + "]" * depth
    body = json.dumps(payload).replace('"DEEP"', deep).encode()

    response = deliver(client, body)

    assert response.status_code == 200, response.text
    assert link_of(app, tracked.link_id).status_name == "In Progress"
