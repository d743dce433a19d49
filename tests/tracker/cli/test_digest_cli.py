"""`tracker digest preview` and `tracker digest send [--dry-run]`: what an operator reads, what
is saved and sent, and the exit status scripts rely on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.digests import DigestWorld, deliveries, digest_rows, digest_settings
from tests.mail import SmtpServer
from tracker.models import DeliveryStatus, Role


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, smtp_server: SmtpServer) -> Flask:
    return make_app(database_url, **digest_settings(smtp_server))


def invoke(app: Flask, *args: str, expect: int) -> Any:
    result = app.test_cli_runner().invoke(args=["digest", *args])
    assert result.exit_code == expect, result.output
    return result


# --- preview ------------------------------------------------------------------------------------


def test_preview_prints_the_pm_digest_and_saves_and_sends_nothing(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    result = invoke(app, "preview", "--audience", "pm", expect=0)

    lines = result.output.splitlines()
    assert lines[0].startswith("Subject: Status digest: ")
    assert "(2 new, 0 decided)" in lines[0]
    assert digest_world.acme_idea.title in result.output
    assert digest_world.agent_idea.title in result.output
    assert digest_rows(app) == []
    assert deliveries(app) == []
    assert smtp_server.messages == []


def test_preview_of_a_vendor_shows_only_its_organisation(
    app: Flask, digest_world: DigestWorld
) -> None:
    result = invoke(app, "preview", "--audience", "vendor", "--org", "Acme Moderation", expect=0)

    assert "Acme Moderation" in result.output.splitlines()[0]
    assert digest_world.acme_idea.title in result.output
    assert digest_world.agent_idea.title not in result.output


def test_preview_formats(app: Flask, digest_world: DigestWorld) -> None:
    email = digest_world.agent.email
    common = ("preview", "--audience", "submitter", "--user", email)
    markdown = invoke(app, *common, "--format", "markdown", expect=0).output
    html = invoke(app, *common, "--format", "html", expect=0).output

    assert markdown.startswith("# Status digest: ")
    assert digest_world.agent_idea.title in markdown
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert digest_world.agent_idea.title in html
    assert "<script" not in html.lower()
    assert digest_world.acme_idea.title not in markdown + html


def test_preview_of_a_period_that_ended_before_the_ideas_shows_none(
    app: Flask, digest_world: DigestWorld
) -> None:
    result = invoke(
        app, "preview", "--audience", "pm", "--period-end", "2020-01-06T09:00", expect=0
    )

    assert "(0 new, 0 decided)" in result.output.splitlines()[0]
    assert "30 Dec 2019 - 6 Jan 2020" in result.output.splitlines()[0]


def test_preview_names_what_is_missing_or_wrong(app: Flask, digest_world: DigestWorld) -> None:
    missing_user = invoke(app, "preview", "--audience", "stakeholder", expect=2)
    missing_org = invoke(app, "preview", "--audience", "vendor", expect=2)
    unknown_org = invoke(app, "preview", "--audience", "vendor", "--org", "Nope", expect=2)
    unknown_user = invoke(
        app, "preview", "--audience", "submitter", "--user", "who@example.com", expect=2
    )
    bad_date = invoke(app, "preview", "--audience", "pm", "--period-end", "monday", expect=2)
    pm_with_user = invoke(
        app, "preview", "--audience", "pm", "--user", digest_world.pm.email, expect=2
    )

    assert "--user EMAIL" in missing_user.output
    assert "--org NAME" in missing_org.output
    assert "No vendor organisation named 'Nope'" in unknown_org.output
    assert "No user with the email who@example.com" in unknown_user.output
    assert "'monday' is not an ISO date-time" in bad_date.output
    assert "leave out --user and --org" in pm_with_user.output


# --- send ---------------------------------------------------------------------------------------


def test_dry_run_lists_audiences_periods_and_recipients_and_does_nothing(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    result = invoke(app, "send", "--dry-run", expect=0)

    out = result.output
    lines = out.splitlines()
    assert lines[0].startswith("Period ending ")
    assert lines[0].endswith(("GMT.", "IST."))
    pm_line = next(line for line in lines if line.startswith("pm "))
    assert "All PMs: " in pm_line
    assert f"{digest_world.pm.email}, {digest_world.pm2.email}" in pm_line
    assert digest_world.opted_out_pm.email not in out
    assert digest_world.gone_pm.email not in out
    assert any(
        line.startswith("vendor ")
        and "Globex Review" in line
        and digest_world.vendor_b.email in line
        for line in lines
    )
    # The ideas were submitted after the scheduled period ended: nothing for submitters.
    submitter_lines = [line for line in lines if line.startswith("submitter ")]
    assert len(submitter_lines) == 2
    assert all(line.endswith("nothing happened; not emailed") for line in submitter_lines)
    assert lines[-2:] == [
        "0 earlier emails waiting to be sent.",
        "Dry run: nothing was saved or sent.",
    ]
    assert digest_rows(app) == []
    assert smtp_server.messages == []


def test_send_prepares_and_sends_once(
    app: Flask, digest_world: DigestWorld, smtp_server: SmtpServer
) -> None:
    first = invoke(app, "send", expect=0)
    sent = len(smtp_server.messages)
    second = invoke(app, "send", expect=0)
    dry = invoke(app, "send", "--dry-run", expect=0)

    prepared = len(digest_rows(app))
    assert f"Prepared {prepared} digests for the period ending " in first.output
    assert f"Sent {sent} emails; 0 failed; 0 unconfirmed." in first.output
    # PMs, the stakeholder and three vendor staff (submitters had a quiet week).
    assert sent == 6
    assert "Prepared 0 digests" in second.output
    assert "Sent 0 emails; 0 failed; 0 unconfirmed." in second.output
    assert "Every digest of this period is prepared already." in dry.output
    assert len(smtp_server.messages) == sent


def test_send_exits_1_when_an_email_fails_and_says_it_is_retried(
    app: Flask, make_user: Callable[..., Any], smtp_server: SmtpServer
) -> None:
    pm = make_user(Role.PM)
    smtp_server.refuse_next(1)

    result = invoke(app, "send", expect=1)

    assert f"FAILED {pm.email}: The mail server answered 451" in result.output
    assert "retried by the next runs" in result.output
    assert [row.status for row in deliveries(app)] == [DeliveryStatus.FAILED.value]
    # Its retry is not due yet.
    assert "0 earlier emails waiting" in invoke(app, "send", "--dry-run", expect=0).output


def test_send_without_a_mail_server_says_so(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    bare = make_app(database_url)
    user_factory(bare, organisation_factory(bare))(Role.PM)

    result = invoke(bare, "send", expect=1)
    dry = invoke(bare, "send", "--dry-run", expect=0)

    assert "No mail server is configured (smtp.host); nothing was sent." in result.output
    assert "digests would not be emailed" in dry.output
    assert "no recipients (web page only)" in dry.output
    assert digest_rows(bare) == []
