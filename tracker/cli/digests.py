"""`tracker digest`: preview an audience's digest, and prepare and send the due period's digests.

The same services back these commands, the scheduled job and the PM's "send now" button.
`send` exits 1 when an email failed (it is retried by the next run), so scripts can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlmodel import Session

from sync.jobs import digest_send
from tracker import db
from tracker.cli.common import current_flask_app, fail
from tracker.config import Settings, current_settings
from tracker.errors import DomainError, NotFound
from tracker.formatting import format_datetime
from tracker.models import Audience, User, utcnow
from tracker.services.accounts import users as accounts
from tracker.services.digests import content as digest_content
from tracker.services.digests import delivery, periods, render
from tracker.services.email import preferences


def _when(value: datetime) -> str:
    return format_datetime(value, current_settings().timezone)


@click.group("digest")
def digest_group() -> None:
    """Status digests: preview one, or prepare and email the due period's digests."""


# --- preview ------------------------------------------------------------------------------------


@digest_group.command("preview")
@click.option("--audience", type=click.Choice([a.value for a in Audience]), required=True)
@click.option("--user", "email", default=None, help="The stakeholder or submitter (email).")
@click.option("--org", "org_name", default=None, help="The vendor organisation (name).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html"]), default="text")
@click.option(
    "--period-end",
    default=None,
    help="ISO date-time the period ends (local time when no offset is given); default now.",
)
@with_appcontext
def preview(
    audience: str, email: str | None, org_name: str | None, fmt: str, period_end: str | None
) -> None:
    """Print the digest the audience would get for the period since its last digest, without
    saving or sending anything."""
    settings = current_settings()
    end = _parse_end(period_end, settings.timezone)
    with Session(db.engine()) as session:  # closed without a commit: nothing is saved
        subject_key, user = _subject(session, Audience(audience), email, org_name)
        start = periods.previous_ends(session, before=end).get(
            (audience, subject_key)
        ) or periods.default_period_start(settings, end)
        try:
            content = digest_content.build(
                session,
                audience=Audience(audience),
                subject_key=subject_key,
                period_start=start,
                period_end=end,
                settings=settings,
            )
        except DomainError as exc:
            raise fail(exc) from None
    if fmt == "markdown":
        click.echo(render.render_markdown(content), nl=False)
        return
    unsubscribe = (
        preferences.unsubscribe_url(settings, user.id, "digests")
        if user is not None and user.id is not None
        else f"{settings.base_url}/account/email"
    )
    html, text, _images = render.render_email(content, unsubscribe_url=unsubscribe)
    if fmt == "html":
        click.echo(html)
    else:
        click.echo(f"Subject: {render.email_subject(content)}\n")
        click.echo(text, nl=False)


def _parse_end(value: str | None, zone: str) -> datetime:
    if value is None:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not an ISO date-time such as 2026-11-23T09:00.",
            param_hint="--period-end",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(ZoneInfo("UTC"))


def _subject(
    session: Session, audience: Audience, email: str | None, org_name: str | None
) -> tuple[str, User | None]:
    """The digest's subject key and, for a person's digest, the person."""
    if audience is Audience.PM:
        if email or org_name:
            raise click.UsageError("The PM digest covers everything: leave out --user and --org.")
        return "all", None
    if audience is Audience.VENDOR:
        if not org_name:
            raise click.UsageError("Name the vendor organisation with --org NAME.")
        try:
            org = accounts.find_vendor_organisation(session, org_name)
        except NotFound as exc:
            raise click.BadParameter(exc.message, param_hint="--org") from None
        return f"org:{org.id}", None
    if not email or org_name:
        raise click.UsageError(f"Name the {audience.value} with --user EMAIL (and no --org).")
    try:
        user = accounts.find_user_by_email(session, email)
    except NotFound:
        raise click.BadParameter(f"No user with the email {email}.", param_hint="--user") from None
    return f"user:{user.id}", user


# --- send ---------------------------------------------------------------------------------------


@digest_group.command("send")
@click.option("--dry-run", is_flag=True, help="List what would be sent; save and send nothing.")
@with_appcontext
def send(dry_run: bool) -> None:
    """Prepare the digests of the latest scheduled period (if not done yet) and email every
    pending delivery and due retry; exit 1 if an email failed."""
    app = current_flask_app()
    settings = current_settings()
    now = utcnow()
    period_end = periods.period_end_for(settings, now)
    if dry_run:
        _dry_run(settings, period_end, now)
        return
    if not settings.smtp.host:
        raise click.ClickException("No mail server is configured (smtp.host); nothing was sent.")
    count = digest_send.prepare_period(app, period_end=period_end)
    click.echo(
        f"Prepared {count} {'digest' if count == 1 else 'digests'} "
        f"for the period ending {_when(period_end)}."
    )
    report = digest_send.send_pending(app, now=now)
    if report.busy:
        raise click.ClickException("Another run is sending digests now; try again in a minute.")
    click.echo(
        f"Sent {report.sent} {'email' if report.sent == 1 else 'emails'}; "
        f"{report.failed} failed; {report.unconfirmed} unconfirmed."
    )
    for error in report.errors:
        click.secho(f"FAILED {error}", fg="red")
    if report.unconfirmed:
        click.echo(
            "Unconfirmed emails were being sent when an earlier run stopped; "
            "they are not sent again."
        )
    if report.failed:
        click.echo("Failed emails are retried by the next runs and listed on the admin page.")
        raise SystemExit(1)


def _dry_run(settings: Settings, period_end: datetime, now: datetime) -> None:
    with Session(db.engine()) as session:  # closed without a commit: nothing is saved
        planned = periods.plan(session, settings=settings, period_end=period_end)
        waiting = delivery.count_due(session, settings=settings, now=now)
        click.echo(f"Period ending {_when(period_end)}.")
        if not settings.smtp.host:
            click.echo("No mail server is configured (smtp.host): digests would not be emailed.")
        if not planned:
            click.echo("Every digest of this period is prepared already.")
        for item in planned:
            target = item.target
            click.echo(
                f"{target.audience.value:12} {target.name}: "
                f"{_when(item.period_start)} to {_when(item.period_end)}: "
                f"{_recipients(target.audience, item.recipients, item.content)}"
            )
    click.echo(f"{waiting} earlier {'email' if waiting == 1 else 'emails'} waiting to be sent.")
    click.echo("Dry run: nothing was saved or sent.")


def _recipients(audience: Audience, users: Sequence[User], content: dict[str, Any]) -> str:
    if users:
        return ", ".join(u.email for u in users)
    if audience is Audience.SUBMITTER and periods.is_empty(content):
        return "nothing happened; not emailed"
    return "no recipients (web page only)"
