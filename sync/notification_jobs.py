"""Placeholder: being written (notification emails job)."""

from flask import Flask


def scheduled_notifications(app: Flask) -> None:
    raise NotImplementedError


def notifications_enabled(app: Flask) -> bool:
    return False
