"""Small charts as numbers for templates to draw: bar lengths and progress shares.

Emails draw them as table cells with pixel widths (inline SVG is unreliable in mail clients and
remote images are blocked); the web page draws them with <meter> and <progress>, since its
Content-Security-Policy forbids inline style attributes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Longest bar in an email, in pixels; fits a 600 px layout beside a label and a count.
EMAIL_BAR_PX = 220


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    maximum: float  # the largest value in the chart, for <meter max=...>
    percent: int  # value as a share of the largest, 0-100
    px: int  # email bar length; at least 2 px for any non-zero value so it stays visible


def bars(pairs: Iterable[tuple[str, float]], *, width_px: int = EMAIL_BAR_PX) -> list[Bar]:
    """One bar per (label, value), scaled to the largest value; order is kept."""
    items = [(label, max(0.0, float(value))) for label, value in pairs]
    largest = max((value for _, value in items), default=0.0)
    result = []
    for label, value in items:
        share = value / largest if largest else 0.0
        px = max(2, round(share * width_px)) if value else 0
        result.append(Bar(label, value, largest or 1.0, round(share * 100), px))
    return result


def percent(done: float, total: float) -> int:
    """done / total as a whole percentage within 0-100; 0 when there is nothing to do."""
    if total <= 0:
        return 0
    return max(0, min(100, round(100 * done / total)))


def split_px(share_percent: int, *, width_px: int = EMAIL_BAR_PX) -> tuple[int, int]:
    """Filled and empty pixel widths of an email progress bar."""
    filled = round(width_px * max(0, min(100, share_percent)) / 100)
    return filled, width_px - filled
