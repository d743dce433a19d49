"""The geometry of an idea's before/after chart, from Benefit.chart (written by measure.py):
one bar a week, shaded by phase (before, in between, after), with dashed lines for the level
before, the level after, and the counterfactual (what the after weeks would have been without
the change). Pure: no database, no Flask, so it is tested with plain values.

Stored charts are our own JSON, but a row written by an older version (or edited by hand) may
lack keys or hold nulls: anything unreadable is left out rather than failing the idea page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.services.kpis.charts import Tick, compact, nice_step, y_scale

# Small enough for the idea page's column; scaled by the browser like the queue charts.
WIDTH = 480
HEIGHT = 200
LEFT = 48
RIGHT = 12
TOP = 14
BOTTOM = 34
PHASES = ("pre", "gap", "post")
PHASE_LABELS = {"pre": "before", "gap": "in between", "post": "after"}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    phase: str  # pre, gap or post: the stylesheet and the fill colour follow it
    title: str  # "Week of 2026-01-05: 312 h (before)"


@dataclass(frozen=True)
class Level:
    label: str
    css: str
    x1: float
    x2: float
    y: float
    value: float


@dataclass(frozen=True)
class WeekRow:
    """One row of the visually-hidden table that says what the bars show."""

    week: str
    value: str
    phase: str


@dataclass(frozen=True)
class BeforeAfter:
    bars: list[Bar]
    levels: list[Level]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    delivered_x: float | None  # the week of delivery, when it is on the chart
    rows: list[WeekRow]
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = WIDTH - LEFT - RIGHT
    plot_h: int = HEIGHT - TOP - BOTTOM


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _weeks(chart: Mapping[str, Any]) -> list[tuple[date, float | None, str]]:
    """(monday, value, phase) for each readable week, in order."""
    weeks, values, phases = chart.get("weeks"), chart.get("values"), chart.get("phase")
    if not isinstance(weeks, list) or not isinstance(values, list) or not isinstance(phases, list):
        return []
    found = []
    for monday, value, phase in zip(weeks, values, phases, strict=False):
        day = _day(monday)
        if day is not None and phase in PHASES:
            found.append((day, _number(value), str(phase)))
    return found


def _shown(value: float, unit: str) -> str:
    return f"{compact(value)} {unit}".rstrip()


def _description(levels: Sequence[Level], weeks: int, unit: str, label: str) -> str:
    by_css = {level.css: level.value for level in levels}
    parts = [f"{label}, weekly, {weeks} weeks."]
    if "level-pre" in by_css:
        parts.append(f"Before: {_shown(by_css['level-pre'], unit)} a week.")
    if "level-post" in by_css:
        after = f"After: {_shown(by_css['level-post'], unit)} a week"
        if "level-counterfactual" in by_css:
            after += (
                f", against {_shown(by_css['level-counterfactual'], unit)} expected without "
                "the change"
            )
        parts.append(after + ".")
    return " ".join(parts)


def before_after(
    chart: Mapping[str, Any] | None,
    *,
    unit: str = "",
    label: str = "The metric",
    delivered_on: date | None = None,
) -> BeforeAfter | None:
    """The chart's shapes, or None when there is nothing to draw (no chart, no week with a
    value). `unit` follows each figure ("h"); `label` names the metric in the description."""
    if not chart:
        return None
    weeks = _weeks(chart)
    present = [value for _, value, _ in weeks if value is not None]
    if not present:
        return None
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    named = {
        "level-pre": ("Level before", _number(chart.get("pre_level")), "pre"),
        "level-counterfactual": (
            "Expected without the change",
            _number(chart.get("counterfactual")),
            "post",
        ),
        "level-post": ("Level after", _number(chart.get("post_level")), "post"),
    }
    low, high = y_scale(present + [v for _, v, _ in named.values() if v is not None])

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    slot = plot_w / len(weeks)
    bars = []
    rows = []
    for index, (monday, value, phase) in enumerate(weeks):
        shown = "no data" if value is None else _shown(value, unit)
        rows.append(WeekRow(monday.isoformat(), shown, PHASE_LABELS[phase]))
        if value is None:
            continue
        top, base = y_of(max(value, 0.0)), y_of(min(value, 0.0))
        bars.append(
            Bar(
                x=round(LEFT + slot * (index + 0.15), 1),
                y=round(top, 1),
                width=round(slot * 0.7, 1),
                height=round(max(base - top, 0.5), 1),
                phase=phase,
                title=f"Week of {monday.isoformat()}: {shown} ({PHASE_LABELS[phase]})",
            )
        )
    levels = []
    for css, (name, value, phase) in named.items():
        spots = [index for index, (_, _, p) in enumerate(weeks) if p == phase]
        if value is None or not spots:
            continue
        x1, x2 = LEFT + slot * spots[0], LEFT + slot * (spots[-1] + 1)
        levels.append(Level(name, css, round(x1, 1), round(x2, 1), round(y_of(value), 1), value))
    step = nice_step(high - low)
    y_ticks = [
        Tick(round(y_of(low + step * n), 1), compact(low + step * n))
        for n in range(round((high - low) / step) + 1)
    ]
    x_ticks = _x_ticks(weeks, slot)
    delivered_x = None
    if delivered_on is not None:
        # Weeks run from the window's first day, any weekday: mark the day inside its week.
        for index, (day, _, _) in enumerate(weeks):
            into = (delivered_on - day).days
            if 0 <= into < 7:
                delivered_x = round(LEFT + slot * (index + into / 7), 1)
    return BeforeAfter(
        bars=bars,
        levels=levels,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        delivered_x=delivered_x,
        rows=rows,
        description=_description(levels, len(weeks), unit, label),
    )


def _x_ticks(weeks: Sequence[tuple[date, float | None, str]], slot: float) -> list[Tick]:
    """The first week, the first week after, and the last week, labelled like "5 Jan"."""
    wanted = [0, len(weeks) - 1]
    after = next((i for i, (_, _, phase) in enumerate(weeks) if phase == "post"), None)
    if after is not None:
        wanted.insert(1, after)
    ticks: list[Tick] = []
    for index in dict.fromkeys(wanted):
        monday = weeks[index][0]
        ticks.append(Tick(round(LEFT + slot * (index + 0.5), 1), f"{monday.day} {monday:%b}"))
    return ticks
