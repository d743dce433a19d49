"""Placeholder: being written (status sync engine)."""

from flask import Flask


def scheduled_incremental(app: Flask) -> None:
    raise NotImplementedError


def scheduled_full(app: Flask) -> None:
    raise NotImplementedError


def sync_enabled(app: Flask) -> bool:
    return False
