"""Digest pages: the list of digests a person may see, each digest's permalink and Markdown
export, the deliveries PMs watch, and the PMs' "send now" button.

Which digest a person may open is decided by services/digests/pages.py; any other is a 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from tracker.config import current_settings
from tracker.db import get_session
from tracker.errors import DomainError
from tracker.models.digests import Audience
from tracker.pagination import requested_page
from tracker.permissions import Permission, requires
from tracker.services import ports
from tracker.services.digests import pages, render

bp = Blueprint("digests", __name__, url_prefix="/digests")


class SendNowForm(FlaskForm):  # type: ignore[misc]
    """No fields: the CSRF token is the whole form."""


def _permalink(digest_id: int) -> str:
    return render.digest_url(current_settings().base_url, digest_id)


@bp.get("")
@requires(Permission.VIEW_DIGESTS)
def index() -> str:
    session = get_session()
    audience = request.args.get("audience", "")
    if audience not in {a.value for a in Audience}:
        audience = ""
    number, size = requested_page()
    page = pages.list_digests(
        session, viewer=current_user, page=number, per_page=size, audience=audience or None
    )
    sees_all = pages.sees_all(current_user)
    return render_template(
        "digests/index.html",
        page=page,
        audience=audience,
        audiences=list(Audience),
        sees_all=sees_all,
        own_subject=pages.own_subject_key(current_user),
        overview=pages.delivery_overview(session, viewer=current_user) if sees_all else None,
        form=SendNowForm(),
        fmt=render.DigestFormat({"timezone": current_settings().timezone}),
    )


@bp.get("/<int:digest_id>")
@requires(Permission.VIEW_DIGESTS)
def page(digest_id: int) -> str:
    session = get_session()
    digest = pages.get_digest(session, viewer=current_user, digest_id=digest_id)
    deliveries = (
        pages.deliveries_of(session, viewer=current_user, digest=digest)
        if pages.sees_all(current_user)
        else None
    )
    return render_template(
        "digests/page.html",
        digest=digest,
        deliveries=deliveries,
        own_subject=pages.own_subject_key(current_user),
        **render.page_context(digest.content),
    )


@bp.get("/<int:digest_id>.md")
@requires(Permission.VIEW_DIGESTS)
def markdown(digest_id: int) -> Response:
    session = get_session()
    digest = pages.get_digest(session, viewer=current_user, digest_id=digest_id)
    text = render.render_markdown(digest.content, web_url=_permalink(digest_id))
    response = Response(text, mimetype="text/markdown")
    disposition = "attachment" if request.args.get("download") else "inline"
    filename = f"digest-{digest_id}-{digest.period_end:%Y-%m-%d}.md"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.post("/send-now")
@requires(Permission.SEND_DIGESTS)
def send_now() -> BaseResponse:
    form = SendNowForm()
    if not form.validate_on_submit():  # only the CSRF token can fail, and CSRFProtect says so
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("digests.index"))
    try:
        result = ports.digests(current_app).send_now(actor=current_user._get_current_object())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("digests.index"))
    report = result.report
    if report.busy:
        flash(
            f"Prepared {result.prepared} digests; another run is sending right now and will "
            "deliver them.",
            "success",
        )
        return redirect(url_for("digests.index"))
    message = f"Prepared {result.prepared} digests and sent {report.sent} emails."
    if report.failed or report.unconfirmed:
        message += (
            f" {report.failed} failed (retried later), {report.unconfirmed} unconfirmed;"
            " see the deliveries below."
        )
        flash(message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("digests.index"))
