"""The idea page's benefit panel: the sentence, state, method, windows, ideas measured together
and the before/after chart, for those who may see it (never another vendor organisation), and
the chart's geometry on its own (services/benefits/before_after.py, no database)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.helpers.benefits import delivered_idea, put_benefit
from tests.helpers.suggestions import accepted_idea
from tracker import db
from tracker.models import BenefitState, Role, User
from tracker.services.benefits.before_after import HEIGHT, LEFT, TOP, WIDTH, before_after

MONDAY = date(2026, 1, 5)


def chart(pre: int = 4, gap: int = 2, post: int = 4, **changes: Any) -> dict[str, Any]:
    """Weekly agent hours: 300 before, 240 after, with a week of no data in between."""
    phases = ["pre"] * pre + ["gap"] * gap + ["post"] * post
    values: list[float | None] = [300.0] * pre + [None] * gap + [240.0] * post
    found: dict[str, Any] = {
        "confidence": 0.95,
        "weeks": [(MONDAY + timedelta(weeks=n)).isoformat() for n in range(len(phases))],
        "values": values,
        "phase": phases,
        "pre_level": 300.0,
        "post_level": 240.0,
        "counterfactual": 295.0,
    }
    found.update(changes)
    return found


def panel(page: str) -> str:
    found = re.search(r'<section class="benefit" id="benefit".*?</section>', page, re.S)
    return found.group(0) if found else ""


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def seed(app, author: User, *, benefit: dict[str, Any] | None = None, **fields: Any) -> int:
    """A delivered idea by `author`, with a Benefit row when `benefit` is given."""
    with db.session_scope(app) as session:
        idea = delivered_idea(session, author=author, **fields)
        if benefit is not None:
            put_benefit(session, idea, **benefit)
        assert idea.id is not None
        return idea.id


MEASURED = {
    "control_queue_ids": [4, 5],
    "pre_start": date(2026, 1, 5),
    "pre_end": date(2026, 2, 2),
    "post_start": date(2026, 3, 16),
    "post_end": date(2026, 4, 13),
    "delivered_on": date(2026, 3, 2),
    "chart": chart(),
}


def test_a_measured_idea_shows_its_sentence_method_windows_and_chart(app, client, login_as):
    pm = login_as(Role.PM)
    idea = seed(app, pm, benefit=MEASURED)
    shown = panel(client.get(f"/suggestions/{idea}").text)
    words = text_of(shown)
    assert "expected 90 h/week; measured 60 h/week, 95% CI 40 to 80, after 8 weeks" in words
    assert "Measured" in words
    assert "against 2 control queues" in words
    assert "Before 2026-01-05 to 2026-02-01" in words
    assert "After 2026-03-16 to 2026-04-12" in words
    # The chart: accessible, one bar per week with data, dashed levels, and the figures as a table.
    assert 'role="img"' in shown
    assert "<title" in shown
    assert "Before: 300 h a week. After: 240 h a week, against 295 h expected without" in shown
    assert len(re.findall(r'class="benefit-bar benefit-bar-', shown)) == 8
    assert len(re.findall(r'stroke-dasharray="6 3"', shown)) == 3
    table = shown.split('<table class="sr-only">', 1)[1]
    assert len(re.findall(r"<tr><td>", table)) == 10
    assert "<td>2026-01-05</td><td>300 h</td><td>before</td>" in table
    assert "<td>2026-02-02</td><td>no data</td><td>in between</td>" in table


def test_ideas_measured_together_show_the_share_and_only_visible_links(
    app, client, login_as, make_user
):
    vendor = login_as(Role.VENDOR)
    pm = make_user(Role.PM)
    mate = seed(app, vendor, title="Our other macro")
    secret = seed(app, pm, title="Internal macro", confidential=True)
    idea = seed(app, vendor, benefit=MEASURED | {"shared_with": [mate, secret], "share": 0.6})
    words = text_of(panel(client.get(f"/suggestions/{idea}").text))
    assert f"Measured together with #{mate} and 1 other idea" in words
    assert "this idea's share 60%" in words
    assert f"#{secret}" not in words


@pytest.mark.parametrize(
    ("benefit", "expected"),
    [
        (
            {"state": BenefitState.WAITING, "post_weeks": 3, "measured": None, "chart": {}},
            "expected 90 h/week; measuring, 3 of 8 weeks",
        ),
        (
            {
                "state": BenefitState.NOT_MEASURABLE,
                "reason": "the idea names no queue",
                "method": "",
                "chart": {},
            },
            "expected 90 h/week; not measurable: the idea names no queue",
        ),
        (
            {"state": BenefitState.INCONCLUSIVE, "measured": 5.0, "ci_low": -4.0, "ci_high": 14},
            "measured 5.0 h/week, 95% CI -4.0 to 14, after 8 weeks (inconclusive",
        ),
    ],
    ids=["waiting", "not-measurable", "inconclusive"],
)
def test_each_state_reads_as_a_sentence(app, client, login_as, benefit, expected):
    pm = login_as(Role.PM)
    idea = seed(app, pm, benefit=benefit)
    shown = panel(client.get(f"/suggestions/{idea}").text)
    assert expected in text_of(shown)
    if not benefit.get("chart", True):
        assert "<svg" not in shown


def test_a_delivered_idea_not_measured_yet_says_when_it_will_be(app, client, login_as):
    pm = login_as(Role.PM)
    idea = seed(app, pm)
    words = text_of(panel(client.get(f"/suggestions/{idea}").text))
    assert "the first measurement runs tonight" in words


def test_the_panel_is_for_delivered_ideas_only(app, client, login_as):
    pm = login_as(Role.PM)
    idea = accepted_idea(app, pm)
    assert 'id="benefit"' not in client.get(f"/suggestions/{idea}").text


def test_a_vendor_sees_their_own_organisations_benefit_but_never_anothers(
    app, client, login_as, make_user
):
    ours = login_as(Role.VENDOR)
    colleague = make_user(Role.VENDOR, organisation_id=ours.organisation_id)
    stranger = make_user(Role.VENDOR)
    own = seed(app, colleague, benefit=MEASURED)
    # Shared with every vendor: the idea is readable, what it saved is its organisation's.
    theirs = seed(app, stranger, benefit=MEASURED, shared_with_vendors=True)

    assert "measured 60 h/week" in text_of(panel(client.get(f"/suggestions/{own}").text))
    page = client.get(f"/suggestions/{theirs}")
    assert page.status_code == 200
    assert 'id="benefit"' not in page.text
    assert "measured 60 h/week" not in page.text


# --- the chart's geometry --------------------------------------------------------------------


def test_bars_sit_inside_the_plot_and_levels_span_their_phase() -> None:
    shape = before_after(chart(), unit="h", label="Agent hours", delivered_on=date(2026, 2, 4))
    assert shape is not None
    assert [bar.phase for bar in shape.bars] == ["pre"] * 4 + ["post"] * 4
    bottom = shape.top + shape.plot_h
    for bar in shape.bars:
        assert bar.x >= LEFT
        assert bar.x + bar.width <= LEFT + shape.plot_w + 0.1
        assert bar.y >= TOP
        assert bar.y + bar.height <= bottom + 0.1
    pre, after = shape.bars[0], shape.bars[-1]
    assert pre.height > after.height  # 300 before, 240 after
    levels = {level.css: level for level in shape.levels}
    assert set(levels) == {"level-pre", "level-counterfactual", "level-post"}
    assert levels["level-pre"].x2 <= shape.bars[4].x  # the before level stops before the after
    assert levels["level-post"].x1 >= levels["level-pre"].x2
    assert levels["level-counterfactual"].y < levels["level-post"].y  # 295 drawn above 240
    assert shape.delivered_x is not None  # the week of 2 Feb is on the chart
    assert [tick.label for tick in shape.x_ticks] == ["5 Jan", "16 Feb", "9 Mar"]
    assert (shape.width, shape.height) == (WIDTH, HEIGHT)


@pytest.mark.parametrize(
    "stored",
    [
        {},
        None,
        {"weeks": "nope"},
        chart(values=[None] * 10),
        chart(weeks=["not a day"] * 10),
        chart(phase=["during"] * 10),
    ],
    ids=["empty", "none", "junk", "no-values", "bad-weeks", "bad-phases"],
)
def test_nothing_to_draw_is_none(stored: Any) -> None:
    assert before_after(stored) is None


def test_unreadable_values_and_levels_are_left_out() -> None:
    odd = chart(
        values=[300.0, float("nan"), True, "12", 280.0, None, None, 240.0, 250.0, 1e308],
        counterfactual=None,
        post_level=float("inf"),
    )
    shape = before_after(odd, unit="h")
    assert shape is not None
    assert len(shape.bars) == 5  # 300, 280, 240, 250 and the huge one; the rest are not numbers
    assert [level.css for level in shape.levels] == ["level-pre"]
    assert "Before: 300 h a week." in shape.description
