"""The tracker's side of a fake Jira: the `jira` settings that point at one, the unique labels
pushes leave in it, and the push jobs and worker runs a test looks at."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import select

from sync.push.worker import run_pending_jobs
from tests.fakejira import FakeJira
from tracker import db
from tracker.models import PushJob
from tracker.services.stories import push_queue

SITE_ID = "t1"
SECRET_TOKEN = "jira-token-never-shown-5e1f"  # the `fake` fixture's API token: never on a page
WRONG_TOKEN = "wrong-token-3f9c1a"  # a deliberately wrong credential, to be kept out of pages


def jira_config(fake: FakeJira, **overrides: Any) -> dict[str, Any]:
    """The `jira` settings section pointing at the fake, with its flavour's credentials."""
    values: dict[str, Any] = {
        "base_url": fake.url,
        "project_key": "OPS",
        "deployment": fake.flavour,
        "site_id": SITE_ID,
        "labels": ["from-tracker"],
        "priority_map": {"Highest": "High"},
    }
    if fake.flavour == "cloud":
        values.update(email=fake.email, api_token=fake.api_token)
    elif fake.personal_access_tokens:
        values["personal_access_token"] = fake.pat
    else:  # Server before 8.14: basic auth only
        values.update(username=fake.username, password=fake.password)
    values.update(overrides)
    return values


def story_label(story_id: int) -> str:
    return push_queue.story_label(SITE_ID, story_id)


def create_calls(fake: FakeJira) -> int:
    """Create requests the fake received (single and bulk)."""
    return fake.call_count(r"/issue(/bulk)?$", "POST")


def jobs(app: Flask) -> list[PushJob]:
    with db.session_scope(app) as session:
        return list(session.exec(select(PushJob)).all())


def run_worker(app: Flask) -> None:
    """Run the push worker in-process until no job is left."""
    run_pending_jobs(app, owner="test")
