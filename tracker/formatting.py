"""Jinja filters. Times are stored in UTC and shown in the configured zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask


def format_datetime(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


def init_app(app: Flask) -> None:
    zone = app.config["SETTINGS"].timezone
    app.add_template_filter(lambda value: format_datetime(value, zone), "datetime")
