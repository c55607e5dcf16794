"""The demo's clock: local wall-clock times turned into instants, and instants written back as text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from monitor.timestamps import STOCKHOLM


class Clock:
    """Instants as whole minutes since the Unix epoch, so routes run in elapsed (not wall) time."""

    def __init__(self, start: date) -> None:
        self.start = start
        self._instants: dict[tuple[int, int], int] = {}
        self._texts: dict[int, str] = {}

    def at(self, day: int, minute_of_day: int) -> int:
        """The instant of a local wall-clock time (the first one, if it happens twice)."""
        key = (day, minute_of_day)
        instant = self._instants.get(key)
        if instant is None:
            d = self.start + timedelta(days=day + minute_of_day // 1440)
            hour, minute = divmod(minute_of_day % 1440, 60)
            local = datetime(d.year, d.month, d.day, hour, minute, tzinfo=STOCKHOLM)
            instant = int(local.timestamp()) // 60
            self._instants[key] = instant
        return instant

    def text(self, instant: int) -> str:
        text = self._texts.get(instant)
        if text is None:
            text = datetime.fromtimestamp(instant * 60, STOCKHOLM).isoformat()
            self._texts[instant] = text
        return text

    def hhmm(self, instant: int) -> str:
        return self.text(instant)[11:16]
