"""What makes one visit a sign: each sign's one definition, shared by its rule and its metric.

A rule (monitor.findings.detectors) and the metric of the same sign (monitor.findings.metrics,
read by threshold rules and the peer comparison) call the same function here, the metric at the
rule's default parameters, so the two never disagree on which visits are, say, a visit during a
hospital stay: a supplier a rule clears gets no outlier points for the same visits.

Each function takes an evidence-shaped visits frame (monitor.findings.evidence) and returns a
boolean per visit, with `judged` beside it where some visits cannot be judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from monitor.findings.periods import is_local_midnight, local_days, local_midnights
from monitor.registrations import MANUAL_METHODS

SHORT_VISIT_MINUTES = 5.0
# A plan shorter than this is a placeholder, not a length to compare a visit with.
MIN_PLANNED_MINUTES = 1.0
LATE_REGISTRATION_HOURS = 24.0
AbsenceEvent = Literal["hospitalized", "deceased", "moved_out"]
ABSENCE_EVENTS: tuple[AbsenceEvent, ...] = ("hospitalized", "deceased", "moved_out")
ABSENCE_MIN_OVERLAP_MINUTES = 15.0


def relative_visit_mask(visits: pd.DataFrame, staff: pd.DataFrame | None) -> np.ndarray:
    """True for visits where the staff member is a registered relative of the visit's client at
    the same supplier. Their visits to other clients are ordinary visits."""
    mask = np.zeros(len(visits), dtype=bool)
    if staff is None or staff.empty or visits.empty:
        return mask
    pairs = (
        staff[["supplier_id", "staff_id", "relative_of_client_refs"]]
        .explode("relative_of_client_refs")
        .dropna()
        .rename(columns={"relative_of_client_refs": "client_ref"})
    )
    if pairs.empty:
        return mask
    # Relatives are few: narrow by staff id first so the three-column match runs on a handful of rows.
    candidates = visits["staff_id"].isin(pairs["staff_id"].unique()).to_numpy()
    if not candidates.any():
        return mask
    known = pd.MultiIndex.from_arrays(
        [pairs["supplier_id"].astype("int64"), pairs["staff_id"].astype(str), pairs["client_ref"].astype(str)]
    )
    subset = visits.loc[candidates]
    found = pd.MultiIndex.from_arrays(
        [subset["supplier_id"].astype("int64"), subset["staff_id"].astype(str), subset["client_ref"].astype(str)]
    ).isin(known)
    mask[np.flatnonzero(candidates)[found]] = True
    return mask


def absence_intervals(
    client_events: pd.DataFrame,
    events: Sequence[str] = ABSENCE_EVENTS,
    date_only_grace: bool = True,
) -> pd.DataFrame:
    """One row per absence of the chosen `events`: client_ref, event, absent_from, absent_to
    (epoch seconds; +inf while it lasts).

    A death has no end; a move or a hospital stay may (moving back, discharge), and without one
    lasts on. With `date_only_grace`, the day of an instant at exact local midnight (an event given
    as a date: a start at that day's midnight, a date-only end at the next one) is left out, since
    the hour of admission, death, moving or discharge is unknown.
    """
    events_frame = client_events[client_events["event"].isin(list(events))]
    begins = events_frame["start"].to_numpy(dtype="float64").copy()
    ends = events_frame["end"].to_numpy(dtype="float64").copy()
    ends[(events_frame["event"] == "deceased").to_numpy() | np.isnan(ends)] = np.inf
    if date_only_grace:
        # By local day, not 86,400 s: the day after the autumn clock change begins 25 hours later.
        begins_at_midnight = is_local_midnight(begins)
        begins[begins_at_midnight] = local_midnights(local_days(begins[begins_at_midnight]) + 1)
        ends_at_midnight = is_local_midnight(ends)
        ends[ends_at_midnight] = local_midnights(local_days(ends[ends_at_midnight]) - 1)
    return pd.DataFrame({"client_ref": events_frame["client_ref"].to_numpy(),
                         "event": events_frame["event"].to_numpy(), "absent_from": begins, "absent_to": ends})


def absent_visit_pairs(
    visits: pd.DataFrame,
    client_events: pd.DataFrame | None,
    events: Sequence[str] = ABSENCE_EVENTS,
    min_overlap_minutes: float = ABSENCE_MIN_OVERLAP_MINUTES,
    date_only_grace: bool = True,
) -> pd.DataFrame:
    """The visits that fall in an absence of their client (absence_intervals): row (position in
    `visits`) and event, once per absence a visit falls in.

    A visit falls in an absence when at least `min_overlap_minutes` of it do, or all of it does
    (a five-minute visit during a hospital stay is still impossible); a visit that morning before
    admission, or after discharge the same day, does not. One definition for the
    visit_during_absence rule and the absent_client_visit_share metric.
    """
    none = pd.DataFrame({"row": np.zeros(0, dtype=np.int64), "event": np.zeros(0, dtype=object)})
    if client_events is None or client_events.empty or visits.empty:
        return none
    absences = absence_intervals(client_events, events, date_only_grace)
    candidates = np.flatnonzero(visits["client_ref"].isin(absences["client_ref"].unique()).to_numpy())
    if candidates.size == 0:
        return none
    # Only visits of clients with events, times their few events each: small.
    pairs = pd.DataFrame({
        "row": candidates,
        "client_ref": visits["client_ref"].to_numpy()[candidates],
        "start": visits["registered_start"].to_numpy(dtype="float64")[candidates],
        "end": visits["registered_end"].to_numpy(dtype="float64")[candidates],
    }).merge(absences, on="client_ref")
    start, end = pairs["start"].to_numpy(), pairs["end"].to_numpy()
    absent_from, absent_to = pairs["absent_from"].to_numpy(), pairs["absent_to"].to_numpy()
    overlap = np.minimum(end, absent_to) - np.maximum(start, absent_from)
    inside = (start >= absent_from) & (end <= absent_to)
    hit = inside | ((overlap > 0) & (overlap >= min_overlap_minutes * 60))
    return pairs.loc[hit, ["row", "event"]].reset_index(drop=True)


def absent_client_mask(visits: pd.DataFrame, client_events: pd.DataFrame | None) -> np.ndarray:
    """True for visits that fall in an absence of their client as the visit_during_absence rule
    counts them at its defaults (absent_visit_pairs)."""
    mask = np.zeros(len(visits), dtype=bool)
    mask[absent_visit_pairs(visits, client_events)["row"].to_numpy()] = True
    return mask


def minute_of(seconds: np.ndarray) -> np.ndarray:
    """The minute an instant falls in (epoch minutes). Rounded to the second first: timestamps
    read back from the database can carry sub-millisecond float noise either way."""
    return np.floor(np.round(seconds) / 60.0)


def exact_planned_mask(visits: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(exact, has_plan): registered start and end fall in the same minutes as the planned
    start and end (seconds within the minute still match: exports differ in whether they carry
    them); has_plan where both planned times are known. One definition for the
    exact_planned_times rule and the exact_planned_share metric."""
    minute = {c: minute_of(visits[c].to_numpy(dtype="float64"))
              for c in ("planned_start", "planned_end", "registered_start", "registered_end")}
    has_plan = np.isfinite(minute["planned_start"]) & np.isfinite(minute["planned_end"])
    exact = (minute["registered_start"] == minute["planned_start"]) & (
        minute["registered_end"] == minute["planned_end"])
    return exact, has_plan


def manual_mask(visits: pd.DataFrame, methods: Sequence[str] = MANUAL_METHODS) -> np.ndarray:
    """True for visits registered by one of `methods` (case aside): by hand or phone by default.
    One definition for the manual_registration_share rule and the manual_share metric."""
    wanted = {m.casefold() for m in methods}
    # Per distinct method, not per row: a handful of strings instead of a million.
    codes, methods_seen = pd.factorize(visits["registration_method"])
    hit = np.array([str(m).casefold() in wanted for m in methods_seen] + [False])
    return hit[codes]


def late_registration_mask(
    visits: pd.DataFrame, max_delay_hours: float = LATE_REGISTRATION_HOURS
) -> tuple[np.ndarray, np.ndarray]:
    """(late, judged): recorded in the system more than `max_delay_hours` after the visit ended;
    judged where both recorded_at and the end are known (an export without recorded_at judges
    none). One definition for the late_registration rule and the late_registration_share metric."""
    recorded = (
        visits["recorded_at"].to_numpy(dtype="float64") if "recorded_at" in visits else np.full(len(visits), np.nan)
    )
    delay = recorded - visits["registered_end"].to_numpy(dtype="float64")
    return delay > max_delay_hours * 3600, np.isfinite(delay)


def registered_and_planned_minutes(visits: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each visit's registered and planned length in minutes (NaN where an instant is missing):
    the evidence frame's registered_minutes and planned_minutes, or from the instants for a frame
    without them."""
    def minutes(kind: str) -> np.ndarray:
        if f"{kind}_minutes" in visits:
            return visits[f"{kind}_minutes"].to_numpy(dtype="float64")
        start, end = (visits[f"{kind}_{edge}"].to_numpy(dtype="float64") for edge in ("start", "end"))
        return (end - start) / 60.0

    return minutes("registered"), minutes("planned")


def duration_ratios(visits: pd.DataFrame) -> np.ndarray:
    """Registered / planned length per visit, NaN where either is unknown or the plan is shorter
    than MIN_PLANNED_MINUTES (a plan of seconds is a placeholder, and would make any visit look
    inflated a hundredfold). One definition for the duration_inflation and relative_caregiver
    rules and the duration ratio metrics."""
    registered, planned = registered_and_planned_minutes(visits)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((planned >= MIN_PLANNED_MINUTES) & np.isfinite(registered), registered / planned, np.nan)


def short_visit_mask(
    visits: pd.DataFrame, min_minutes: float = SHORT_VISIT_MINUTES, planned_fraction: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(short, judged): registered shorter than `min_minutes`, judged where the length is known.

    With `planned_fraction`, a visit with a known plan is short only if also under that fraction
    of its planned length (the short_visits rule: a night check planned at ten minutes that takes
    four is not a tap at the door); without it the plan is not read (the short_visit_share
    metric, which describes an operating model rather than a risk).
    """
    registered, planned = registered_and_planned_minutes(visits)
    short = registered < min_minutes
    if planned_fraction is not None:
        # NaN plan: the comparison is False, so the minutes alone decide.
        short &= ~(planned > 0) | (registered < planned_fraction * planned)
    return short, np.isfinite(registered)


def has_staff_list(visits: pd.DataFrame, staff: pd.DataFrame | None) -> np.ndarray:
    """True for visits of a supplier with a staff list (at least one staff row): only there can
    a visit be known not to be by a relative."""
    if staff is None or staff.empty:
        return np.zeros(len(visits), dtype=bool)
    return visits["supplier_id"].isin(staff["supplier_id"].unique()).to_numpy()
