"""Field parsers shared by the importers. Each raises ValueError with a reason a user can act on."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from monitor.timestamps import (
    STOCKHOLM,
    TimestampError,
    date_only,
    day_start,
    instant_candidates,
    parse_instant,
    resolve_candidates,
)

if TYPE_CHECKING:
    from monitor.imports.bounds import TimeBounds

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Sweden's extent with a margin; catches swapped or zeroed coordinates.
SWEDEN_LAT = (55.0, 69.2)
SWEDEN_LON = (10.5, 24.3)

OPEN_END_YEAR = "9999"

TRUE_WORDS = frozenset({"ja", "yes", "true", "j", "y", "1", "sant"})
FALSE_WORDS = frozenset({"nej", "no", "false", "n", "0", "falskt"})


class RowErrors(Exception):
    """Everything wrong with one row, as (column, reason) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[tuple[str, str]] = []

    def add(self, column: str, reason: str) -> None:
        self.errors.append((column, reason))

    def check(self, column: str, parse: Callable[[str], T], value: str) -> T | None:
        try:
            return parse(value)
        except ValueError as exc:
            self.add(column, str(exc))
        except OverflowError:
            self.add(column, "out of range (a date or number too large or too small to store)")
        except Exception as exc:
            # A parser bug must cost one row, not the whole import. The message may hold the
            # value, and the value may be a client id, so only the type is told or logged.
            logger.warning("Unexpected error in a field parser column=%s error=%s", column, type(exc).__name__)
            self.add(column, f"could not be read ({type(exc).__name__}: a bug in the importer, please report it)")
        return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise self


def required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("missing value")
    return value


def optional(value: str) -> str | None:
    return value.strip() or None


@lru_cache(maxsize=65_536)
def org_number(value: str) -> str:
    """NNNNNN-NNNN, with or without the hyphen, Luhn-checked."""
    text = value.strip()
    if not text:
        raise ValueError("missing value")
    try:
        return str(orgnr.format(orgnr.validate(text)))
    except StdnumError as exc:
        raise ValueError(f"invalid organisation number {text!r}: {exc.message}") from None


def org_number_as_stored(value: str) -> str:
    """For look-ups: an org number in the stored form (NNNNNN-NNNN) if it is one, else the text
    as given, so the caller can say no supplier has it."""
    try:
        return org_number(value)
    except ValueError:
        return value.strip()


@lru_cache(maxsize=65_536)
def decimal(value: str) -> float | None:
    """A number that may use a Swedish decimal comma; empty is None."""
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"not a number: {value.strip()!r}") from None
    # float() also reads nan, inf and 1e999 (inf); stored, they poison every sum and median.
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value.strip()!r}")
    return number


def coordinates(errors: RowErrors, lat_text: str, lon_text: str) -> tuple[float | None, ...]:
    lat = errors.check("latitude", decimal, lat_text)
    lon = errors.check("longitude", decimal, lon_text)
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        if not lat_text.strip() or not lon_text.strip():
            missing = "latitude" if not lat_text.strip() else "longitude"
            errors.add(missing, "missing while the other coordinate is given")
        return None, None
    if _inside(lon, SWEDEN_LAT) and _inside(lat, SWEDEN_LON):
        errors.add("latitude", f"latitude {lat} and longitude {lon} look swapped")
    elif not _inside(lat, SWEDEN_LAT):
        errors.add("latitude", f"latitude {lat} is outside Sweden ({SWEDEN_LAT[0]}-{SWEDEN_LAT[1]})")
    elif not _inside(lon, SWEDEN_LON):
        errors.add(
            "longitude", f"longitude {lon} is outside Sweden ({SWEDEN_LON[0]}-{SWEDEN_LON[1]})"
        )
    else:
        return lat, lon
    return None, None


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    lookup = {a.casefold(): a for a in allowed}

    def parse(value: str) -> str:
        text = value.strip()
        try:
            return lookup[text.casefold()]
        except KeyError:
            raise ValueError(
                f"unknown value {text!r}; expected one of {', '.join(allowed)} "
                "(or map it in the --mapping file under values:)"
            ) from None

    return parse


def yes_no(value: str) -> bool:
    text = value.strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"expected ja/nej (yes/no, true/false), got {value.strip()!r}")


