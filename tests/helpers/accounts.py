"""People and organisations for tests, made through the accounts service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tracker import db
from tracker.models import Organisation, Role, User
from tracker.services.accounts import users

PASSWORD = "correct horse battery staple"


def new_person_form(**overrides: str) -> dict[str, str]:
    """The administrator's form adding a person, filled in validly but for `overrides`."""
    return {
        "email": "new@example.com",
        "display_name": "New Person",
        "role": "submitter",
        "organisation_id": "",
        "password": PASSWORD,
        **overrides,
    }


def organisation_factory(app: Flask) -> Callable[..., Organisation]:
    """Creates organisations in `app`'s database."""

    def make(name: str = "Acme Moderation", is_vendor: bool = True) -> Organisation:
        with db.session_scope(app) as session:
            return users.create_organisation(session, name=name, is_vendor=is_vendor)

    return make


def user_factory(app: Flask, make_organisation: Callable[..., Organisation]) -> Callable[..., User]:
    """Creates users in `app`'s database with the password PASSWORD; vendors get an organisation."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.SUBMITTER, **overrides: Any) -> User:
        role = Role(role)
        number = next(counter)
        organisation_id = overrides.pop("organisation_id", None)
        if role is Role.VENDOR and organisation_id is None:
            organisation_id = make_organisation(name=f"Vendor {number}").id
        values: dict[str, Any] = {
            "email": f"{role.value}{number}@example.com",
            "display_name": f"{role.value.title()} {number}",
            "password": PASSWORD,
            "role": role,
            "organisation_id": organisation_id,
        }
        values.update(overrides)
        with db.session_scope(app) as session:
            return users.create_user(session, actor=None, **values)

    return make
