"""The score form's calibration hint through the idea page: a PM reads how estimates from the
idea's source held up, with a button suggesting a confidence; nobody else gets it.

The page includes templates/suggestions/_calibration.html once the idea page computes
`calibration` (services/benefits/calibration.for_suggestion); until then these tests skip."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers.client import TrackerClient
from tests.helpers.suggestions import add_idea
from tracker import db
from tracker.models import Benefit, BenefitState, Organisation, Role, User

DETAIL = Path(__file__).resolve().parents[3] / "templates" / "suggestions" / "detail.html"
pytestmark = pytest.mark.skipif(
    "_calibration.html" not in DETAIL.read_text(encoding="utf-8"),
    reason="the idea page does not include the calibration partial yet",
)


def measured_ideas(app: Flask, author: User, figures: list[tuple[float, float]]) -> None:
    for number, (measured, expected) in enumerate(figures):
        idea = add_idea(app, author, f"Delivered idea {number}", area="Account integrity")
        with db.session_scope(app) as session:
            session.add(
                Benefit(
                    suggestion_id=idea,
                    state=BenefitState.MEASURED.value,
                    measured=measured,
                    expected=expected,
                )
            )


def test_a_pm_sees_the_hint_and_the_suggested_confidence(
    app: Flask,
    client: TrackerClient,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    login_as: Callable[..., User],
) -> None:
    northwind = make_organisation("Northwind BPO")
    vendor = make_user(Role.VENDOR, organisation_id=northwind.id)
    measured_ideas(app, vendor, [(70.0, 100.0), (14.0, 20.0), (56.0, 80.0)])
    idea = add_idea(app, vendor, "A new idea to score", area="Account integrity")

    login_as(Role.PM)
    page = client.get(f"/suggestions/{idea}").text
    # RICE is the default framework: 0.7 is nearest 80% of its 50, 80 and 100%.
    assert "Ideas from Northwind BPO delivered 0.7x their estimate (3 measured)." in page
    assert 'data-calibration-value="80"' in page
    assert "Use 80%" in page
    assert "js/calibration.js" in page


def test_the_vendor_and_the_submitter_never_see_it(
    app: Flask,
    client: TrackerClient,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
) -> None:
    northwind = make_organisation("Northwind BPO")
    vendor = make_user(Role.VENDOR, organisation_id=northwind.id)
    measured_ideas(app, vendor, [(70.0, 100.0), (14.0, 20.0), (56.0, 80.0)])
    idea = add_idea(app, vendor, "A new idea to score", area="Account integrity")

    client.login(vendor.email)
    assert "their estimate" not in client.get(f"/suggestions/{idea}").text
