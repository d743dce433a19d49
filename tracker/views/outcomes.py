"""How a page answers an action the services refused, when it goes back rather than re-rendering."""

from __future__ import annotations

from flask import flash, redirect
from werkzeug.wrappers import Response

from tracker.db import discard_changes


def back_with_error(url: str, message: str) -> Response:
    """Back to `url` with the reason shown; nothing the action did is kept."""
    discard_changes()
    flash(message, "error")
    return redirect(url)
