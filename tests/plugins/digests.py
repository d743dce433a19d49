"""The world the digest sending and `tracker digest` tests share: PMs, stakeholders, vendors of
two organisations and agents, some opted out or gone, and two ideas in one area."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.helpers.digests import (
    AREA,
    DigestWorld,
    deactivate,
    follow_area,
    submit,
    turn_digests_off,
)
from tracker.models import Organisation, Role, User


@pytest.fixture
def digest_world(
    app: Flask, make_user: Callable[..., User], make_organisation: Callable[..., Organisation]
) -> DigestWorld:
    acme = make_organisation("Acme Moderation")
    globex = make_organisation("Globex Review")
    people = {
        "pm": make_user(Role.PM),
        "pm2": make_user(Role.PM),
        "stakeholder": make_user(Role.STAKEHOLDER),
        "vendor_a": make_user(Role.VENDOR, organisation_id=acme.id),
        "vendor_a2": make_user(Role.VENDOR, organisation_id=acme.id),
        "vendor_b": make_user(Role.VENDOR, organisation_id=globex.id),
        "agent": make_user(Role.SUBMITTER),
        "quiet_agent": make_user(Role.SUBMITTER),
        "opted_out_pm": make_user(Role.PM),
        "gone_pm": make_user(Role.PM),
        "admin": make_user(Role.ADMIN),
        "idle_stakeholder": make_user(Role.STAKEHOLDER),
    }
    follow_area(app, people["stakeholder"])
    turn_digests_off(app, people["opted_out_pm"])
    deactivate(app, people["gone_pm"])
    acme_idea = submit(app, people["vendor_a"], "Acme bulk appeal triage", area=AREA)
    agent_idea = submit(app, people["agent"], "Scam report shortcut", area=AREA)
    return DigestWorld(**people, acme_idea=acme_idea, agent_idea=agent_idea)