def calendar_date(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    day = date_only(text)
    if day is None:
        raise ValueError(f"not a date: {text!r} (expected e.g. 2026-01-31 or 20260131)")
    return day


def until_further_notice(value: str) -> bool:
    """An end in the year 9999: Swedish systems write 9999-12-31 for "tills vidare"."""
    return value.strip().startswith(OPEN_END_YEAR)


def end_date(value: str) -> date | None:
    """An end date that may be open (empty or until further notice: None)."""
    return None if until_further_notice(value) else calendar_date(value)


def split_list(value: str) -> list[str]:
    """A ';'-separated list; '|' also works, since a ';'-separated file must quote ';'."""
    return [part.strip() for part in value.replace("|", ";").split(";") if part.strip()]


def split_people(value: str) -> list[str]:
    """A list of people's ids (personnummer): separated by ';' or '|' like split_list, or by
    ',' as registers often write them. Unlike a name, an id never holds a comma, and read as
    one id "19500101-0001, 19500101-0002" would be one pseudonym standing for nobody."""
    return split_list(value.replace(",", ";"))


def non_negative(value: str) -> float | None:
    number = decimal(value)
    if number is not None and number < 0:
        raise ValueError(f"must not be negative: {value.strip()!r}")
    return number


def instant_within(bounds: TimeBounds) -> Callable[[str], datetime | None]:
    """An optional single timestamp inside the import's bounds; local time unless it carries
    an offset."""

    def parse(value: str) -> datetime | None:
        text = value.strip()
        if not text:
            return None
        return bounds.check(parse_instant(text), text)

    return parse


def interval(
    errors: RowErrors,
    columns: tuple[str, str],
    row: dict[str, str],
    bounds: TimeBounds,
    optional: bool = False,
) -> tuple[datetime, datetime] | tuple[None, None]:
    """The row's start and end columns as UTC instants inside the import's bounds (see
    timestamps.resolve_interval)."""
    start_col, end_col = columns
    start_text, end_text = row.get(start_col, "").strip(), row.get(end_col, "").strip()
    if optional and not start_text and not end_text:
        return None, None
    readings = []
    for column, text in ((start_col, start_text), (end_col, end_text)):
        try:
            readings.append(instant_candidates(text))
        except TimestampError as exc:
            errors.add(column, str(exc))
    if len(readings) < 2:
        return None, None
    try:
        start, end = resolve_candidates(readings[0], readings[1])
        order = None
    except TimestampError as exc:
        start, end = readings[0][0], readings[1][0]
        order = f"{exc} ({end_text} is before {start_text})"
    outside = [
        (column, problem)
        for column, value, text in ((start_col, start, start_text), (end_col, end, end_text))
        if (problem := bounds.problem(value, text))
    ]
    for column, problem in outside:
        errors.add(column, problem)
    # A start typed as 2062 also puts the end before it; the year is the error to report.
    if order and not outside:
        errors.add(end_col, order)
    if outside or order:
        return None, None
    return start, end


def count(value: str) -> int | None:
    """A whole number of 0 or more; empty is None."""
    number = decimal(value)
    if number is None:
        return None
    if number < 0 or number != int(number):
        raise ValueError(f"expected a whole number of 0 or more, got {value.strip()!r}")
    return int(number)


def optional_yes_no(value: str) -> bool | None:
    """ja/nej, or empty when the export does not say."""
    return yes_no(value) if value.strip() else None


def month(value: str) -> date:
    """The first day of a month written 2026-10, 202610, or as any day in it (2026-10-31)."""
    text = value.strip()
    if not text:
        raise ValueError("missing value")
    compact = text.replace("-", "")
    if len(compact) == 6 and compact.isdigit():
        year, number = int(compact[:4]), int(compact[4:])
        if 1 <= number <= 12:
            return date(year, number, 1)
    day = date_only(text)
    if day is None:
        raise ValueError(f"not a month: {text!r} (expected e.g. 2026-10, 202610 or a date in the month)")
    return day.replace(day=1)


def month_within(bounds: TimeBounds) -> Callable[[str], date]:
    """A month (see `month`) from the earliest date's month to a year after the import's clock:
    billing ahead stays inside a year, and 2062-10 or 1026-10 is a mistyped year that would
    otherwise be the latest month in every summary."""

    def parse(value: str) -> date:
        first = month(value)
        if first < bounds.earliest_date.replace(day=1):
            raise ValueError(bounds.problem(day_start(first), value.strip()))
        today = bounds.now.astimezone(STOCKHOLM).date()
        if first > today.replace(day=1) + timedelta(days=366):
            raise ValueError(f"{value.strip()} is more than a year after the import ({today.isoformat()}): "
                             "a mistyped year?")
        return first

    return parse


def date_within(bounds: TimeBounds, optional: bool = False) -> Callable[[str], date | None]:
    """A calendar date whose local midnight lies inside the import's bounds (a snapshot or an
    invoice dated 2062 would otherwise be the newest one)."""

    def parse(value: str) -> date | None:
        text = value.strip()
        if not text:
            if optional:
                return None
            raise ValueError("missing value")
        day = calendar_date(text)
        assert day is not None
        bounds.check(day_start(day), text)
        return day

    return parse


def past_date(bounds: TimeBounds) -> Callable[[str], date | None]:
    """A required calendar date not in the future, however old: an IVO decision from 1995 is
    a real permit, which `import_earliest_date` (a guard against mistyped years in visits and
    snapshots) must not refuse. A future one is still a mistyped year."""

    def parse(value: str) -> date | None:
        text = value.strip()
        if not text:
            raise ValueError("missing value")
        day = calendar_date(text)
        assert day is not None
        if day_start(day) > bounds.latest:
            problem = bounds.problem(day_start(day), text)
            raise ValueError(problem)
        return day

    return parse
