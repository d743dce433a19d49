"""The `[kpis]` settings: the metric registry, warehouse sources and the signal detectors.

Apart from tracker/config.py only to keep modules short; `Settings.kpis` is one of these.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

_METRIC_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricSettings(_Section):
    """One metric of the registry (`[kpis.metrics.NAME]`): a value per queue per day."""

    label: str = ""
    unit: str = ""
    # Over a week: the sum of the days, or their mean, weighted by another metric if `weight`
    # names one (handle time by tickets solved by hand).
    aggregate: Literal["sum", "mean"] = "sum"
    weight: str = ""
    lower_is_better: bool = False
    # What a change means in agent hours: "volume" (tickets handled by hand, x handle time),
    # "handle_time" (minutes, x tickets solved by hand), or "" when it has no such meaning.
    agent_hours: Literal["", "volume", "handle_time"] = ""


class KpiSourceSettings(_Section):
    """A warehouse pulled on a schedule (`[kpis.sources.NAME]`)."""

    # Any SQLAlchemy URL whose dialect is installed; a secret (it may hold a password).
    url: SecretStr
    # Returns the columns queue, day, metric, value for `day >= :since`.
    query: str = Field(min_length=1)
    interval_minutes: float = Field(default=60, gt=0)
    # Each pull asks again from this many days before the last day it received, so late
    # corrections in the warehouse arrive; the first pull asks for `first_days`.
    overlap_days: int = Field(default=3, ge=0, le=366)
    first_days: int = Field(default=400, ge=1, le=3660)
    enabled: bool = True
    timeout_seconds: float = Field(default=120, gt=0, le=3600)


class SignalSettings(_Section):
    """Spikes and level shifts (services/kpis/signals.py)."""

    enabled: bool = True
    # The nightly scan over every queue, at this local time (the `timezone` setting).
    scan_at: str = Field(default="02:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # A day is a spike when it lies this many robust standard deviations from the median of
    # the same weekday over the trailing weeks. Tuned by simulation (tests/tracker/services/
    # kpis/test_signal_detectors.py): 4.5 gives ~0.17 false alarms per series-year on Gaussian
    # noise (~0.01-0.09 on Poisson counts) and finds 5 SD spikes half the time, 8 SD ones 99%.
    spike_threshold: float = Field(default=4.5, gt=0, le=50)
    trailing_weeks: int = Field(default=8, ge=3, le=52)
    # CUSUM on the weekly series, in robust standard deviations: drift k and decision limit h.
    # By simulation: ~0.16 false alarms per series-year; 3 SD shifts found within 2 weeks
    # (median), 2 SD ones in 4.
    shift_drift: float = Field(default=1.0, gt=0, le=10)
    shift_limit: float = Field(default=5.0, gt=0, le=100)
    # Signals older than this are not shown in homes and digests.
    recent_days: int = Field(default=28, ge=1, le=366)


DEFAULT_METRICS: dict[str, MetricSettings] = {
    "incoming": MetricSettings(
        label="Incoming", unit="tickets", lower_is_better=True, agent_hours=""
    ),
    "manual_incoming": MetricSettings(
        label="Incoming to agents", unit="tickets", lower_is_better=True, agent_hours="volume"
    ),
    "solved": MetricSettings(label="Solved", unit="tickets"),
    "manual_solved": MetricSettings(
        label="Solved by agents", unit="tickets", lower_is_better=True, agent_hours="volume"
    ),
    "aht_minutes": MetricSettings(
        label="Average handle time",
        unit="minutes",
        aggregate="mean",
        weight="manual_solved",
        lower_is_better=True,
        agent_hours="handle_time",
    ),
    "backlog": MetricSettings(
        label="Open at day end", unit="tickets", aggregate="mean", lower_is_better=True
    ),
}


class KpiSettings(_Section):
    # Added to (or replacing) the default metrics: incoming, manual_incoming, solved,
    # manual_solved, aht_minutes, backlog.
    metrics: dict[str, MetricSettings] = Field(default_factory=dict)
    sources: dict[str, KpiSourceSettings] = Field(default_factory=dict)
    signals: SignalSettings = SignalSettings()
    # An idea's evidence from data: the last this many full weeks of its queue.
    evidence_weeks: int = Field(default=8, ge=1, le=52)
    # Typed and measured evidence further apart than this share are flagged to PMs.
    mismatch_share: float = Field(default=0.25, gt=0, le=10)
    max_api_rows: int = Field(default=10_000, ge=1, le=100_000)

    @property
    def registry(self) -> dict[str, MetricSettings]:
        """Every metric: the defaults, then the configured ones (which may redefine a default)."""
        merged = dict(DEFAULT_METRICS)
        merged.update(self.metrics)
        return merged

    @field_validator("metrics", "sources")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not _METRIC_NAME.fullmatch(name):
                raise ValueError(
                    f"'{name}' is not a valid name; use lower-case letters, digits and _ "
                    "(at most 40, starting with a letter)"
                )
        return value
