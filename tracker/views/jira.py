"""Jira from the web: test the connection, push stories and epics, watch a push, and update,
unlink or relink a pushed story.

The push itself runs in sync/ (behind the Jira port); these views only queue jobs and show their
state. Talking to Jira directly happens in three places (the check, "Update in Jira", "Link to
existing"), each turning a `JiraFailure` into its plain sentence on the page, never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from tracker.config import JiraSettings, current_settings
from tracker.db import get_session
from tracker.errors import Conflict, DomainError, NotFound, ValidationFailed
from tracker.inputs import id_value
from tracker.models import JiraLink, PushJob, StoryDraft
from tracker.pagination import Page, paginate, requested_page
from tracker.permissions import Permission, requires
from tracker.services import jira_sites, ports
from tracker.services.accounts import users
from tracker.services.stories import drafts as stories
from tracker.services.stories import initiatives, push_queue, push_status
from tracker.views.outcomes import back_with_error

bp = Blueprint("jira", __name__, url_prefix="/jira")

# Jira keys are a project key, a dash and a number (PROJ-123); lower case is accepted and raised.
ISSUE_KEY_PATTERN = r"^\s*[A-Za-z][A-Za-z0-9_]*-[0-9]+\s*$"


class RelinkForm(FlaskForm):
    key = StringField(
        "Jira issue key",
        validators=[
            DataRequired("Enter the key of the Jira issue, like OPS-123."),
            Length(max=40),
            Regexp(ISSUE_KEY_PATTERN, message="A Jira key looks like OPS-123."),
        ],
    )


def _jira() -> JiraSettings:
    return current_settings().jira


def _job_status(job_id: int) -> push_status.JobStatus | None:
    job = get_session().get(PushJob, job_id)
    if job is None:
        return None
    return push_status.job_statuses(get_session(), jobs=[job]).get(job_id)


@bp.app_context_processor
def _jira_template_helpers() -> dict[str, Any]:
    """Lookups for the story and initiative pages, which other blueprints render."""
    return {
        "jira_links_for_stories": lambda ids: push_queue.links_for_stories(
            get_session(), story_ids=list(ids)
        ),
        "jira_link_for_story": lambda story_id: push_queue.link_for_story(
            get_session(), story_id=story_id
        ),
        "jira_epic_for": lambda initiative_id: push_queue.link_for_epic(
            get_session(), initiative_id=initiative_id
        ),
        "jira_push_states": lambda links: push_status.link_statuses(
            get_session(), links=list(links)
        ),
        "jira_job_status": _job_status,
        # Push is offered only where it can work: with no jira.base_url nothing may be queued.
        "jira_configured": bool(_jira().base_url),
    }


# --- connection check ---------------------------------------------------------------------------


def _check_page(results: Sequence[Any] | None) -> str:
    jira = _jira()
    return render_template(
        "jira/check.html",
        jira=jira,
        configured=bool(jira.base_url),
        token_set=bool(
            jira.api_token.get_secret_value()
            or jira.personal_access_token.get_secret_value()
            or jira.password.get_secret_value()
        ),
        results=results,
        failed=sum(not r.ok for r in results or ()),
        site_notes=jira_sites.site_notes(get_session(), base_url=jira.base_url),
    )


@bp.get("/check")
@requires(Permission.MANAGE_USERS)
def check() -> str:
    return _check_page(None)


@bp.post("/check")
@requires(Permission.MANAGE_USERS)
def check_run() -> str:
    return _check_page(ports.jira(current_app).check_connection())


# --- pushing ------------------------------------------------------------------------------------


def _push_refused(story_ids: Sequence[int], error: DomainError) -> tuple[str, int]:
    """The selection again, with the reason and only the ready drafts ticked (nothing lost)."""
    session = get_session()
    drafts = push_queue.visible_drafts(session, actor=current_user, ids=story_ids)
    return render_template(
        "jira/push_refused.html",
        message=error.message,
        hint=error.fields.get("story_ids"),
        drafts=[drafts[i] for i in story_ids if i in drafts],
        links=push_queue.links_for_stories(session, story_ids=list(drafts)),
    ), error.status_code


@bp.post("/push")
@requires(Permission.MANAGE_STORIES)
def push() -> Response | tuple[str, int]:
    session = get_session()
    story_ids: list[int] = []
    refused: ValidationFailed | None = None
    for value in request.form.getlist("story_ids"):
        try:
            story_ids.append(id_value(value, "story_ids"))
        except ValidationFailed as exc:
            refused = refused or exc
    story_ids = list(dict.fromkeys(story_ids))
    if refused is not None:  # a forged or mangled tick: nothing queued, the rest stay ticked
        return _push_refused(story_ids, refused)
    try:
        job = push_queue.request_push(
            session,
            actor=current_user,
            story_ids=story_ids,
            site_id=_jira().site_id,
            jira_url=_jira().base_url,
        )
    except DomainError as exc:
        return _push_refused(story_ids, exc)
    ports.wake_push_worker(current_app)
    flash(f"Pushing {job.total} {'story' if job.total == 1 else 'stories'} to Jira.", "success")
    return redirect(url_for("jira.progress", job_id=job.id))


@bp.post("/initiatives/<int:initiative_id>/push")
@requires(Permission.MANAGE_STORIES)
def initiative_push(initiative_id: int) -> Response:
    session = get_session()
    try:
        job = push_queue.request_initiative_push(
            session,
            actor=current_user,
            initiative_id=initiative_id,
            site_id=_jira().site_id,
            jira_url=_jira().base_url,
        )
    except (Conflict, ValidationFailed) as exc:
        return back_with_error(
            url_for("initiatives.detail", initiative_id=initiative_id), exc.message
        )
    ports.wake_push_worker(current_app)
    flash("Pushing the initiative as an epic, then its ready stories.", "success")
    return redirect(url_for("jira.progress", job_id=job.id))


@dataclass(frozen=True)
class PushRow:
    """One line of a push: what it is (as far as the viewer may see) and how it went."""

    link: JiraLink
    title: str
    url: str | None
    kind: str


def _rows(session: Session, links: Sequence[JiraLink]) -> list[PushRow]:
    drafts = push_queue.visible_drafts(
        session, actor=current_user, ids=[link.story_id for link in links if link.story_id]
    )
    rows = []
    for link in links:
        if link.initiative_id is not None:
            initiative = initiatives.get_initiative(session, initiative_id=link.initiative_id)
            url = url_for("initiatives.detail", initiative_id=initiative.id)
            rows.append(PushRow(link, initiative.name, url, "Epic"))
        elif link.story_id in drafts:
            draft = drafts[link.story_id]
            url = url_for("stories.detail", draft_id=draft.id)
            rows.append(PushRow(link, draft.summary or "(no summary)", url, "Story"))
        else:
            rows.append(PushRow(link, "A story not shared with you", None, "Story"))
    return rows


@bp.get("/pushes/<int:job_id>")
@requires(Permission.VIEW_STORIES)
def progress(job_id: int) -> str:
    session = get_session()
    state = push_queue.job_progress(session, job_id=job_id)
    requester = (
        users.get_user(session, state.job.requested_by_id) if state.job.requested_by_id else None
    )
    status = push_status.job_statuses(session, jobs=[state.job])[job_id]
    return render_template(
        "jira/progress.html",
        progress=state,
        job=state.job,
        status=status,
        rows=_rows(session, state.links),
        requester=requester,
        running=not status.finished,
    )


@bp.get("/pushes")
@requires(Permission.VIEW_STORIES)
def pushes() -> str:
    session = get_session()
    number, size = requested_page()
    page: Page[PushJob] = paginate(
        session, select(PushJob).order_by(col(PushJob.id).desc()), number, size
    )
    people = push_queue.requesters(session, jobs=page.items)
    names = {i.id: i.name for i in initiatives.all_initiatives(session)}
    return render_template(
        "jira/pushes.html",
        page=page,
        people=people,
        initiative_names=names,
        statuses=push_status.job_statuses(session, jobs=page.items),
    )


# --- one pushed story ---------------------------------------------------------------------------


def _back_to(draft_id: int) -> Response:
    return redirect(url_for("stories.detail", draft_id=draft_id))


@bp.post("/stories/<int:draft_id>/update")
@requires(Permission.MANAGE_STORIES)
def story_update(draft_id: int) -> Response:
    session = get_session()
    stories.get_draft(session, actor=current_user, draft_id=draft_id)
    link = push_queue.link_for_story(session, story_id=draft_id)
    if link is None or link.jira_key is None:
        flash("This story is not in Jira yet; push it first.", "error")
        return _back_to(draft_id)
    try:
        ports.jira(current_app).update_story(session, actor=current_user, story_id=draft_id)
    except (ports.JiraFailure, DomainError) as exc:
        return back_with_error(
            url_for("stories.detail", draft_id=draft_id),
            f"{link.jira_key} was not updated: {exc.message}",
        )
    flash(f"Updated {link.jira_key} in Jira with the draft's summary, text and points.", "success")
    return _back_to(draft_id)


@bp.post("/stories/<int:draft_id>/unlink")
@requires(Permission.MANAGE_STORIES)
def story_unlink(draft_id: int) -> Response:
    session = get_session()
    stories.get_draft(session, actor=current_user, draft_id=draft_id)
    link = push_queue.link_for_story(session, story_id=draft_id)
    key = link.jira_key if link else None
    try:
        push_queue.unlink(session, actor=current_user, story_id=draft_id)
    except Conflict as exc:
        return back_with_error(url_for("stories.detail", draft_id=draft_id), exc.message)
    flash(f"Unlinked from {key}; the issue itself stays in Jira.", "success")
    return _back_to(draft_id)


def _relink_page(
    draft: StoryDraft, form: RelinkForm, status: int, error: str | None = None
) -> tuple[str, int]:
    return render_template("jira/relink.html", draft=draft, form=form, error=error), status


@bp.post("/stories/<int:draft_id>/relink")
@requires(Permission.MANAGE_STORIES)
def story_relink(draft_id: int) -> Response | tuple[str, int]:
    session = get_session()
    draft = stories.get_draft(session, actor=current_user, draft_id=draft_id)
    form = RelinkForm()
    if not form.validate_on_submit():
        return _relink_page(draft, form, 422)
    key = (form.key.data or "").strip().upper()
    try:
        issue = ports.jira(current_app).find_issue(key)
    except ports.JiraMissing as exc:
        form.key.errors = [exc.message]
        return _relink_page(draft, form, 422)
    except ports.JiraFailure as exc:
        return _relink_page(draft, form, 502, error=exc.message)
    try:
        push_queue.relink(
            session,
            actor=current_user,
            story_id=draft_id,
            site_id=_jira().site_id,
            jira_id=issue.jira_id,
            jira_key=issue.jira_key,
            browse_url=issue.browse_url,
        )
    except (Conflict, NotFound) as exc:
        return _relink_page(draft, form, exc.status_code, error=exc.message)
    flash(f"Linked to {issue.jira_key}; the draft now follows that issue.", "success")
    return _back_to(draft_id)
