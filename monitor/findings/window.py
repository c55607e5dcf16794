"""The weeks a scoring run judges, and how far before them its rules must read to judge them.

The service scores every night on a history that grows by a week each week; a run that read
all of it would cost more every month. A run judges a window instead: by default the latest
`window.weeks` calendar weeks (rules/scoring.yaml) up to the latest visit, or a past window
asked for with `monitor score --since/--until`. Each rule also reads some time before the
window (its lookback): the rest of a period cut by the window's start, the earlier periods a
run of consecutive periods needs, the shift before a first rest. Findings whose period lies
wholly before the window are not the run's; a finding that spans the window's start is
judged on all of its evidence, as far as the lookback reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from monitor.findings.periods import PERIODS, Period, period_bounds, period_keys
from monitor.findings.rules import Rule
from monitor.models import Visit
from monitor.timestamps import STOCKHOLM, day_end, day_start

# The longest each period can be, in days (a month of 31).
PERIOD_DAYS: dict[Period, int] = {"day": 1, "week": 7, "month": 31}
# Visits across midnight, and the shift before a rest: every rule reads at least a day before.
MARGIN_DAYS = 1.0
assert set(PERIOD_DAYS) == set(PERIODS)


@dataclass(frozen=True)
class ScoringWindow:
    start: datetime  # the first instant judged (local midnight of a Monday unless --since says otherwise)
    end: datetime  # judged up to, not including
    lookback_days: float = 0.0
    backfill: bool = False  # asked for with --since/--until: stored as history, not as the latest run

    @property
    def load_from(self) -> datetime:
        """Where the evidence a run reads begins: the window's start less the longest lookback."""
        return self.start - timedelta(days=self.lookback_days)

    def judges(self, period_start: datetime, period_end: datetime) -> bool:
        """Whether a finding over this period belongs to the window (it overlaps it)."""
        return period_end > self.start and period_start < self.end

    def with_lookback(self, days: float) -> ScoringWindow:
        return ScoringWindow(self.start, self.end, days, self.backfill)

    def describe(self) -> str:
        last = (self.end - timedelta(microseconds=1)).astimezone(STOCKHOLM).date()
        return f"{self.start.astimezone(STOCKHOLM).date().isoformat()} – {last.isoformat()}"


def _first_period_start(instant: datetime, period: Period, earlier: int = 0) -> datetime:
    """The start of the period holding `instant`, or of the one `earlier` periods before it."""
    start = instant
    for step in range(earlier + 1):
        moment = start if step == 0 else start - timedelta(seconds=1)
        key = period_keys(np.array([moment.timestamp()]), period)[0]
        start = period_bounds(key, period)[0]
    return start


def rule_lookback_days(rule: Rule, start: datetime | None = None) -> float:
    """How long before a window starting at `start` `rule` reads: back to the start of the
    period the window cuts, and of the earlier periods a run of consecutive periods needs, and
    a day's margin. Without `start`, the most it can be (a whole period each)."""
    period = rule.effective_period
    in_a_row = int(getattr(rule.effective_params, "min_consecutive_periods", 1) or 1)
    if period is None:
        return MARGIN_DAYS
    if start is None:
        return PERIOD_DAYS[period] * in_a_row + MARGIN_DAYS  # type: ignore[index]
    first = _first_period_start(start, period, in_a_row - 1)  # type: ignore[arg-type]
    return (start - first).total_seconds() / 86_400 + MARGIN_DAYS


def lookback_days(rules: list[Rule], outlier_period: Period | None = None, start: datetime | None = None) -> float:
    """The longest lookback of the enabled rules and of the peer comparison, which compares a
    period with the one before it (staff turnover) and so reads one period further back."""
    needs = [rule_lookback_days(r, start) for r in rules if r.enabled]
    if outlier_period is not None:
        if start is None:
            needs.append(2 * PERIOD_DAYS[outlier_period] + MARGIN_DAYS)
        else:
            needs.append((start - _first_period_start(start, outlier_period, 1)).total_seconds() / 86_400
                         + MARGIN_DAYS)
    return max(needs, default=MARGIN_DAYS)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def latest_visit_start(conn: Connection, now: datetime) -> datetime | None:
    """The start of the latest visit that has begun by `now` (a far-future typo is not "latest")."""
    v = Visit.__table__.c  # type: ignore[attr-defined]
    latest = conn.execute(select(func.max(v.registered_start)).where(v.registered_start <= now)).scalar()
    if isinstance(latest, str):  # SQLite without the column type applied to an aggregate
        latest = datetime.fromisoformat(latest)
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    return latest


def scoring_window(
    conn: Connection, weeks: int, now: datetime, since: date | None = None, until: date | None = None
) -> ScoringWindow:
    """The window a run judges (without its lookback: see `with_lookback`).

    Without --since/--until: the `weeks` calendar weeks up to the day of the latest visit, so
    re-scoring unchanged evidence judges the same weeks whatever day it runs. With them: from
    local midnight of `since` to the end of `until` (either may be left out: `weeks` weeks
    before `until`, or up to the latest visit)."""
    if until is not None:
        end = day_end(until)
    else:
        latest = latest_visit_start(conn, now)
        end = day_end(latest.astimezone(STOCKHOLM).date()) if latest is not None else now
    last_day = (end - timedelta(microseconds=1)).astimezone(STOCKHOLM).date()
    start = day_start(since) if since is not None else day_start(_monday(last_day) - timedelta(weeks=weeks - 1))
    if start >= end:
        raise ValueError(f"the window is empty: --since {since} is after --until {last_day}")
    return ScoringWindow(start, end, backfill=since is not None or until is not None)
