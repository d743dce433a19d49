"""The geometry of the queue charts, as numbers and SVG path strings for the templates to draw:
scales, ticks, lines with gaps where weeks have no data, markers and dots. Pure: no database,
no Flask, so it is tested with plain values.

Charts are drawn in a fixed viewBox and scaled by the browser (width 100%), so one layout fits a
desktop and a 390 px phone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

# A narrow drawing so that its text stays readable where it is scaled down to a 390 px phone
# (about 0.75) and in the two-column desktop grid alike.
WIDTH = 480
HEIGHT = 220
LEFT = 48
RIGHT = 16
TOP = 16
BOTTOM = 36
SPARK_WIDTH = 120
SPARK_HEIGHT = 28
# Line classes in series order (the stylesheet colours them; the first is the main figure).
LINE_CLASSES = ("chart-line-a", "chart-line-b")


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    css: str
    path: str
    # A lone week between gaps draws no segment: these are drawn as small dots instead.
    lone: list[tuple[float, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Marker:
    x: float
    label: str
    title: str
    href: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str
    worse: bool


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    markers: list[Marker]
    dots: list[Dot]
    empty: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = WIDTH - LEFT - RIGHT
    plot_h: int = HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class MarkerAt:
    """A delivered idea to mark on every chart."""

    day: date
    label: str
    title: str
    href: str


@dataclass(frozen=True)
class DotAt:
    """A signal to mark on the chart of its metric."""

    day: date
    value: float
    title: str
    worse: bool


def nice_step(span: float, count: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 x a power of ten) giving about `count` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / count
    power = float(10 ** math.floor(math.log10(raw)))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def compact(value: float) -> str:
    """1234 -> '1.2k', 2500000 -> '2.5M', 12.5 -> '12.5', 3.0 -> '3'."""
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if magnitude >= 10_000:
        return f"{value / 1000:.0f}k"
    if magnitude >= 1000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    if magnitude >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}"


def y_scale(values: Sequence[float], *, ceiling: float | None = None) -> tuple[float, float]:
    """(bottom, top) of the value axis: from 0 (or the lowest value when negative) to a round
    number at or above the highest value; `ceiling` fixes the top (100 for shares)."""
    low = min([0.0, *values])
    high = ceiling if ceiling is not None else max([0.0, *values])
    if high <= low:
        high = low + 1
    step = nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step


def _x(index: int, count: int, *, left: float, width: float) -> float:
    if count <= 1:
        return left + width / 2
    return left + width * index / (count - 1)


def _y(value: float, low: float, high: float, *, top: float, height: float) -> float:
    return top + height * (1 - (value - low) / (high - low))


def path_of(points: Sequence[tuple[float, float] | None]) -> tuple[str, list[tuple[float, float]]]:
    """An SVG path through the points, broken where a point is None; and the points that
    stand alone between gaps (no segment would show them)."""
    parts: list[str] = []
    lone: list[tuple[float, float]] = []
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is not None:
            run.append(point)
            continue
        if len(run) == 1:
            lone.append(run[0])
        elif run:
            first, *rest = run
            parts.append(
                f"M{first[0]:.1f} {first[1]:.1f}" + "".join(f" L{x:.1f} {y:.1f}" for x, y in rest)
            )
        run = []
    return " ".join(parts), lone


def _month_ticks(weeks: Sequence[date], *, left: float, width: float) -> list[Tick]:
    """A tick at the first week of every other month (every half year beyond 15 months),
    labelled with the month, and the year at January and at the first tick."""
    every = 6 if len(weeks) > 66 else 2
    ticks: list[Tick] = []
    seen: set[tuple[int, int]] = set()
    for index, monday in enumerate(weeks):
        key = (monday.year, monday.month)
        if key in seen or (monday.month - 1) % every:
            continue
        seen.add(key)
        if index == 0 and monday.day > 7:
            continue  # the range starts mid-month: the month's first week is not on the chart
        label = f"{monday:%b %Y}" if monday.month == 1 or not ticks else f"{monday:%b}"
        ticks.append(Tick(_x(index, len(weeks), left=left, width=width), label))
    return ticks


def line_chart(
    *,
    key: str,
    title: str,
    unit: str,
    weeks: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    markers: Sequence[MarkerAt] = (),
    dots: Sequence[DotAt] = (),
    ceiling: float | None = None,
) -> Chart:
    """A weekly line chart of one or more series sharing a value axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    present = [v for _, values in series for v in values if v is not None]
    present += [dot.value for dot in dots]
    low, high = y_scale(present, ceiling=ceiling)
    count = len(weeks)
    lines = []
    for number, (label, values) in enumerate(series):
        points = [
            None
            if value is None
            else (
                _x(index, count, left=LEFT, width=plot_w),
                _y(value, low, high, top=TOP, height=plot_h),
            )
            for index, value in enumerate(values)
        ]
        path, lone = path_of(points)
        lines.append(Line(label, LINE_CLASSES[number % len(LINE_CLASSES)], path, lone))
    step = nice_step(high - low)
    steps = round((high - low) / step)
    y_ticks = [
        Tick(_y(low + step * n, low, high, top=TOP, height=plot_h), compact(low + step * n))
        for n in range(steps + 1)
    ]
    index_of = {monday: index for index, monday in enumerate(weeks)}
    first, last = (weeks[0], weeks[-1]) if weeks else (date.max, date.min)

    def x_of(day: date) -> float | None:
        if not weeks or day < first or day > last + timedelta(days=6):
            return None
        monday = day - timedelta(days=day.weekday())
        found = index_of.get(monday)
        return None if found is None else _x(found, count, left=LEFT, width=plot_w)

    placed_markers = []
    for marker in markers:
        x = x_of(marker.day)
        if x is not None:
            placed_markers.append(Marker(x, marker.label, marker.title, marker.href))
    placed_dots = []
    for dot in dots:
        x = x_of(dot.day)
        if x is not None:
            y = _y(dot.value, low, high, top=TOP, height=plot_h)
            placed_dots.append(Dot(x, y, dot.title, dot.worse))
    return Chart(
        key=key,
        title=title,
        unit=unit,
        lines=lines,
        x_ticks=_month_ticks(weeks, left=LEFT, width=plot_w),
        y_ticks=y_ticks,
        markers=placed_markers,
        dots=placed_dots,
        empty=not present,
    )


@dataclass(frozen=True)
class Spark:
    path: str
    lone: list[tuple[float, float]]
    latest: float | None
    empty: bool
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(values: Sequence[float | None], *, ceiling: float | None = None) -> Spark:
    """A small line of the values (weeks, oldest first), scaled to its own range."""
    present = [value for value in values if value is not None]
    if not present:
        return Spark("", [], None, True)
    low, high = min(present), max(present)
    if ceiling is not None:
        low, high = 0.0, ceiling
    if high <= low:
        low, high = low - 1, high + 1
    pad = 2.0
    height = SPARK_HEIGHT - 2 * pad
    points = [
        None
        if value is None
        else (
            _x(index, len(values), left=pad, width=SPARK_WIDTH - 2 * pad),
            _y(value, low, high, top=pad, height=height),
        )
        for index, value in enumerate(values)
    ]
    path, lone = path_of(points)
    latest = values[-1] if values else None
    return Spark(path, lone, latest, False)
