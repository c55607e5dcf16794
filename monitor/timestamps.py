"""Parsing export timestamps into UTC instants.

Exports write local Swedish wall-clock time without an offset. In the autumn the hour
02:00-03:00 happens twice, so one wall-clock reading can mean two instants; we keep both
candidates and let the interval that contains them decide (see resolve_interval).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EXAMPLE = "2026-10-06 13:11"


class TimestampError(ValueError):
    pass


@lru_cache(maxsize=262_144)
def instant_candidates(text: str, tz: ZoneInfo = STOCKHOLM) -> tuple[datetime, ...]:
    """All UTC instants a timestamp text can mean: one, or two in the repeated autumn hour."""
    value = text.strip()
    if not value:
        raise TimestampError("empty timestamp")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise TimestampError(
            f"not an ISO 8601 timestamp: {value!r} (expected e.g. {EXAMPLE})"
        ) from None
    try:
        return _utc_readings(parsed, tz)
    except OverflowError:
        # Year 1 or 9999 in a zone away from UTC: the instant falls outside what a datetime holds.
        raise TimestampError(f"out of range: {value!r}") from None


def _utc_readings(parsed: datetime, tz: ZoneInfo) -> tuple[datetime, ...]:
    if parsed.tzinfo is not None:
        return (parsed.astimezone(UTC),)
    first = parsed.replace(tzinfo=tz, fold=0)
    second = parsed.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return (first.astimezone(UTC),)
    a, b = first.astimezone(UTC), second.astimezone(UTC)
    if a.astimezone(tz).replace(tzinfo=None) != parsed:
        # Spring gap: the reading does not exist; clocks skipped it. Read it with the
        # offset in force before the jump, as the registering device most likely did.
        return (a,)
    return (min(a, b), max(a, b))


def date_only(text: str) -> date | None:
    """The day a text names if it is a date without a time of day (2026-10-07, or compact
    20261007), else None.

    The one place that tells a date from a timestamp: where a date may stand for a whole day
    (a hospital stay ending 2026-10-07 includes the 7th), reading it as the instant at
    midnight would lose that day.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_instant(text: str, tz: ZoneInfo = STOCKHOLM) -> datetime:
    """One instant; an ambiguous autumn reading takes its first occurrence."""
    return instant_candidates(text, tz)[0]


def resolve_interval(
    start_text: str, end_text: str, tz: ZoneInfo = STOCKHOLM
) -> tuple[datetime, datetime]:
    """The start and end instants of an interval written in local time.

    Among the readings each end can have, take the pair with the shortest non-negative
    length: a visit from 02:50 to 02:10 on the autumn night is 20 minutes, not -40.
    Raises TimestampError if every reading ends before it starts.
    """
    return resolve_candidates(instant_candidates(start_text, tz), instant_candidates(end_text, tz))


def resolve_candidates(
    starts: tuple[datetime, ...], ends: tuple[datetime, ...]
) -> tuple[datetime, datetime]:
    """resolve_interval for already parsed readings."""
    if len(starts) == 1 and len(ends) == 1:
        if ends[0] < starts[0]:
            raise TimestampError("end before start")
        return starts[0], ends[0]
    best: tuple[datetime, datetime] | None = None
    for s in starts:
        for e in ends:
            if e >= s and (best is None or e - s < best[1] - best[0]):
                best = (s, e)
    if best is None:
        raise TimestampError("end before start")
    return best


def local_text(instant: datetime) -> str:
    """An instant as the team reads it everywhere: Swedish local time to the minute."""
    return instant.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def local_iso(instant: datetime) -> str:
    """An instant for machine-readable output: Swedish local time with its UTC offset."""
    return instant.astimezone(STOCKHOLM).isoformat()


def day_start(day: date, tz: ZoneInfo = STOCKHOLM) -> datetime:
    """Local midnight of a calendar day, as a UTC instant."""
    try:
        return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    except OverflowError:
        raise TimestampError(f"out of range: {day.isoformat()}") from None


def day_end(day: date, tz: ZoneInfo = STOCKHOLM) -> datetime:
    """The end of a calendar day (next local midnight), as a UTC instant."""
    try:
        return day_start(day + timedelta(days=1), tz)
    except OverflowError:
        raise TimestampError(f"out of range: {day.isoformat()}") from None
