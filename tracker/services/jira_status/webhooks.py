"""The Jira webhook's rules: check the signature and age of a delivery, handle each delivery
once, and hand what it says about a tracked issue to `tracker.services.jira_status.delivery`.

The scheduled sync stays the source of truth: a delivery only applies the issue it carries, and
anything the webhook misses (lost deliveries, untracked events) the next sync brings back.
Jira's format: https://developer.atlassian.com/cloud/jira/platform/webhooks/
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from tracker.config import SyncSettings
from tracker.errors import DomainError, NotFound
from tracker.inputs import has_control, without_nul
from tracker.models import WebhookDelivery, utcnow
from tracker.services.jira_status import delivery
from tracker.services.jira_status.snapshots import IssueSnapshot

log = logging.getLogger(__name__)

# Jira signs with the WebSub format `sha256=<hex>`; some proxies and apps use the -256 name.
SIGNATURE_HEADERS = ("X-Hub-Signature", "X-Hub-Signature-256")
IDENTIFIER_HEADER = "X-Atlassian-Webhook-Identifier"
_SIGNATURE_PREFIX = "sha256="
_UPDATE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated"})
_DELETE_EVENT = "jira:issue_deleted"
_ISSUE_ID = re.compile(r"[0-9]{1,40}")
_MAX_IDENTIFIER = 200  # WebhookDelivery.identifier
_MAX_EVENT = 80  # WebhookDelivery.event

# Jira issue JSON -> snapshot: sync.mapping.issue_fields.parse_issue, passed in by the caller
# because services do not import sync. Raises DeliveryRefused for an issue it cannot read.
IssueParser = Callable[[Mapping[str, Any]], IssueSnapshot]


class SignatureRejected(DomainError):
    """The delivery is unsigned, or its signature does not match its body."""

    status_code = 401


class DeliveryRefused(DomainError):
    """The delivery is signed but unusable: not JSON, stale, or without the issue it names."""

    status_code = 400


class Outcome(StrEnum):
    APPLIED = "applied"  # a tracked issue's new state was applied
    MISSING = "missing"  # a tracked issue was deleted in Jira
    IGNORED = "ignored"  # an untracked issue, or an event the tracker does not follow
    DUPLICATE = "duplicate"  # a retry of a delivery handled before: nothing changes


@dataclass(frozen=True)
class Handled:
    outcome: Outcome
    event: str
    jira_id: str


def receive(
    session: Session,
    *,
    body: bytes,
    signatures: Mapping[str, str],
    identifier: str | None,
    settings: SyncSettings,
    parse_issue: IssueParser,
    now: datetime | None = None,
) -> Handled:
    """Handle one delivery: `body` is the raw request body, `signatures` the signature headers
    present (name -> value), `identifier` Jira's delivery id header.

    Raises NotFound when the webhook is switched off (no secret), SignatureRejected (401) and
    DeliveryRefused (400). Flushes but does not commit; a delivery is recorded in the same
    transaction as its effect, so a failure leaves it unrecorded and Jira's retry can apply it.
    """
    secret = settings.webhook_secret.get_secret_value()
    if not secret:
        raise NotFound("The Jira webhook is switched off: sync.webhook_secret is empty.")
    verify_signature(body, signatures=signatures, secret=secret)
    payload = _parse_body(body)
    now = now or utcnow()
    sent_at = _sent_at(payload, now=now, max_age_seconds=settings.webhook_max_age_seconds)
    identifier = _delivery_identifier(identifier, body)
    event = _event(payload)
    if _seen(session, identifier):
        return _logged(Handled(Outcome.DUPLICATE, event, ""))

    jira_id, outcome, snapshot = "", Outcome.IGNORED, None
    if event in _UPDATE_EVENTS or event == _DELETE_EVENT:
        jira_id = _issue_id(payload)
        if delivery.is_tracked(session, jira_id):
            if event == _DELETE_EVENT:
                outcome = Outcome.MISSING
            else:
                snapshot = parse_issue(without_nul(webhook_issue(payload, sent_at=sent_at)))
                outcome = Outcome.APPLIED
    if not _claim(session, identifier, event, jira_id, outcome, now):
        return _logged(Handled(Outcome.DUPLICATE, event, jira_id))
    if outcome is Outcome.MISSING:
        delivery.mark_missing(session, jira_ids=[jira_id], now=now)
    elif snapshot is not None:
        delivery.apply_snapshots(session, [snapshot], source="webhook", now=now, settings=settings)
    return _logged(Handled(outcome, event, jira_id))


def verify_signature(body: bytes, *, signatures: Mapping[str, str], secret: str) -> None:
    """Accept the body if a signature header holds `sha256=<hex HMAC-SHA256(secret, body)>`."""
    if not signatures:
        log.warning("jira webhook refused: no %s header", SIGNATURE_HEADERS[0])
        raise SignatureRejected(
            f"The delivery is not signed: send {SIGNATURE_HEADERS[0]}: sha256=<hex HMAC-SHA256 "
            "of the body with the webhook secret>."
        )
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for value in signatures.values():
        scheme, _, digest = value.strip().partition("=")
        # compare_digest wants ASCII strings; anything else cannot be our hex digest anyway.
        if (
            f"{scheme.lower()}=" == _SIGNATURE_PREFIX
            and digest.isascii()
            and hmac.compare_digest(expected, digest.lower())
        ):
            return
    names = " / ".join(signatures)
    log.warning("jira webhook refused: %s does not match the body", names)
    raise SignatureRejected(
        f"{names} does not match the body: it must be sha256=<hex HMAC-SHA256 of the raw body "
        "with the webhook secret>."
    )


def _parse_body(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    # ValueError covers JSONDecodeError, UnicodeDecodeError and over-long integers.
    except (ValueError, RecursionError) as exc:
        raise DeliveryRefused(f"The body is not valid JSON ({str(exc)[:200]}).") from None
    if not isinstance(payload, dict):
        raise DeliveryRefused("The body must be a JSON object, as Jira sends.")
    return payload


def _sent_at(payload: Mapping[str, Any], *, now: datetime, max_age_seconds: int) -> datetime:
    """When Jira raised the event; refuses deliveries too old (replays) or from the future."""
    stamp = payload.get("timestamp")
    # `stamp != stamp` is NaN; math.isnan would overflow on a giant integer.
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or stamp != stamp:
        raise DeliveryRefused(
            "The delivery has no timestamp (milliseconds since the epoch, as Jira sends)."
        )
    try:
        seconds = stamp / 1000
    except OverflowError:  # an integer beyond any float
        seconds = math.inf if stamp > 0 else -math.inf
    # Compared as numbers first: a wild value must not overflow datetime.
    age = now.timestamp() - seconds
    if age > max_age_seconds:
        raise DeliveryRefused(
            f"stale delivery: its timestamp is {age:.0f} s old; at most {max_age_seconds} s "
            "is accepted."
        )
    if -age > max_age_seconds:
        raise DeliveryRefused(
            f"stale delivery: its timestamp is {-age:.0f} s in the future; check the clocks."
        )
    return datetime.fromtimestamp(seconds, UTC)


def _delivery_identifier(header: str | None, body: bytes) -> str:
    """Jira's delivery id, the same on every retry. Without a usable one (a proxy that drops
    headers) the body's hash stands in: a retry carries the same body."""
    value = (header or "").strip()
    if has_control(value):
        # Not Jira's: its ids are UUIDs. Refused rather than cleaned, since a retry must match.
        raise DeliveryRefused(
            f"The {IDENTIFIER_HEADER} header contains control characters; send the delivery id "
            "Jira gives."
        )
    if value and len(value) <= _MAX_IDENTIFIER:
        return value
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _event(payload: Mapping[str, Any]) -> str:
    event = payload.get("webhookEvent")
    if not isinstance(event, str) or not event.strip():
        raise DeliveryRefused("The delivery has no webhookEvent.")
    return event.strip().replace("\x00", "")[:_MAX_EVENT]


