"""Delivery outside Jira from the idea page: POST /suggestions/<id>/delivered (PMs)."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user
from sqlmodel import Session
from werkzeug.wrappers import Response

from tracker.config import current_settings
from tracker.models import utcnow
from tracker.permissions import Permission, requires
from tracker.services.benefits import delivery
from tracker.views.suggestion_forms import DeliverForm, Outcome, Page, detail_action

bp = Blueprint("deliveries", __name__, url_prefix="/suggestions")


@bp.post("/<int:suggestion_id>/delivered")
@requires(Permission.TRIAGE)
def mark_delivered(suggestion_id: int) -> Response | Page:
    """Mark the idea delivered on the day typed (or correct a hand delivery); errors beside the
    form on the idea page."""
    form = DeliverForm()

    def deliver(session: Session) -> Outcome:
        done = delivery.mark_delivered(
            session,
            actor=current_user,
            suggestion_id=suggestion_id,
            on=delivery.delivery_day(form.on.data),
            note=form.note.data or "",
            now=utcnow(),
            settings=current_settings(),
        )
        day = done.delivered_on.isoformat()
        if done.corrected:
            message = f"#{suggestion_id} now shows as delivered on {day}."
        else:
            message = f"#{suggestion_id} is delivered as of {day}; its benefit is measured next."
        return message, url_for(
            "suggestions.detail", suggestion_id=suggestion_id, _anchor="benefit"
        )

    return detail_action(suggestion_id, deliver, deliver_form=form)
