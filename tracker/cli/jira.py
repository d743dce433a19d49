"""`tracker jira`: test the Jira connection and push story drafts from the command line.

The same services back these commands and the web pages: `sync.jira.check` for the check, the push
queue plus `sync.push.worker` for pushes. Both commands exit 1 when anything went wrong, so scripts
and CI can rely on the exit status.
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from sync.jira.check import check_connection
from sync.jobs.owners import process_owner
from sync.push.worker import run_pending_jobs
from tracker import db
from tracker.cli.common import current_flask_app, fail
from tracker.config import current_settings
from tracker.errors import DomainError, NotFound
from tracker.models import DraftState, JiraLink, PushJob, PushState, User
from tracker.pagination import MAX_PER_PAGE
from tracker.services.accounts import users
from tracker.services.stories import drafts, initiatives, push_queue


@click.group("jira")
def jira_group() -> None:
    """Jira: test the connection, push story drafts."""


@jira_group.command("check")
@with_appcontext
def check() -> None:
    """Test the Jira settings against the live site (creates nothing); exit 1 on any problem."""
    results = check_connection(current_settings().jira)
    for result in results:
        if result.ok:
            click.echo(f"OK    {result.name}: {result.message}")
        else:
            click.secho(f"FAIL  {result.name}: {result.message}", fg="red")
    failed = sum(not result.ok for result in results)
    if failed:
        click.echo(f"{failed} {'problem' if failed == 1 else 'problems'} to fix before pushing.")
        raise SystemExit(1)
    click.echo("Jira is ready for pushes.")


@jira_group.command("push")
@click.option("--as", "actor_email", required=True, help="Email of the PM the push is made as.")
@click.option("--story", "story_ids", type=int, multiple=True, help="A ready draft's id; repeat.")
@click.option("--initiative", "initiative_id", type=int, help="Push an initiative as an epic.")
@click.option("--all-ready", is_flag=True, help="Every ready draft not yet in Jira.")
@with_appcontext
def push(
    actor_email: str, story_ids: tuple[int, ...], initiative_id: int | None, all_ready: bool
) -> None:
    """Push story drafts to Jira now and report each one's key or Jira's reason; exit 1 if
    any was not pushed."""
    if sum((bool(story_ids), initiative_id is not None, all_ready)) != 1:
        raise click.UsageError(
            "Say what to push with one of --story ID (repeatable), --initiative ID or --all-ready."
        )
    with db.session_scope() as session:
        try:
            actor = _actor(session, actor_email)
            job = _request_job(session, actor, story_ids, initiative_id, all_ready)
        except DomainError as exc:
            raise fail(exc) from None
        job_id, total, actor_id = job.id, job.total, actor.id
    assert job_id is not None
    assert actor_id is not None
    click.echo(f"Push #{job_id}: {total} {'item' if total == 1 else 'items'} queued.")
    _run_queue(current_flask_app(), total)
    if not _report(job_id, actor_id):
        raise SystemExit(1)


def _actor(session: Session, email: str) -> User:
    actor = users.find_user_by_email(session, email)
    if not actor.is_active:
        raise click.ClickException(f"{actor.email} is deactivated; push as an active PM.")
    return actor


def _request_job(
    session: Session,
    actor: User,
    story_ids: Sequence[int],
    initiative_id: int | None,
    all_ready: bool,
) -> PushJob:
    site_id = current_settings().jira.site_id
    if initiative_id is not None:
        return push_queue.request_initiative_push(
            session, actor=actor, initiative_id=initiative_id, site_id=site_id
        )
    if all_ready:
        story_ids = _ready_story_ids(session, actor)
        if not story_ids:
            raise click.ClickException("No story draft is ready; mark drafts ready first.")
    return push_queue.request_push(session, actor=actor, story_ids=story_ids, site_id=site_id)


def _ready_story_ids(session: Session, actor: User) -> list[int]:
    """Ready drafts not in Jira yet (the queue would skip pushed ones, but then says
    'everything is in Jira' only if all of them are)."""
    found: list[int] = []
    number = 1
    while True:
        page = drafts.list_drafts(
            session, actor=actor, state=DraftState.READY, page=number, per_page=MAX_PER_PAGE
        )
        found += [draft.id for draft in page.items if draft.id is not None]
        if not page.has_next:
            break
        number += 1
    pushed = {
        story_id
        for story_id in found
        if (link := push_queue.link_for_story(session, story_id=story_id))
        and link.state == PushState.PUSHED
    }
    return sorted(story_id for story_id in found if story_id not in pushed)


def _run_queue(app: Flask, total: int) -> None:
    owner = process_owner("cli")
    with click.progressbar(length=max(total, 1), label="Pushing to Jira", show_pos=True) as bar:

        def progress(done: int, of: int) -> None:
            # The worker also runs jobs queued by others; its count is per job, so follow it.
            if of != bar.length or done < bar.pos:
                bar.length, bar.pos = max(of, 1), 0
            bar.update(done - bar.pos)

        run_pending_jobs(app, owner=owner, progress=progress)


def _title(session: Session, actor: User, link: JiraLink) -> str:
    try:
        if link.initiative_id is not None:
            initiative = initiatives.get_initiative(session, initiative_id=link.initiative_id)
            return f"epic '{initiative.name}'"
        draft = drafts.get_draft(session, actor=actor, draft_id=link.story_id or 0)
    except NotFound:
        return f"story #{link.story_id}"
    return f"story #{draft.id} '{draft.summary}'"


def _report(job_id: int, actor_id: int) -> bool:
    """Print one line per item of the push; True when every item is in Jira."""
    with db.session_scope() as session:
        actor = users.get_user(session, actor_id)
        state = push_queue.job_progress(session, job_id=job_id)
        for link in state.links:
            title = _title(session, actor, link)
            if link.state == PushState.PUSHED:
                click.echo(f"  {link.jira_key:<12} {title}  {link.browse_url}")
            elif link.state == PushState.FAILED:
                click.secho(f"  FAILED       {title}: {link.last_error}", fg="red")
            else:
                why = link.last_error or "not sent yet"
                click.secho(f"  {link.state.upper():<12} {title}: {why}", fg="yellow")
        if state.job.last_error:
            click.secho(f"Push #{job_id}: {state.job.last_error}", fg="red")
        waiting = len(state.links) - state.done
        click.echo(f"{state.pushed} pushed, {state.failed} failed, {waiting} still waiting.")
        return state.pushed == len(state.links) and not state.job.last_error
