"""The push engine: one batch of a push job's links becomes Jira issues, each exactly once.

A batch (at most 50 links) goes through four steps, each its own database transaction and
none of them holding one open during an HTTP call:

1. adopt: links left SENDING by an earlier attempt (lost answer, crash, killed process) have an
   unknown outcome. One JQL search for their unique labels finds the issues Jira did create;
   those are adopted. A link not found after `jira.max_attempts` sends fails with its last reason.
2. prepare: renew the job's lease, build the create fields, mark the links SENDING and commit,
   all before anything leaves; a crash from here on leaves a trail the next run checks.
3. send: one bulk create (a lone issue, or a site without bulk create, one create per issue).
   The client never repeats a create except after a 429, which Jira did not process. Whether
   the site has bulk create is learnt from its first answer and kept with the site's
   capabilities (sync/jira/sites.py), so a site without it costs no refused call after that.
4. record: created -> pushed under the epic its fields named (the suggestion moves to in
   delivery), refused -> failed with Jira's words, unknown -> left SENDING for step 1 of the
   next pass, certainly not taken (a refused login or permission stops the job; the stories
   after a call whose answer was lost, never sent) -> back to QUEUED with the reason.

A create refused over a field the site's metadata chose (a custom field gone from the screen)
drops the cached metadata once per job, so the next push discovers the site again.

Editing a pushed story later only ever edits its issue (sync/push/pushed.py); so does putting
a story pushed before its epic under it (sync/push/epics.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlmodel import Session, col, select

from sync.jira.backoff import backoff_seconds
from sync.jira.client import JiraClient
from sync.jira.discovery import SiteMetadata
from sync.jira.errors import (
    JiraError,
    JiraForbidden,
    JiraMisconfigured,
    JiraNotConfigured,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnauthorized,
)
from sync.jira.metadata_store import metadata_cache
from sync.mapping.payload import (
    Created,
    Outcome,
    Refused,
    Unknown,
    Unsent,
    browse_url,
    bulk_outcomes,
    epic_key_in,
    refusal_reason,
)
from sync.push.pushed import find_by_labels, find_issue_for_relink, update_pushed_story
from sync.push.sources import BatchSources, CannotPush
from tracker.config import JiraSettings
from tracker.db import session_scope
from tracker.errors import Conflict
from tracker.models import JiraLink, PushJob, PushState, utcnow
from tracker.services.stories import push_execution

# The push engine's public face, with the edits of pushed stories (sync/push/pushed.py).
__all__ = ["find_issue_for_relink", "push_batch", "update_pushed_story"]

log = logging.getLogger(__name__)

# Jira Cloud's search is eventually consistent: an issue created a moment ago may not be found
# by its label yet. A link whose create may have happened is searched for only this long after
# it was sent. https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/
SETTLE_SECONDS = 5.0
# Errors that no retry can fix: stop the job and say why, leaving its links to a later push.
_FATAL = (JiraUnauthorized, JiraForbidden, JiraNotConfigured, JiraMisconfigured)
# The reason on stories left unsent (creating one by one) when the push paused before their turn.
NOT_SENT_NO_ANSWER = "Not sent yet: the push paused when Jira did not answer for an earlier story."
NOT_SENT_RATE_LIMITED = "Not sent yet: the push paused while Jira limited the tracker's requests."


class PushStopped(Exception):
    """The job cannot go on (credentials refused, site set-up); `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LeaseLost(Exception):
    """Another worker took the job over; this one must stop touching it."""


@dataclass(frozen=True)
class PushRun:
    """What every batch of one job run shares. Holds ids and settings, no ORM objects, so
    batches can run in parallel threads, each with its own session."""

    app: Flask
    job_id: int
    owner: str
    client: JiraClient
    site: SiteMetadata
    jira: JiraSettings
    tracker_url: str
    lease: timedelta
    sleep: Callable[[float], None] = time.sleep
    settle_seconds: float = SETTLE_SECONDS
    # Set when Jira refused a field the metadata chose: the cache is dropped once per job run,
    # not again by each of the job's batches still sent with the same metadata.
    outdated: threading.Event = field(default_factory=threading.Event)
    # The batches' write transactions take turns here. SQLite has one writer at a time and
    # its busy handler sleeps in growing steps (up to 100 ms) before it looks again, which
    # left most of a parallel push waiting; the writes are short and CPU-bound anyway.
    writing: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class BatchReport:
    progressed: bool = False  # a link was sent, pushed or failed
    wait: float = 0.0  # seconds Jira asked for (429) or backoff before the next pass


@dataclass(frozen=True)
class _Item:
    link: JiraLink
    fields: dict[str, Any]
    epic_key: str | None = None  # the epic the fields put the story under


@dataclass(frozen=True)
class _Sent:
    outcomes: list[Outcome]
    wait: float = 0.0
    stop: str | None = None


def push_batch(run: PushRun, link_ids: Sequence[int], *, unsure: bool = True) -> BatchReport:
    """Push these links of the job (at most 50); `unsure=False` promises none is SENDING.
    Raises PushStopped when the job cannot go on, LeaseLost when another worker owns it."""
    try:
        checked, settled = _adopt(run, link_ids) if unsure else (set[int](), False)
    except _FATAL as exc:
        raise PushStopped(exc.message) from exc
    except JiraRejected as exc:  # our search itself is refused: never send blind
        stop = f"The tracker could not search Jira for its labels. {exc.message}"
        raise PushStopped(stop) from exc
    except JiraError as exc:
        log.warning("push job %s: label search failed: %s", run.job_id, exc.message)
        wait = exc.retry_after if isinstance(exc, JiraRateLimited) else backoff_seconds(1)
        return BatchReport(wait=wait)
    # One session for the rest of the batch, committed twice: SENDING before the call, the
    # outcomes after it. The rows loaded for the fields stay in it for recording, and no
    # transaction is open while the call is out (a commit ends it).
    with session_scope(run.app) as session:
        with run.writing:
            batch = _prepare(session, run, link_ids, checked)
            session.commit()
        if not batch.items:
            return BatchReport(progressed=settled or batch.refused)
        sent = _send(run, batch.items)
        with run.writing:
            _record(session, run, batch.items, sent.outcomes)
            session.commit()
    _forget_outdated_metadata(run, sent.outcomes)
    if sent.stop is not None:
        raise PushStopped(sent.stop)
    return BatchReport(progressed=True, wait=sent.wait)


# ---- 1. adopt what an earlier attempt may have created ----------------------------------------
def _adopt(run: PushRun, link_ids: Sequence[int]) -> tuple[set[int], bool]:
    """Settle the SENDING links: returns the ids searched for and not found (safe to send
    again) and whether any link was adopted or failed."""
    with session_scope(run.app) as session:
        unsure = [
            (link.label, link.sent_at)
            for link in _open_links(session, run, link_ids, PushState.SENDING)
        ]
    sending = [label for label, _ in unsure]
    if not sending:
        return set(), False
    latest = max((sent for _, sent in unsure if sent is not None), default=None)
    if latest is not None:
        pause = run.settle_seconds - (utcnow() - latest).total_seconds()
        if pause > 0:
            run.sleep(pause)
    found = find_by_labels(
        run.client, run.site.project_key, sending, epic_field=run.site.epic_field
    )
    checked: set[int] = set()
    adopted: list[push_execution.PushedIssue] = []
    given_up: list[tuple[JiraLink, str]] = []
    with run.writing, session_scope(run.app) as session:
        for link in _open_links(session, run, link_ids, PushState.SENDING):
            hit = found.get(link.label)
            if hit is not None:
                log.info("push job %s: adopted %s as %s", run.job_id, link.label, hit.key)
                adopted.append(_pushed(run, link, hit, hit.epic_key))
            elif link.attempts >= run.jira.max_attempts:
                reason = link.last_error or "Jira did not confirm the issue."
                given_up.append((link, f"Gave up after {link.attempts} attempts: {reason}"))
            else:
                assert link.id is not None
                checked.add(link.id)
        push_execution.mark_pushed_many(session, results=adopted)
        push_execution.mark_failed_many(session, failures=given_up)
    return checked, bool(adopted or given_up)


def _open_links(
    session: Session,
    run: PushRun,
    link_ids: Sequence[int],
    *states: PushState,
) -> Sequence[JiraLink]:
    """The job's links among `link_ids` still in one of `states` (default: queued or sending)."""
    wanted = [state.value for state in states or (PushState.QUEUED, PushState.SENDING)]
    return session.exec(
        select(JiraLink)
        .where(
            col(JiraLink.id).in_(link_ids),
            JiraLink.job_id == run.job_id,
            col(JiraLink.state).in_(wanted),
        )
        .order_by(col(JiraLink.id))
    ).all()


# ---- 2. prepare: fields, then SENDING committed before anything leaves ------------------------
@dataclass(frozen=True)
class _Batch:
    items: list[_Item]
    refused: bool  # a link failed before sending
    sources: BatchSources  # held: the session's identity map is weak, and recording needs them


def _prepare(session: Session, run: PushRun, link_ids: Sequence[int], checked: set[int]) -> _Batch:
    """The items to send, their links marked SENDING (the caller commits before sending).
    Raises LeaseLost if another worker owns the job."""
    job = session.get(PushJob, run.job_id)
    try:
        if job is None:
            raise Conflict(f"Push job {run.job_id} is gone.")
        push_execution.renew_lease(session, job=job, owner=run.owner, lease=run.lease)
    except Conflict as exc:
        raise LeaseLost(str(exc)) from exc
    links = [
        link
        for link in _open_links(session, run, link_ids)
        if link.state == PushState.QUEUED or link.id in checked
    ]
    sources = BatchSources.load(session, links)
    items: list[_Item] = []
    refused = False
    for link in links:
        try:
            fields = sources.fields(
                link,
                site=run.site,
                jira=run.jira,
                tracker_url=run.tracker_url,
                job_id=run.job_id,
            )
            items.append(_Item(link, fields, epic_key_in(fields, run.site.epic_field)))
        except CannotPush as exc:
            push_execution.mark_failed(session, link=link, reason=str(exc))
            refused = True
    push_execution.mark_sending(session, links=[item.link for item in items])
    return _Batch(items, refused, sources)


# ---- 3. send ----------------------------------------------------------------------------------
def _send(run: PushRun, items: list[_Item]) -> _Sent:
    capabilities = run.client.capabilities
    if len(items) > 1 and capabilities.bulk_create is not False:
        try:
            answer = run.client.bulk_create([item.fields for item in items])
        except JiraError as exc:
            if not _no_bulk(exc):
                return _failed_call(run, exc, items, carried=len(items))
            # Jira did nothing (no such endpoint, or a proxy refusing it): the links are
            # SENDING, so sending each one by one now is safe. Kept for the site, so later
            # pushes in any process go one by one at once.
            log.info("Jira at %s has no bulk create; creating one by one", run.client.base_url)
            capabilities.learn(bulk_create=False)
        else:
            capabilities.learn(bulk_create=True)
            return _Sent(bulk_outcomes(answer, len(items), run.site.field_names))
    outcomes: list[Outcome] = []
    for index, item in enumerate(items):
        try:
            answer = run.client.create_issue(item.fields)
        except JiraRejected as exc:
            outcomes.append(_rejection(run, exc))
            continue
        except JiraError as exc:
            rest = _failed_call(run, exc, items[index:], carried=1)
            return _Sent(outcomes + rest.outcomes, rest.wait, rest.stop)
        created = Created(str(answer.get("id") or ""), str(answer.get("key") or ""))
        ok = created.jira_id and created.key
        outcomes.append(created if ok else Unknown("Jira's answer to the create lacks the key."))
    return _Sent(outcomes)


def _no_bulk(exc: JiraError) -> bool:
    return isinstance(exc, JiraNotFound) or exc.status == 405


def _rejection(run: PushRun, exc: JiraRejected) -> Refused:
    reason = refusal_reason(exc.messages, exc.field_errors, run.site.field_names)
    return Refused(reason, exc.field_errors)


def _failed_call(run: PushRun, exc: JiraError, items: list[_Item], *, carried: int) -> _Sent:
    """What a failed call means for `items`: the first `carried` went in the call, the rest
    (creating one by one) were never sent and go back to the queue as they were."""
    count = len(items)
    if isinstance(exc, JiraRejected):
        return _Sent([_rejection(run, exc)] * count)
    # A 404 to a create, or a bare JiraError (a redirect: wrong base URL), is the site's set-up.
    if isinstance(exc, (*_FATAL, JiraNotFound)) or type(exc) is JiraError:
        # Back to the queue, unless Jira may have acted (a Data Center 2xx flagged as a failed
        # login): then SENDING, and the label search guards the next push against a duplicate.
        sent: Outcome = Unknown(exc.message) if exc.outcome_unknown else Unsent(exc.message)
        stopped = [sent] * carried + [Unsent(exc.message)] * (count - carried)
        return _Sent(stopped, stop=exc.message)
    # Only what went in the call has an unknown outcome (SENDING: the next pass searches for
    # its label); the rest certainly did not reach Jira.
    if isinstance(exc, JiraRateLimited):
        later, wait = Unsent(NOT_SENT_RATE_LIMITED), exc.retry_after
    else:
        later = Unsent(NOT_SENT_NO_ANSWER)
        wait = backoff_seconds(max(item.link.attempts for item in items[:carried]))
    outcomes: list[Outcome] = [Unknown(exc.message)] * carried
    return _Sent(outcomes + [later] * (count - carried), wait=wait)


# ---- 4. record --------------------------------------------------------------------------------
def _record(session: Session, run: PushRun, items: list[_Item], outcomes: list[Outcome]) -> None:
    """What Jira did with each item, in the batch's session (mark_pushed_many finds the drafts
    and suggestions loaded by _prepare there), in a fixed number of statements."""
    counts = Counter[str]()
    pushed: list[push_execution.PushedIssue] = []
    refused: list[tuple[JiraLink, str]] = []
    unsure: list[tuple[JiraLink, str]] = []
    unsent: list[tuple[JiraLink, str]] = []
    for item, outcome in zip(items, outcomes, strict=True):
        link = item.link
        counts[type(outcome).__name__.lower()] += 1
        if isinstance(outcome, Created):
            pushed.append(_pushed(run, link, outcome, item.epic_key))
        elif isinstance(outcome, Refused):
            log.info("push job %s: %s refused: %s", run.job_id, link.label, outcome.reason)
            refused.append((link, outcome.reason))
        elif isinstance(outcome, Unsent):
            unsent.append((link, outcome.reason))
        else:
            unsure.append((link, outcome.reason))
    push_execution.mark_pushed_many(session, results=pushed)
    push_execution.mark_failed_many(session, failures=refused)
    push_execution.mark_not_sent(session, links=unsent)
    push_execution.requeue_many(session, retries=unsure)
    log.info("push job %s: batch of %d sent: %s", run.job_id, len(items), dict(counts))


def _pushed(
    run: PushRun, link: JiraLink, issue: Created, epic_key: str | None
) -> push_execution.PushedIssue:
    return push_execution.PushedIssue(
        link, issue.jira_id, issue.key, browse_url(run.site.base_url, issue.key), epic_key
    )


def _forget_outdated_metadata(run: PushRun, outcomes: Sequence[Outcome]) -> None:
    """Drop the cached site metadata, once per job run, if Jira refused a field it chose."""
    if run.outdated.is_set():
        return
    if any(isinstance(o, Refused) and run.site.outdated_by(o.field_errors) for o in outcomes):
        run.outdated.set()
        log.warning(
            "push job %s: Jira refused a field found by discovery; the next push discovers %s "
            "again",
            run.job_id,
            run.site.base_url,
        )
        metadata_cache.forget(run.client.base_url)
