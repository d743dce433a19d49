"""Placeholder: being written (digest sending job)."""

from flask import Flask


def scheduled_digests(app: Flask) -> None:
    raise NotImplementedError


def digests_enabled(app: Flask) -> bool:
    return False
