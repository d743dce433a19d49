"""An initiative's page links to where the latest digest the reader may open shows its progress:
the portfolio digest for PMs, their own digest for stakeholders, nothing when none shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.helpers import digest_samples as samples
from tests.helpers.client import TrackerClient
from tests.helpers.delivery import seed_initiative
from tracker.models import Role, User

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _digest(
    app: Flask, audience: str, subject_key: str, initiative_id: int, *, weeks_ago: int = 0,
    detail: bool = True,
) -> int:  # fmt: skip
    content: dict[str, Any] = samples.sample_content(audience=audience, subject_key=subject_key)
    content["initiatives"][0]["id"] = initiative_id
    content["initiatives"][0]["detail"] = detail
    end = END - timedelta(weeks=weeks_ago)
    return samples.store_digest(
        app, audience, subject_key, content, period_start=end - timedelta(days=7), period_end=end
    )


def test_pms_are_sent_to_the_initiative_in_the_newest_portfolio_digest(
    app: Flask, client: TrackerClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.PM)
    initiative_id, _ = seed_initiative(app)
    _digest(app, "pm", "all", initiative_id, weeks_ago=1)
    newest = _digest(app, "pm", "all", initiative_id)
    _digest(app, "stakeholder", "user:999", initiative_id)  # someone else's, as new
    page = client.get(f"/initiatives/{initiative_id}").text
    assert f'href="/digests/{newest}#initiative-{initiative_id}"' in page
    digest = client.get(f"/digests/{newest}").text
    assert f'id="initiative-{initiative_id}"' in digest


def test_a_stakeholder_is_sent_to_their_own_digest(
    app: Flask,
    client: TrackerClient,
    make_user: Callable[..., User],
) -> None:
    initiative_id, _ = seed_initiative(app)
    stakeholder = make_user(Role.STAKEHOLDER)
    _digest(app, "pm", "all", initiative_id)
    own = _digest(app, "stakeholder", f"user:{stakeholder.id}", initiative_id, weeks_ago=1)
    client.login(stakeholder.email)
    page = client.get(f"/initiatives/{initiative_id}").text
    assert f'href="/digests/{own}#initiative-{initiative_id}"' in page
    assert "How it stood in the latest digest" in page


def test_no_link_when_their_digest_withholds_the_progress(
    app: Flask, client: TrackerClient, make_user: Callable[..., User]
) -> None:
    initiative_id, _ = seed_initiative(app)
    submitter = make_user(Role.SUBMITTER)
    _digest(app, "pm", "all", initiative_id)  # not theirs to open
    _digest(app, "submitter", f"user:{submitter.id}", initiative_id, detail=False)
    client.login(submitter.email)
    page = client.get(f"/initiatives/{initiative_id}")
    assert page.status_code == 200
    assert "How it stood" not in page.text


def test_no_link_for_an_initiative_no_digest_shows(
    app: Flask, client: TrackerClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.PM)
    shown, _ = seed_initiative(app)
    _digest(app, "pm", "all", shown)
    other, _ = seed_initiative(app, "Other work")
    page = client.get(f"/initiatives/{other}")
    assert page.status_code == 200
    assert "How it stood" not in page.text
