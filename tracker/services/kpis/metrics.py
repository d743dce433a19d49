"""The metric registry (`[kpis]` in config, defaults in tracker/kpi_settings.py) and the figures
derived from it: manual share, automation share and agent hours a week.

Stored metrics are one value per queue per day. A week aggregates its days by the metric's rule:
the sum, or the mean (weighted by another metric when `weight` names one, as handle time is by
tickets solved by hand). Derived figures are computed from the stored ones and never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracker.config import Settings
from tracker.kpi_settings import MetricSettings

# Derived figures: name -> (label, unit, lower is better).
AGENT_HOURS = "agent_hours"
MANUAL_SHARE = "manual_share"
AUTOMATION_SHARE = "automation_share"
DERIVED: dict[str, tuple[str, str, bool]] = {
    AGENT_HOURS: ("Agent hours", "hours", True),
    MANUAL_SHARE: ("Manual share", "%", True),
    AUTOMATION_SHARE: ("Automation share", "%", False),
}
# What each derived figure is computed from.
INPUTS: dict[str, tuple[str, str]] = {
    AGENT_HOURS: ("manual_solved", "aht_minutes"),
    MANUAL_SHARE: ("manual_incoming", "incoming"),
    AUTOMATION_SHARE: ("manual_solved", "solved"),
}


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    aggregate: str  # "sum" or "mean"
    weight: str  # for a weighted mean: the metric weighing each day
    lower_is_better: bool
    agent_hours: str  # "volume", "handle_time" or ""
    derived: bool = False


def registry(settings: Settings) -> dict[str, Metric]:
    """Every stored metric by name, defaults first, then the configured ones."""
    return {name: _metric(name, spec) for name, spec in settings.kpis.registry.items()}


def _metric(name: str, spec: MetricSettings) -> Metric:
    return Metric(
        name=name,
        label=spec.label or name.replace("_", " ").capitalize(),
        unit=spec.unit,
        aggregate=spec.aggregate,
        weight=spec.weight,
        lower_is_better=spec.lower_is_better,
        agent_hours=spec.agent_hours,
    )


def derived(name: str) -> Metric:
    label, unit, lower = DERIVED[name]
    aggregate = "sum" if name == AGENT_HOURS else "mean"
    return Metric(name, label, unit, aggregate, "", lower, "", derived=True)


def every_metric(settings: Settings) -> dict[str, Metric]:
    """Stored and derived metrics together (what a chart or the series API may ask for)."""
    found = registry(settings)
    found.update({name: derived(name) for name in DERIVED})
    return found


def weekly_value(metric: Metric, days: Mapping[str, list[float | None]]) -> float | None:
    """A week's figure of `metric` from its days' values of every metric (None where a day has
    no value). None when the days hold nothing to compute it from."""
    if metric.name == AGENT_HOURS:
        pairs = _pairs(days.get("manual_solved", []), days.get("aht_minutes", []))
        return sum(volume * minutes for volume, minutes in pairs) / 60 if pairs else None
    if metric.name in (MANUAL_SHARE, AUTOMATION_SHARE):
        part, whole = INPUTS[metric.name]
        pairs = _pairs(days.get(part, []), days.get(whole, []))
        total = sum(w for _, w in pairs)
        if not pairs or total <= 0:
            return None
        manual = sum(p for p, _ in pairs) / total * 100
        return manual if metric.name == MANUAL_SHARE else 100 - manual
    values = days.get(metric.name, [])
    present = [value for value in values if value is not None]
    if not present:
        return None
    if metric.aggregate == "sum":
        return sum(present)
    if metric.weight:
        pairs = _pairs(values, days.get(metric.weight, []))
        weight = sum(w for _, w in pairs)
        if weight > 0:
            return sum(v * w for v, w in pairs) / weight
    return sum(present) / len(present)


def _pairs(first: list[float | None], second: list[float | None]) -> list[tuple[float, float]]:
    return [(a, b) for a, b in zip(first, second, strict=False) if a is not None and b is not None]


def hours_per_unit(
    metric: Metric, *, aht_minutes: float | None, manual_solved: float | None
) -> float | None:
    """Agent hours that one unit of change in `metric` stands for (per the same period as the
    change), or None when the metric has no such meaning or the data to say it is missing."""
    if metric.name == AGENT_HOURS:
        return 1.0
    if metric.agent_hours == "volume" and aht_minutes is not None:
        return aht_minutes / 60
    if metric.agent_hours == "handle_time" and manual_solved is not None:
        return manual_solved / 60
    return None
