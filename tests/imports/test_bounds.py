"""Registered times outside a plausible range are rejected rows: one visit typed as 2062 must not
become the newest evidence. The import's clock is injected; the real date never matters here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from monitor.config import Settings, load_settings
from monitor.imports import SPECS, import_csv
from monitor.imports.bounds import TimeBounds
from monitor.models import Visit
from tests.conftest import ASTRID, ASTRID_HOME, visit_row

NOW = datetime(2026, 10, 7, 10, 0, tzinfo=UTC)  # 12:00 in Stockholm
BOUNDS = TimeBounds.from_settings(Settings(), now=NOW)
FUTURE = "MONITOR_IMPORT_MAX_FUTURE_HOURS"
PAST = "MONITOR_IMPORT_EARLIEST_DATE"


def _visit(**change: str) -> dict[str, str]:
    return visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30", **change)


def _observation(**change: str) -> dict[str, str]:
    return {"observation_id": "O1", "address": ASTRID_HOME, "observed_from": "2026-10-06 07:30",
            "observed_to": "2026-10-06 09:00", "staff_seen": "nej", **change}


def _event(**change: str) -> dict[str, str]:
    return {"client_id": ASTRID, "event": "hospitalized", "start": "2026-10-05", "end": "2026-10-06", **change}


OUT_OF_RANGE = [
    ("visit_starting_in_2062", "visits", _visit(registered_start="2062-10-06 08:00"), "registered_start", FUTURE),
    ("visit_ending_in_2062", "visits", _visit(registered_end="2062-10-06 08:30"), "registered_end", FUTURE),
    ("visit_ending_9999", "visits", _visit(registered_end="9999-12-31"), "registered_end", FUTURE),
    ("visit_planned_in_2062", "visits", _visit(planned_start="2062-10-06 08:00"), "planned_start", FUTURE),
    ("visit_recorded_in_2062", "visits", _visit(recorded_at="2062-10-06 09:00"), "recorded_at", FUTURE),
    ("visit_in_1926", "visits", _visit(registered_start="1926-10-06 08:00"), "registered_start", PAST),
    ("visit_ending_in_year_one", "visits", _visit(registered_end="0001-01-01 00:30"), "registered_end", "0001"),
    ("observation_ending_in_2062", "observations", _observation(observed_to="2062-10-06 09:00"), "observed_to", FUTURE),
    ("observation_in_1926", "observations", _observation(observed_from="1926-10-06 07:30"), "observed_from", PAST),
    ("event_starting_in_2062", "client-events", _event(start="2062-10-05"), "start", FUTURE),
    ("event_starting_in_1926", "client-events", _event(start="19261005"), "start", PAST),
]


@pytest.mark.parametrize(("kind", "row", "column", "hint"), [c[1:] for c in OUT_OF_RANGE],
                         ids=[c[0] for c in OUT_OF_RANGE])
def test_it_rejects_a_time_outside_the_plausible_range_naming_the_setting(
    with_suppliers, write_csv, pseudonymise, kind, row, column, hint
):
    path = write_csv("f.csv", [row])
    result = import_csv(with_suppliers, SPECS[kind], path, pseudonymise=pseudonymise, bounds=BOUNDS)
    assert (result.rows_accepted, result.rows_rejected) == (0, 1)
    assert [c for c, _ in result.rejected[0].errors] == [column]
    assert hint in result.rejected[0].describe()


EDGES = [
    ("a_day_after_the_clock", "2026-10-08 11:59", "2026-10-08 12:00", True),
    ("past_a_day_after_the_clock", "2026-10-08 11:59", "2026-10-08 12:01", False),
    ("the_first_minute_of_2000", "2000-01-01 00:00", "2000-01-01 00:30", True),
    ("the_last_minute_of_1999", "1999-12-31 23:59", "2000-01-01 00:30", False),
]


@pytest.mark.parametrize(("start", "end", "accepted"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_it_accepts_times_from_2000_to_a_day_after_the_import(with_suppliers, write_csv, pseudonymise, start, end,
                                                           accepted):
    path = write_csv("v.csv", [visit_row("V1", start, end)])
    result = import_csv(with_suppliers, SPECS["visits"], path, pseudonymise=pseudonymise, bounds=BOUNDS)
    assert result.rows_accepted == int(accepted)


def test_it_says_where_the_range_ends_and_how_to_widen_it(with_suppliers, write_csv, pseudonymise):
    path = write_csv("v.csv", [_visit(registered_end="2062-10-06 08:30")])
    result = import_csv(with_suppliers, SPECS["visits"], path, pseudonymise=pseudonymise, bounds=BOUNDS)
    assert result.rejected[0].describe() == (
        "column registered_end: 2062-10-06 08:30 is after 2026-10-08 12:00, the latest time accepted "
        "(24 hours after the import; a mistyped year?); set MONITOR_IMPORT_MAX_FUTURE_HOURS to accept later times"
    )


def test_it_takes_the_range_from_the_settings(with_suppliers, write_csv, pseudonymise):
    settings = load_settings({"MONITOR_IMPORT_EARLIEST_DATE": "1990-01-01", "MONITOR_IMPORT_MAX_FUTURE_HOURS": "0"})
    bounds = TimeBounds.from_settings(settings, now=NOW)
    rows = [visit_row("OLD", "1995-03-01 08:00", "1995-03-01 08:30"),
            visit_row("SOON", "2026-10-07 12:30", "2026-10-07 12:45")]
    result = import_csv(with_suppliers, SPECS["visits"], write_csv("v.csv", rows), pseudonymise=pseudonymise,
                        bounds=bounds)
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    with with_suppliers.connect() as conn:
        assert conn.execute(select(Visit.visit_id)).scalars().all() == ["OLD"]
