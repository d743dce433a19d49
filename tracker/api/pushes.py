"""Pushing to Jira over the API: the same push queue and the same refusals as the pages (409
when Jira is not configured, when everything is in Jira already, or while a live push holds a
story), and the push's state in push_status's words."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.wrappers import Response

from tracker.api.common import bp, to_json
from tracker.api.inputs import actor, parse
from tracker.api.openapi import operation
from tracker.api.schemas.pushes import PushItemPublic, PushJobPublic, PushRequest
from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import ValidationFailed
from tracker.permissions import Permission, requires
from tracker.services import ports
from tracker.services.stories import push_queue, push_status

TAG = "jira"


def _job(job_id: int, status_code: int = 200) -> Response:
    session = get_session()
    progress = push_queue.job_progress(session, job_id=job_id)
    states = push_status.link_statuses(session, links=progress.links)
    job_state = push_status.job_statuses(session, jobs=[progress.job])[job_id]
    items = [PushItemPublic.of(link, states[link.id]) for link in progress.links if link.id]
    return to_json(PushJobPublic.of(progress.job, job_state, items), status=status_code)


@bp.post("/pushes")
@requires(Permission.MANAGE_STORIES)
@operation(
    "Push ready story drafts (or an initiative as an epic with its ready drafts) to Jira; "
    "409 when Jira is not configured or nothing needs pushing",
    body=PushRequest,
    response=PushJobPublic,
    status=202,
    tag=TAG,
)
def push_create() -> Response:
    session = get_session()
    jira = current_settings().jira
    push_queue.require_jira(jira.base_url)  # before the body's shape: nothing can be pushed
    wanted = parse(PushRequest)
    if (wanted.initiative_id is None) == (not wanted.story_ids):
        raise ValidationFailed(
            "Say what to push: story_ids or initiative_id, not both.",
            fields={"story_ids": "Give ready drafts' ids, or an initiative_id instead."},
        )
    if wanted.initiative_id is not None:
        job = push_queue.request_initiative_push(
            session,
            actor=actor(),
            initiative_id=wanted.initiative_id,
            site_id=jira.site_id,
            jira_url=jira.base_url,
        )
    else:
        job = push_queue.request_push(
            session,
            actor=actor(),
            story_ids=list(dict.fromkeys(wanted.story_ids)),
            site_id=jira.site_id,
            jira_url=jira.base_url,
        )
    assert job.id is not None
    ports.wake_push_worker(current_app)
    response = _job(job.id, status_code=202)
    response.headers["Location"] = url_for("api.push_detail", job_id=job.id)
    return response


@bp.get("/pushes/<int:job_id>")
@requires(Permission.VIEW_STORIES)
@operation(
    "A push to Jira: its state, who holds it, and each item's state",
    tag=TAG,
    response=PushJobPublic,
)
def push_detail(job_id: int) -> Response:
    return _job(job_id)
