"""Calendar periods in Swedish local time, computed for whole arrays of instants at once.

Rules aggregate per day, ISO week or month as the team reads a calendar: a week starts on
Monday at local midnight, and the autumn night with 25 hours is still one day. Instants are
epoch seconds (float64, NaN for missing) as in the evidence frames.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import numpy as np

from monitor.timestamps import STOCKHOLM, day_start

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")
_EPOCH = date(1970, 1, 1)
_DAY = 86_400.0
# 1970-01-01 was a Thursday: day number + 3 puts Mondays on multiples of 7.
_MONDAY_SHIFT = 3


@lru_cache(maxsize=64)
def _offset_table(first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants where Stockholm's offset changes, and the offset (seconds) from each on."""
    instants = [datetime(first_year, 1, 1, tzinfo=UTC)]
    offsets = [instants[0].astimezone(STOCKHOLM).utcoffset()]
    day, quarter = timedelta(days=1), timedelta(minutes=15)
    t = instants[0]
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    # Day steps find the days with a change, quarter-hour steps the moment within the day.
    while t < end:
        offset = (t + day).astimezone(STOCKHOLM).utcoffset()
        if offset != offsets[-1]:
            moment = t + quarter
            while moment.astimezone(STOCKHOLM).utcoffset() == offsets[-1]:
                moment += quarter
            instants.append(moment)
            offsets.append(offset)
        t += day
    seconds = np.array([i.timestamp() for i in instants], dtype=np.float64)
    return seconds, np.array([o.total_seconds() for o in offsets if o is not None], dtype=np.float64)


def _utc_offsets(instants: np.ndarray) -> np.ndarray:
    """Stockholm's UTC offset (seconds) in force at each instant (0 where the instant is NaN)."""
    finite = instants[np.isfinite(instants)]
    if finite.size == 0:
        return np.zeros(instants.shape)
    lo = datetime.fromtimestamp(float(finite.min()), UTC).year - 1
    hi = datetime.fromtimestamp(float(finite.max()), UTC).year + 1
    changes, offsets = _offset_table(lo, hi)
    index = np.searchsorted(changes, np.nan_to_num(instants), side="right") - 1
    return offsets[np.clip(index, 0, len(offsets) - 1)]


def local_seconds(instants: np.ndarray) -> np.ndarray:
    """Epoch seconds shifted to Stockholm wall-clock time (NaN stays NaN)."""
    instants = np.asarray(instants, dtype=np.float64)
    return instants + _utc_offsets(instants)


def local_days(instants: np.ndarray) -> np.ndarray:
    """Local calendar day of each instant, as days since 1970-01-01 (float, NaN for missing)."""
    return np.floor(local_seconds(instants) / _DAY)


def local_midnights(days: np.ndarray) -> np.ndarray:
    """The instant (epoch seconds) each local day number begins, NaN for NaN. The days the
    clocks change are 23 and 25 hours long, so consecutive midnights are not always 86,400 s apart."""
    wall = np.asarray(days, dtype=np.float64) * _DAY
    # Midnight's offset in two steps: the one in force when the wall-clock reading is taken as
    # UTC (an hour or two off), then the one in force at the instant that first guess gives.
    return wall - _utc_offsets(wall - _utc_offsets(wall))


def is_local_midnight(instants: np.ndarray) -> np.ndarray:
    """True where an instant is exactly local midnight (False for NaN and infinity)."""
    local = local_seconds(instants)
    finite = np.isfinite(local)
    out = np.zeros(local.shape, dtype=bool)
    out[finite] = np.mod(local[finite], _DAY) == 0
    return out


def weekday(days: np.ndarray) -> np.ndarray:
    """Day of the week of local day numbers: 0 for Monday to 6 for Sunday (NaN for NaN)."""
    return np.mod(np.asarray(days, dtype=np.float64) + _MONDAY_SHIFT, 7)


def period_keys(instants: np.ndarray, period: Period) -> np.ndarray:
    """An integer-valued key per instant: the local day number of the period's first day."""
    days = local_days(instants)
    if period == "day":
        return days
    if period == "week":
        return days - weekday(days)
    finite = np.isfinite(days)
    out = np.full(days.shape, np.nan)
    months = days[finite].astype("int64").astype("datetime64[D]").astype("datetime64[M]")
    out[finite] = months.astype("datetime64[D]").astype("int64")
    return out


def key_date(key: float) -> date:
    return _EPOCH + timedelta(days=int(key))


def period_bounds(key: float, period: Period) -> tuple[datetime, datetime]:
    """The UTC instants where the period that starts on local day `key` begins and ends."""
    first = key_date(key)
    if period == "day":
        last = first + timedelta(days=1)
    elif period == "week":
        last = first + timedelta(days=7)
    else:
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day_start(first), day_start(last)


def period_label(key: float, period: Period) -> str:
    """How the team names a period: 2026-10-06, 2026-W41, 2026-10."""
    first = key_date(key)
    if period == "day":
        return first.isoformat()
    if period == "week":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{first:%Y-%m}"


def to_epoch(value: datetime | date) -> float:
    """A datetime (aware) or a local calendar date as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    return day_start(value).timestamp()
