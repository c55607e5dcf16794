"""Per supplier and period metrics: rates and distributions that compare suppliers of any size.

The `threshold` detector compares one of them with a value; outlier scoring uses the whole
table as features. `supplier_period_metrics` returns one row per supplier and period (index
supplier_id, period_key: the local day number of the period's first day, as in
monitor.findings.periods) and one column per entry of METRICS, in that order.

Only `visits`, `staff` and `clients` are counts: the size, for min support and context.
Every other metric is a share, a ratio or a per-staff average, so a supplier with 40 visits
a week and one with 40,000 can be set side by side. A metric that cannot be computed for a
group is NaN, never 0: no planned times, no `recorded_at` in the export; relative_visit_share
for a supplier without a staff list (no staff rows for it, or no staff frame at all), so that
one is not "clean" for never having sent one; absent_client_visit_share when there are no
client events at all (none imported). Every column is float64, counts too, so the table is
ready to use as a feature matrix.

Per-visit metrics ("..._share") are the mean of a per-visit flag from `visit_flags`, where a
visit that cannot be judged (no planned times for exact_planned_share) is left out rather than
counted as "no". Visits are placed in a period by their registered start, in local time.

A metric with a rule of the same sign counts visits by the rule's own definition at its default
parameters, one function in monitor.findings.visit_signs used by both, so a threshold rule or a
peer comparison never sees a sign the rule would not. Where a metric differs from a rule by design
(short_visit_share, hours_per_staff_day), its description says how and why.

`supplier_period_metrics_and_support` also gives, for the same rows and columns, how many
visits each metric is computed over: the visits that could be judged for a share, the visits
planned at least a minute for the duration ratios, every visit for the rest. Min support is
checked against it, so that 1 visit with a plan among 40 is not "100 % of 40 visits".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from monitor.findings.periods import Period, local_seconds, period_keys, weekday
from monitor.findings.visit_signs import (
    ABSENCE_MIN_OVERLAP_MINUTES,
    LATE_REGISTRATION_HOURS,
    MIN_PLANNED_MINUTES,
    SHORT_VISIT_MINUTES,
    absent_client_mask,
    duration_ratios,
    exact_planned_mask,
    has_staff_list,
    late_registration_mask,
    manual_mask,
    registered_and_planned_minutes,
    relative_visit_mask,
    short_visit_mask,
)

Unit = Literal["count", "share", "ratio", "minutes", "hours", "number"]

NIGHT_STARTS_HOUR, NIGHT_ENDS_HOUR = 22, 6
_DAY = 86_400.0


@dataclass(frozen=True)
class Metric:
    """What a metric measures (English, for the docs), its labels in messages, and its unit.

    A "share" is a fraction 0-1 in the table and in rule values, and is shown as a percentage.
    `flag` names the visit_flags column a share is the mean of, so its matching visits can
    serve as evidence; distributions and averages have none. `over` names the visit_flags
    column whose defined (non-NaN) values the metric is computed over, for min support: the
    flag for a share, None when every visit counts.
    """

    description: str
    sv: str
    en: str
    unit: Unit
    flag: str | None = None
    over: str | None = None

    @property
    def support_column(self) -> str | None:
        return self.over or self.flag


METRICS: dict[str, Metric] = {
    "visits": Metric("Number of visits (registered start in the period).", "Antal besök", "Number of visits", "count"),
    "staff": Metric("Distinct staff members with a visit.", "Antal personal", "Number of staff", "count"),
    "clients": Metric("Distinct clients visited.", "Antal brukare", "Number of clients", "count"),
    "manual_share": Metric(
        "Share of visits registered manually or by phone instead of NFC tag, digital lock or app, as the "
        "manual_registration_share rule counts them at its default methods.",
        "Andel manuellt registrerade besök", "Share of manually registered visits", "share", "manual"),
    "exact_planned_share": Metric(
        "Share of visits whose registered start and end both fall in the planned minutes "
        "(among visits with planned times), as the exact_planned_times rule counts them.",
        "Andel besök registrerade exakt enligt plan", "Share of visits registered exactly as planned",
        "share", "exact_planned"),
    "short_visit_share": Metric(
        f"Share of visits registered shorter than {SHORT_VISIT_MINUTES:g} minutes, whatever their plan. Not the "
        "short_visits rule's count, which leaves out a visit that takes at least half its known plan (a night "
        "check planned at ten minutes): the rule looks for taps at the door, this describes an operating model.",
        "Andel besök kortare än 5 min", "Share of visits shorter than 5 min", "share", "short_visit"),
    "median_duration_ratio": Metric(
        f"Median of registered / planned duration (among visits planned at least {MIN_PLANNED_MINUTES:g} minute), "
        "as the duration_inflation rule takes it.",
        "Median av registrerad/planerad tid", "Median registered/planned duration", "ratio",
        over="duration_ratio"),
    "p90_duration_ratio": Metric(
        "90th percentile of registered / planned duration: the long tail of inflated visits.",
        "90:e percentilen av registrerad/planerad tid", "90th percentile of registered/planned duration",
        "ratio", over="duration_ratio"),
    "duration_ratio_iqr": Metric(
        "Spread of registered / planned duration: its interquartile range (75th minus 25th percentile). "
        "Real visits run over and under the plan; registrations copied from the plan, or padded by a fixed "
        "amount, spread little or, mixed with honest ones, oddly much.",
        "Spridning av registrerad/planerad tid (kvartilavstånd)",
        "Spread of registered/planned duration (interquartile range)", "ratio", over="duration_ratio"),
    "night_visit_share": Metric(
        f"Share of visits starting between {NIGHT_STARTS_HOUR}:00 and {NIGHT_ENDS_HOUR:02d}:00 local time.",
        "Andel nattbesök (22-06)", "Share of night visits (22-06)", "share", "night_visit"),
    "late_registration_share": Metric(
        f"Share of visits recorded in the system more than {LATE_REGISTRATION_HOURS:g} hours after they ended "
        "(among visits with recorded_at; NaN when the export has none), as the late_registration rule counts "
        "them at its default delay.",
        "Andel besök registrerade mer än ett dygn i efterhand", "Share of visits recorded over a day late",
        "share", "late_registration"),
    "relative_visit_share": Metric(
        "Share of visits where the staff member is a registered relative of the client (same supplier), as "
        "the relative_caregiver rule counts them; NaN for a supplier without a staff list.",
        "Andel besök av anhörig personal", "Share of visits by a relative", "share", "relative_visit"),
    "absent_client_visit_share": Metric(
        "Share of visits while the client was in hospital, or after the client died or moved out, as the "
        f"visit_during_absence rule counts them at its defaults: at least {ABSENCE_MIN_OVERLAP_MINUTES:g} minutes "
        "of the visit (or all of it) in the absence, and not on the day of an event known only by its date.",
        "Andel besök när brukaren var frånvarande", "Share of visits while the client was away", "share",
        "absent_client_visit"),
    "visits_per_staff_day": Metric(
        "Visits per staff-day (a staff member with at least one visit starting that local day).",
        "Besök per arbetsdag och personal", "Visits per staff-day", "number"),
    "hours_per_staff_day": Metric(
        "Registered hours per staff-day: each visit's whole length on the local day it starts, overlapping "
        "visits each counted, as billed. An average, not the excessive_staff_hours rule's measure of a "
        "person's longest days, which cuts visits at midnight and counts overlapping time once.",
        "Registrerade timmar per arbetsdag och personal",
        "Registered hours per staff-day", "hours"),
    "clients_per_staff": Metric(
        "Mean number of distinct clients a staff member visited in the period.",
        "Brukare per personal", "Clients per staff member", "number"),
    "mean_visit_minutes": Metric(
        "Mean registered visit length in minutes.", "Genomsnittlig besökstid", "Mean visit length", "minutes"),
    "missing_coordinates_share": Metric(
        "Share of visits without coordinates, which location checks cannot judge.",
        "Andel besök utan koordinater", "Share of visits without coordinates", "share", "missing_coordinates"),
    "weekend_share": Metric(
        "Share of visits starting on a Saturday or Sunday, local time.",
        "Andel helgbesök", "Share of weekend visits", "share", "weekend"),
}

INDEX = ["supplier_id", "period_key"]


def visit_flags(
    visits: pd.DataFrame, staff: pd.DataFrame | None = None, client_events: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per visit (same order) with each share metric's flag as 1.0/0.0, NaN where the
    visit cannot be judged, plus `duration_ratio` and `registered_minutes`."""
    start = visits["registered_start"].to_numpy(dtype="float64")
    registered_minutes, _ = registered_and_planned_minutes(visits)
    exact, has_plan = exact_planned_mask(visits)
    short, has_length = short_visit_mask(visits)
    late, has_recorded = late_registration_mask(visits)
    local = local_seconds(start)
    day = np.floor(local / _DAY)
    hour = (local - day * _DAY) / 3600.0
    latitude = visits["latitude"].to_numpy(dtype="float64")
    longitude = visits["longitude"].to_numpy(dtype="float64")

    def judged(flag: np.ndarray, known: np.ndarray | bool = True) -> np.ndarray:
        return np.where(known, flag.astype("float64"), np.nan)

    return pd.DataFrame(
        {
            "manual": judged(manual_mask(visits)),
            "exact_planned": judged(exact, has_plan),
            "short_visit": judged(short, has_length),
            "night_visit": judged((hour >= NIGHT_STARTS_HOUR) | (hour < NIGHT_ENDS_HOUR), np.isfinite(hour)),
            "late_registration": judged(late, has_recorded),
            "relative_visit": judged(relative_visit_mask(visits, staff), has_staff_list(visits, staff)),
            "absent_client_visit": judged(absent_client_mask(visits, client_events),
                                          client_events is not None and not client_events.empty),
            "missing_coordinates": judged(~(np.isfinite(latitude) & np.isfinite(longitude))),
            "weekend": judged(weekday(day) >= 5, np.isfinite(day)),
            "duration_ratio": duration_ratios(visits),
            "registered_minutes": registered_minutes,
            "local_day": day,
        },
        index=visits.index,
    )


