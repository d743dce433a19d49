"""`tracker jira`: test the Jira connection and push story drafts from the command line.

The same services back these commands and the web pages: `sync.jira.check` for the check, the push
queue plus `sync.push.worker` for pushes, push_status for the words a push's state is told in.
Both commands exit 1 when anything went wrong, so scripts and CI can rely on the exit status.
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from sync.jira.check import check_site
from sync.jobs.owners import process_owner
from sync.push.worker import run_pending_jobs
from tracker import db
from tracker.cli.common import current_flask_app, fail
from tracker.config import current_settings
from tracker.errors import DomainError, NotFound
from tracker.formatting import format_datetime
from tracker.models import DraftState, JiraLink, PushJob, PushState, User, utcnow
from tracker.pagination import MAX_PER_PAGE
from tracker.services.accounts import users
from tracker.services.stories import drafts, initiatives, push_queue, push_status


@click.group("jira")
def jira_group() -> None:
    """Jira: test the connection, push story drafts."""


@jira_group.command("check")
@click.option(
    "--refresh", is_flag=True, help="Ask Jira again instead of trusting what was stored about it."
)
@with_appcontext
def check(refresh: bool) -> None:
    """Test the Jira settings against the live site (creates nothing); exit 1 on any problem."""
    results = check_site(current_flask_app(), refresh=refresh)
    for result in results:
        if result.ok:
            click.echo(f"OK    {result.name}: {result.message}")
            continue
        click.secho(f"FAIL  {result.name}: {result.message}", fg="red")
        detail = getattr(result, "detail", "")
        if detail:
            click.echo(f"      detail: {detail}")
    failed = sum(not result.ok for result in results)
    if failed:
        click.echo(f"{failed} {'problem' if failed == 1 else 'problems'} to fix before pushing.")
        raise SystemExit(1)
    click.echo("Jira is ready for pushes.")


class NothingToPush(Exception):
    """Every ready draft is in Jira already: said, and not an error."""


@jira_group.command("push")
@click.option("--as", "actor_email", help="Email of the PM the push is made as.")
@click.option("--story", "story_ids", type=int, multiple=True, help="A ready draft's id; repeat.")
@click.option("--initiative", "initiative_id", type=int, help="Push an initiative as an epic.")
@click.option("--all-ready", is_flag=True, help="Every ready draft not yet in Jira.")
@click.option(
    "--resume", is_flag=True, help="Run the unfinished pushes to their end; queue nothing new."
)
@with_appcontext
def push(
    actor_email: str | None,
    story_ids: tuple[int, ...],
    initiative_id: int | None,
    all_ready: bool,
    resume: bool,
) -> None:
    """Push story drafts to Jira now and report each one's key or Jira's reason; exit 1 if
    any was not pushed. With --resume, finish the pushes left unfinished instead."""
    if resume:
        if story_ids or initiative_id is not None or all_ready:
            raise click.UsageError("--resume queues nothing new: leave out what to push.")
        _resume()
        return
    if sum((bool(story_ids), initiative_id is not None, all_ready)) != 1:
        raise click.UsageError(
            "Say what to push with one of --story ID (repeatable), --initiative ID or --all-ready."
        )
    if not actor_email:
        raise click.UsageError("Missing option '--as': the email of the PM the push is made as.")
    with db.session_scope() as session:
        try:
            actor = _actor(session, actor_email)
            job = _request_job(session, actor, story_ids, initiative_id, all_ready)
        except NothingToPush as exc:
            click.echo(str(exc))
            return
        except DomainError as exc:
            raise fail(exc) from None
        job_id, total, actor_id = job.id, job.total, actor.id
    assert job_id is not None
    assert actor_id is not None
    click.echo(f"Push #{job_id}: {total} {'item' if total == 1 else 'items'} queued.")
    _run_queue(current_flask_app(), total)
    if not _report(job_id, actor_id):
        raise SystemExit(1)


def _resume() -> None:
    """Run every unfinished push this process can claim, then report each one."""
    try:
        push_queue.require_jira(current_settings().jira.base_url)
    except DomainError as exc:
        raise fail(exc) from None
    with db.session_scope() as session:
        pending = [job.id for job in push_status.unfinished_jobs(session) if job.id is not None]
    if not pending:
        click.echo("No push is unfinished; nothing to resume.")
        return
    click.echo(f"Resuming {len(pending)} unfinished {'push' if len(pending) == 1 else 'pushes'}.")
    _run_queue(current_flask_app(), 1)
    complete = [_report(job_id, None, header=True) for job_id in pending]
    if not all(complete):
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
    jira = current_settings().jira
    if initiative_id is not None:
        return push_queue.request_initiative_push(
            session,
            actor=actor,
            initiative_id=initiative_id,
            site_id=jira.site_id,
            jira_url=jira.base_url,
        )
    if all_ready:
        push_queue.require_jira(jira.base_url)
        ready = _ready_story_ids(session, actor)
        story_ids = [story_id for story_id, in_jira in ready if not in_jira]
        if not ready:
            raise click.ClickException("No story draft is ready; mark drafts ready first.")
        if not story_ids:
            if len(ready) == 1:
                raise NothingToPush("The one ready story is in Jira already; nothing to push.")
            raise NothingToPush(
                f"All {len(ready)} ready stories are in Jira already; nothing to push."
            )
    return push_queue.request_push(
        session, actor=actor, story_ids=story_ids, site_id=jira.site_id, jira_url=jira.base_url
    )


def _ready_story_ids(session: Session, actor: User) -> list[tuple[int, bool]]:
    """Every ready draft the actor may see, with whether it is in Jira already."""
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
    links = push_queue.links_for_stories(session, story_ids=found)
    return sorted(
        (story_id, story_id in links and links[story_id].state == PushState.PUSHED)
        for story_id in found
    )


def _run_queue(app: Flask, total: int) -> None:
    owner = process_owner("cli")
    with click.progressbar(length=max(total, 1), label="Pushing to Jira", show_pos=True) as bar:

        def progress(done: int, of: int) -> None:
            # The worker also runs jobs queued by others; its count is per job, so follow it.
            if of != bar.length or done < bar.pos:
                bar.length, bar.pos = max(of, 1), 0
            bar.update(done - bar.pos)

        run_pending_jobs(app, owner=owner, progress=progress)


def _title(session: Session, actor: User | None, link: JiraLink) -> str:
    try:
        if link.initiative_id is not None:
            initiative = initiatives.get_initiative(session, initiative_id=link.initiative_id)
            return f"epic '{initiative.name}'"
        if actor is None:
            return f"story #{link.story_id}"
        draft = drafts.get_draft(session, actor=actor, draft_id=link.story_id or 0)
    except NotFound:
        return f"story #{link.story_id}"
    return f"story #{draft.id} '{draft.summary}'"


def _report(job_id: int, actor_id: int | None, *, header: bool = False) -> bool:
    """Print one line per item of the push, then how the push stands; True when every item is
    in Jira. Without an actor (a resumed push) titles are read as the PM who asked for it."""
    zone = current_settings().timezone
    with db.session_scope() as session:
        state = push_queue.job_progress(session, job_id=job_id)
        if header:
            click.echo(f"Push #{job_id}:")
        asker = actor_id or state.job.requested_by_id
        actor = users.get_user(session, asker) if asker is not None else None
        statuses = push_status.link_statuses(session, links=state.links)
        for link in state.links:
            title = _title(session, actor, link)
            status = statuses[link.id or 0]
            if link.state == PushState.PUSHED:
                click.echo(f"  {link.jira_key:<12} {title}  {link.browse_url}")
            elif link.state == PushState.FAILED:
                click.secho(f"  FAILED       {title}: {link.last_error}", fg="red")
            else:
                why = status.reason or link.last_error or status.hint or "not sent yet"
                click.secho(f"  {status.label.upper():<12} {title}: {why}", fg="yellow")
        # This process's run has returned: a lease it still holds is a pause it left.
        job = push_status.job_statuses(
            session, jobs=[state.job], now=utcnow(), idle_owner=process_owner("cli")
        )[job_id]
        if job.key == "running":
            until = format_datetime(job.until, zone)
            click.secho(f"Push #{job_id}: held by {job.holder} until {until}.", fg="yellow")
        elif job.key != "done":
            click.secho(f"Push #{job_id}: {job.text}", fg="red")
        waiting = len(state.links) - state.done
        click.echo(f"{state.pushed} pushed, {state.failed} failed, {waiting} still waiting.")
        return job.key == "done" and state.pushed == len(state.links)
