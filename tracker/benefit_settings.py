"""The `[benefits]` settings: how delivered ideas are measured (services/benefits).

Apart from tracker/config.py only to keep modules short; `Settings.benefits` is one of these.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BenefitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # Weeks of data compared: before work started, and after delivery once it has settled in.
    pre_weeks: int = Field(default=8, ge=2, le=52)
    post_weeks: int = Field(default=8, ge=2, le=52)
    settle_weeks: int = Field(default=1, ge=0, le=12)
    # Ideas delivered outside Jira have no first push: work is taken to start this many weeks
    # before their delivery date.
    lead_weeks: int = Field(default=2, ge=0, le=26)
    # The interval: its level, bootstrap resamples and block length (whole weeks keep every
    # weekday equally represented in each resample).
    confidence: float = Field(default=0.95, ge=0.5, le=0.999)
    samples: int = Field(default=2000, ge=200, le=20_000)
    block_weeks: int = Field(default=1, ge=1, le=8)
    # A window with fewer days of data than this share is too thin to measure.
    min_coverage: float = Field(default=0.75, gt=0, le=1)
    # Control queues: other queues of the idea's area with no delivery in either window.
    max_controls: int = Field(default=20, ge=0, le=500)
    # How often the scheduler refreshes measurements: new deliveries, rows whose KPI data
    # changed, and (once a day each) rows still waiting for their window to complete.
    refresh_minutes: float = Field(default=10, gt=0, le=1440)
    # A KPI load or delivery touching at most this many delivered ideas refreshes them at
    # once; a bigger one marks them stale for the scheduler.
    refresh_now_max: int = Field(default=200, ge=0, le=100_000)
    # Measured ideas a source needs before the score form suggests a confidence from them.
    calibration_min: int = Field(default=3, ge=1, le=1000)
