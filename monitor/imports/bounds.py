"""The registered times an import accepts.

A visit typed as 2062 instead of 2026 would otherwise be the newest evidence, and every
"latest" date (the scoring clock among them) would jump decades ahead. So a time before the
earliest date, or further after the import than a day, is a rejected row like any other bad
value. Both limits are deployment settings (MONITOR_IMPORT_EARLIEST_DATE,
MONITOR_IMPORT_MAX_FUTURE_HOURS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from monitor.config import Settings, env_name
from monitor.db import utcnow
from monitor.timestamps import STOCKHOLM, day_start


@dataclass(frozen=True)
class TimeBounds:
    """From local midnight of `earliest_date` to `max_future_hours` after `now`, the import's clock."""

    earliest_date: date
    max_future_hours: int
    now: datetime

    def __post_init__(self) -> None:
        assert self.now.tzinfo is not None, "the import's clock must be timezone-aware"

    @classmethod
    def from_settings(cls, settings: Settings, now: datetime | None = None) -> TimeBounds:
        return cls(settings.import_earliest_date, settings.import_max_future_hours, now or utcnow())

    @cached_property
    def earliest(self) -> datetime:
        return day_start(self.earliest_date)

    @cached_property
    def latest(self) -> datetime:
        return self.now.astimezone(UTC) + timedelta(hours=self.max_future_hours)

    def problem(self, value: datetime, text: str) -> str | None:
        """Why `value` (read from `text`) is out of bounds, naming the setting that moves the
        bound; None when it is inside."""
        if value < self.earliest:
            return (
                f"{text} is before {self.earliest_date.isoformat()}, the earliest date accepted "
                f"(a mistyped year?); set {env_name('import_earliest_date')} to accept earlier dates"
            )
        if value > self.latest:
            latest = self.latest.astimezone(STOCKHOLM)
            return (
                f"{text} is after {latest:%Y-%m-%d %H:%M}, the latest time accepted "
                f"({self.max_future_hours} hours after the import; a mistyped year?); "
                f"set {env_name('import_max_future_hours')} to accept later times"
            )
        return None

    def check(self, value: datetime, text: str) -> datetime:
        """`value` if inside the bounds; else ValueError with the reason, for RowErrors.check."""
        problem = self.problem(value, text)
        if problem:
            raise ValueError(problem)
        return value
