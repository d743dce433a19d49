"""A wall-clock trigger in the configured zone that keeps working across DST changes.

APScheduler 3.11's CronTrigger, given a zone with DST, returns the same fire time again inside
the hour repeated when clocks go back (https://github.com/agronholm/apscheduler/issues/1021);
the scheduler's catch-up loop then never ends and every job stops. This trigger computes fire
times in UTC, so each one is strictly later than the one before.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

_MINUTE = timedelta(minutes=1)
_TICK = timedelta(microseconds=1)


class WallClockTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler ships no types
    """Fires when the clock in `zone` shows `minute` past `hour`, or past every hour when `hour`
    is None. Daily: once a day; inside a repeated hour at the first pass, and on a day that
    skips the time, one hour later (02:30 becomes 03:30). Hourly: once every real hour."""

    def __init__(self, *, zone: str, minute: int, hour: int | None = None) -> None:
        if not 0 <= minute < 60 or (hour is not None and not 0 <= hour < 24):
            raise ValueError(f"no such time of day: {hour}:{minute}")
        self.zone = ZoneInfo(zone)
        self.minute = minute
        self.hour = hour

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        start = (now if previous_fire_time is None else previous_fire_time + _TICK).astimezone(UTC)
        return self._hourly(start) if self.hour is None else self._daily(start, self.hour)

    def _hourly(self, start: datetime) -> datetime | None:
        moment = start.replace(second=0, microsecond=0)
        if moment < start:
            moment += _MINUTE
        # Offsets change by at most an hour, so the minute comes round within two hours.
        for _ in range(121):
            if moment.astimezone(self.zone).minute == self.minute:
                return moment
            moment += _MINUTE
        return None

    def _daily(self, start: datetime, hour: int) -> datetime | None:
        today = start.astimezone(self.zone).date()
        for days in range(-1, 3):
            local = datetime.combine(today + timedelta(days=days), time(hour, self.minute))
            # fold=0: the first pass of a repeated hour; a skipped time maps past the gap.
            moment = local.replace(tzinfo=self.zone).astimezone(UTC)
            if moment >= start:
                return moment
        return None

    def __str__(self) -> str:
        hour = "*" if self.hour is None else f"{self.hour:02d}"
        return f"wall clock[{hour}:{self.minute:02d} {self.zone.key}]"

    def __repr__(self) -> str:
        return (
            f"<WallClockTrigger (zone={self.zone.key!r}, hour={self.hour!r}, "
            f"minute={self.minute!r})>"
        )