def _issue_id(payload: Mapping[str, Any]) -> str:
    issue = payload.get("issue")
    raw = issue.get("id") if isinstance(issue, dict) else None
    jira_id = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not _ISSUE_ID.fullmatch(jira_id):
        raise DeliveryRefused("issue.id is missing or is not a Jira issue id (digits).")
    return jira_id


def webhook_issue(payload: Mapping[str, Any], *, sent_at: datetime) -> dict[str, Any]:
    """The delivery's issue in the shape of a search result: the delivery's top-level
    changelog ({"id", "items"}) becomes the one history of `issue.changelog.histories`, at
    the event's time and by the delivery's user, so it dedupes against the sync's copy."""
    issue = dict(payload["issue"])
    changelog = payload.get("changelog")
    if not isinstance(changelog, dict):
        return issue
    history_id, items = changelog.get("id"), changelog.get("items")
    if not isinstance(history_id, str | int) or isinstance(history_id, bool):
        return issue  # no id to dedupe by: the status change is seen without its history
    if not isinstance(items, list):
        return issue
    user = payload.get("user")
    history = {
        "id": str(history_id),
        "created": _jira_time(sent_at),
        "author": user if isinstance(user, dict) else {},
        "items": items,
    }
    issue["changelog"] = {"startAt": 0, "maxResults": 1, "total": 1, "histories": [history]}
    return issue


def _jira_time(moment: datetime) -> str:
    """Jira's REST timestamp format, 2024-05-01T10:00:00.000+0000."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _seen(session: Session, identifier: str) -> bool:
    found = session.exec(
        select(WebhookDelivery.id).where(col(WebhookDelivery.identifier) == identifier)
    ).first()
    return found is not None


def _claim(
    session: Session, identifier: str, event: str, jira_id: str, outcome: Outcome, now: datetime
) -> bool:
    """Record the delivery unless a concurrent retry did; False if it did.

    INSERT .. ON CONFLICT DO NOTHING: on PostgreSQL the second insert waits for the first
    transaction and then does nothing, so no IntegrityError ends the request or its transaction.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(WebhookDelivery)
        .values(
            identifier=identifier,
            event=event,
            jira_id=jira_id,
            outcome=outcome.value,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["identifier"])
        .returning(col(WebhookDelivery.id))
    )
    return session.execute(statement).first() is not None


def _logged(handled: Handled) -> Handled:
    log.info(
        "jira webhook %s for issue %s: %s", handled.event, handled.jira_id or "-", handled.outcome
    )
    return handled