def _codes(visits: pd.DataFrame, key: str, *columns: str) -> np.ndarray:
    """The evidence frame's integer key if present, else one made from the columns."""
    if key in visits:
        return visits[key].to_numpy(dtype="int64")
    arrays = [visits[c] for c in columns]
    index = pd.MultiIndex.from_arrays(arrays) if len(arrays) > 1 else arrays[0]
    return pd.factorize(index)[0].astype("int64")


def empty_metrics() -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays([np.zeros(0, dtype="int64")] * 2, names=INDEX)
    return pd.DataFrame({name: pd.Series(dtype="float64") for name in METRICS}, index=index)


def supplier_period_metrics(
    visits: pd.DataFrame,
    period: Period,
    staff: pd.DataFrame | None = None,
    client_events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every metric of METRICS per supplier and period over an evidence-shaped visits frame.

    `visits` needs supplier_id, staff_id, client_ref, registered/planned start and end (epoch
    seconds), registration_method, latitude, longitude, and optionally recorded_at. Without
    `staff` (or for a supplier it has no rows for), relative_visit_share is NaN; without
    `client_events` (or with none), absent_client_visit_share is.
    """
    return supplier_period_metrics_and_support(visits, period, staff, client_events)[0]


def supplier_period_metrics_and_support(
    visits: pd.DataFrame,
    period: Period,
    staff: pd.DataFrame | None = None,
    client_events: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(metrics, support): the metrics as supplier_period_metrics gives them, and a table of the
    same shape counting, per metric, the visits it is computed over (Metric.support_column)."""
    if visits.empty:
        return empty_metrics(), empty_metrics()
    flags = visit_flags(visits, staff, client_events)
    keys = period_keys(visits["registered_start"].to_numpy(dtype="float64"), period)
    staff_codes = _codes(visits, "staff_key", "supplier_id", "staff_id")
    rows = flags.assign(
        supplier_id=visits["supplier_id"].to_numpy(dtype="int64"),
        period_key=keys,
        staff=staff_codes,
        client=_codes(visits, "client_key", "client_ref"),
        # Exact in float64: staff codes stay far below 1e9 and day numbers below 1e6.
        staff_day=staff_codes.astype("float64") * 1e6 + flags["local_day"].to_numpy(),
    )
    rows = rows[np.isfinite(keys)]
    rows["period_key"] = rows["period_key"].astype("int64")
    grouped = rows.groupby(INDEX, sort=True)
    shares = {name: (m.flag, "mean") for name, m in METRICS.items() if m.flag is not None}
    out = grouped.agg(
        visits=("staff", "size"),
        staff=("staff", "nunique"),
        clients=("client", "nunique"),
        median_duration_ratio=("duration_ratio", "median"),
        mean_visit_minutes=("registered_minutes", "mean"),
        registered_minutes=("registered_minutes", "sum"),
        staff_days=("staff_day", "nunique"),
        **shares,
    )
    ratio = grouped["duration_ratio"]
    out["p90_duration_ratio"] = ratio.quantile(0.9)
    out["duration_ratio_iqr"] = ratio.quantile(0.75) - ratio.quantile(0.25)
    out["visits_per_staff_day"] = out["visits"] / out["staff_days"]
    out["hours_per_staff_day"] = out["registered_minutes"] / 60.0 / out["staff_days"]
    per_staff = rows.groupby([*INDEX, "staff"], sort=False)["client"].nunique()
    out["clients_per_staff"] = per_staff.groupby(level=INDEX).mean()
    # "count" counts the defined values: the visits a share or ratio could be computed over.
    columns = sorted({c for m in METRICS.values() if (c := m.support_column) is not None})
    defined = grouped[columns].count()
    support = pd.DataFrame(
        {name: defined[m.support_column] if m.support_column else out["visits"] for name, m in METRICS.items()},
        index=out.index,
    )
    return out[list(METRICS)].astype("float64"), support.astype("float64")
