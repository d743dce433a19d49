"""Ops data: queues, the metric registry, KPI loads, series, signals and evidence for ideas."""
