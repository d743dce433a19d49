"""Pushed stories kept under their initiative's epic in Jira.

A story is created under its epic when the epic is in Jira already (sync/mapping/payload.py).
One pushed earlier, one moved to another initiative (or out of one), and one pushed before the
tracker recorded epics (`JiraLink.epic_key` None) is moved here, with one edit of its issue and
no other call: after a push job creates an epic, for that initiative's stories (worker.run_job),
and in the sweep that follows every run of the push worker (worker.run_pending_jobs, every 30 s
from the scheduler), which opens no client unless a story needs moving.

Jira refusing a move (the Epic Link field not on the edit screen, an epic deleted) is recorded
on the link in words for the PM (`epic_error`), and that story is not tried again until it
changes initiative or is updated in Jira. Any other failure stops the round; the next sweep
goes on where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence

from flask import Flask

from sync.jira import sites
from sync.jira.client import JiraClient
from sync.jira.discovery import SiteMetadata
from sync.jira.errors import JiraError, JiraNotFound, JiraRejected
from sync.jira.metadata_store import metadata_cache
from sync.mapping.payload import epic_edit_fields, epic_refusal
from tracker.config import Settings
from tracker.db import session_scope
from tracker.services.stories import push_execution

__all__ = ["relink_stories", "sweep"]

log = logging.getLogger(__name__)


def relink_stories(
    app: Flask,
    client: JiraClient,
    site: SiteMetadata,
    *,
    initiative_ids: Collection[int] | None = None,
) -> int:
    """Move every pushed story (of `initiative_ids`, if given) whose issue is not under its
    initiative's epic there, or out of the epic it left; returns how many moved. Commits each
    story's outcome on its own. Raises the client's JiraError for anything but a refusal of
    one story's move (credentials, permission, Jira down): the rest waits for the next sweep."""
    with session_scope(app) as session:
        moves = push_execution.epic_moves(session, initiative_ids=initiative_ids)
    return _move(app, client, site, moves)


def sweep(
    app: Flask,
    *,
    client_factory: sites.ClientFactory | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Catch up on every story whose issue is not under its initiative's epic; returns how many
    moved. One query when none is (no client opened, no call to Jira). Never raises for
    Jira's trouble: it is logged, and the next sweep tries again."""
    settings: Settings = app.config["SETTINGS"]
    with session_scope(app) as session:
        moves = push_execution.epic_moves(session)
    if not moves or not settings.jira.base_url:
        return 0
    try:
        with sites.connected(app, settings.jira, client_factory, sleep=sleep) as client:
            site = metadata_cache.get(client, settings.jira)
            return _move(app, client, site, moves)
    except JiraError as exc:
        log.warning("moving %d stories to their epics stopped: %s", len(moves), exc.message)
        return 0


def _move(
    app: Flask, client: JiraClient, site: SiteMetadata, moves: Sequence[push_execution.EpicMove]
) -> int:
    moved = 0
    for move in moves:
        fields = epic_edit_fields(site, move.wanted)
        if not fields:  # a Data Center site without an Epic Link field: nothing to send
            _refused(
                app,
                move,
                epic_refusal(site, {}, [], story_key=move.story_key, epic_key=move.wanted),
            )
            continue
        try:
            client.edit_issue(move.issue, fields)
        except JiraRejected as exc:
            words = epic_refusal(
                site, exc.field_errors, exc.messages, story_key=move.story_key, epic_key=move.wanted
            )
            _refused(app, move, words)
        except JiraNotFound:
            reason = (
                f"Jira has no issue {move.story_key} any more, or the tracker's account cannot "
                "see it; link the story to its issue again to put it under its epic."
            )
            _refused(app, move, reason)
        else:
            with session_scope(app) as session:
                push_execution.record_epic(session, link_id=move.link_id, epic_key=move.wanted)
            log.info("moved %s from epic %s to %s", move.story_key, move.current, move.wanted)
            moved += 1
    return moved


def _refused(app: Flask, move: push_execution.EpicMove, reason: str) -> None:
    log.warning("could not move %s to epic %s: %s", move.story_key, move.wanted, reason)
    with session_scope(app) as session:
        push_execution.record_epic_error(session, link_id=move.link_id, reason=reason)
