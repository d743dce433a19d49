"""Adding measured benefits up without claiming more certainty than there is.

- Only measured and inconclusive rows count, both of them: leaving out the inconclusive ones
  would keep the lucky draws and drop the unlucky, and flatter every total.
- Rows of one group (overlapping deliveries on one queue, measured together) are shares of one
  estimate: their errors move together, so their half-widths add.
- Separate groups are separate queues and windows, taken as independent: half-widths combine
  as the root of the sum of squares, the low side and the high side apart (bootstrap intervals
  need not be symmetric).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.models import Benefit, BenefitState

COUNTED = (BenefitState.MEASURED.value, BenefitState.INCONCLUSIVE.value)


@dataclass(frozen=True)
class Total:
    measured: float  # the sum of the counted rows' figures
    low: float
    high: float
    expected: float  # the sum of the counted rows' expectations (None counts as 0)
    counted: int  # rows in the sum
    expected_missing: int  # counted rows with no expectation

    @property
    def spans_zero(self) -> bool:
        return self.low <= 0 <= self.high


def group_key(row: Benefit) -> tuple[int, ...]:
    """Rows measured together share one key: the sorted ids of the group."""
    return tuple(sorted({row.suggestion_id, *row.shared_with}))


def combine(rows: Iterable[Benefit]) -> Total | None:
    """The total of the counted rows with its interval; None when no row counts."""
    groups: dict[tuple[int, ...], list[Benefit]] = defaultdict(list)
    for row in rows:
        if row.state in COUNTED and row.measured is not None:
            groups[group_key(row)].append(row)
    if not groups:
        return None
    measured = expected = 0.0
    below = above = 0.0
    counted = missing = 0
    for members in groups.values():
        low_side = high_side = 0.0
        for row in members:
            measured += row.measured or 0.0
            low_side += (row.measured or 0.0) - (row.ci_low if row.ci_low is not None else 0.0)
            high_side += (row.ci_high if row.ci_high is not None else 0.0) - (row.measured or 0.0)
            counted += 1
            if row.expected is None:
                missing += 1
            else:
                expected += row.expected
        below += max(low_side, 0.0) ** 2
        above += max(high_side, 0.0) ** 2
    return Total(
        measured=measured,
        low=measured - math.sqrt(below),
        high=measured + math.sqrt(above),
        expected=expected,
        counted=counted,
        expected_missing=missing,
    )
