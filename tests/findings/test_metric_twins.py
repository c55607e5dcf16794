"""Metrics and the rules of the same sign count the same visits.

A metric feeds threshold rules and the peer comparison; its rule twin makes findings. If the two
disagreed on which visits are a sign (a visit during a hospital stay, a late registration), a
supplier the rule clears could still get outlier points for it. Each pair is checked on random
data: seeded, many cases, with date-only and timed client events, deaths with and without an
end, visits around midnight and on the days the clocks change, and plans of every length.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from monitor.findings.detectors import DETECTORS, FindingDraft
from monitor.findings.detectors.excessive_staff_hours import day_pieces
from monitor.findings.evidence import Evidence, RuleContext
from monitor.findings.metrics import supplier_period_metrics, supplier_period_metrics_and_support, visit_flags
from monitor.findings.periods import (
    is_local_midnight,
    key_date,
    local_days,
    local_midnights,
    local_seconds,
    period_keys,
    weekday,
)
from monitor.findings.sequences import sequence_frame
from monitor.registrations import REGISTRATION_METHODS
from tests.conftest import HONEST, SUSPECT, visit_row
from tests.findings.conftest import detect
from tests.findings.test_visit_during_absence import CASES as ABSENCE_CASES
from tests.findings.test_visit_during_absence import event_row

SEEDS = range(40)
# Mondays: each two weeks hold a day the clocks change (29 March: 23 hours; 25 October: 25 hours).
FIRST_DAYS = ("2026-03-23", "2026-10-19")
WINDOW_DAYS = 14


def _day_number(text: str) -> int:
    return int(datetime.fromisoformat(text).date().toordinal() - datetime(1970, 1, 1).toordinal())


def _random_events(rng: np.random.Generator, first_day: int, clients: list[str]) -> pd.DataFrame:
    """Client events as Evidence loads them: a date-only start at local midnight, a date-only end
    at the next one; deaths sometimes with an end (which must not end them)."""
    rows = []
    for client in clients:
        for _ in range(rng.integers(0, 3)):
            event = rng.choice(["hospitalized", "deceased", "moved_out"])
            day = first_day + int(rng.integers(-2, WINDOW_DAYS))
            date_only = rng.random() < 0.5
            start = local_midnights(np.array([day]))[0] + (0 if date_only else 60 * int(rng.integers(1, 1440)))
            if rng.random() < 0.35:
                end = np.nan
            elif rng.random() < 0.5:
                last = day + int(rng.integers(0, 5))
                end = local_midnights(np.array([last + 1]))[0]
            else:
                end = start + 60 * int(rng.integers(1, 6 * 1440))
            rows.append({"client_ref": client, "event": str(event), "start": float(start), "end": float(end)})
    return pd.DataFrame(rows, columns=["client_ref", "event", "start", "end"])


def _visit_start(rng: np.random.Generator, first_day: int, events: pd.DataFrame) -> float:
    """Anywhere in the window, around local midnight, or around an event's edge."""
    day = first_day + int(rng.integers(0, WINDOW_DAYS))
    where = rng.random()
    if where < 0.3 and not events.empty:
        edges = events[["start", "end"]].to_numpy().ravel()
        edges = edges[np.isfinite(edges)]
        return float(rng.choice(edges)) + 60 * int(rng.integers(-90, 90))
    if where < 0.55:
        return float(local_midnights(np.array([day]))[0]) + 60 * int(rng.integers(-60, 60))
    return float(local_midnights(np.array([day]))[0]) + 60 * int(rng.integers(0, 1440))


def random_evidence(seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """(visits, staff, client_events) in the evidence frames' shape. Suppliers 1 and 2 send a
    staff list; supplier 3 only in some cases; no staff list at all in others."""
    rng = np.random.default_rng(seed)
    first_day = _day_number(FIRST_DAYS[seed % 2])
    clients = [f"K{n}" for n in range(8)]
    events = _random_events(rng, first_day, clients)
    rows = []
    for n in range(int(rng.integers(40, 160))):
        start = _visit_start(rng, first_day, events) + int(rng.integers(0, 60))  # seconds in the minute
        minutes = float(rng.choice([0, 2, 4, 4.99, 5, 9, 14, 15, 16, 30, 45, 120, 600]))
        end = start + 60 * minutes
        plan = rng.random()
        if plan < 0.2:
            planned = (np.nan, np.nan)
        elif plan < 0.5:
            planned = (start - start % 60, end - end % 60)  # to the minute: seconds still match
        else:
            planned_start = start + 60 * int(rng.integers(-20, 20))
            planned = (planned_start, planned_start + 60 * float(rng.choice([0, 0.5, 1, 4, 10, 15, 20, 30, 60])))
        recorded = np.nan if rng.random() < 0.3 else end + float(
            rng.choice([0, 3600, 86_400, 86_401, 30 * 3600, float(rng.integers(0, 48 * 3600))]))
        supplier = int(rng.integers(1, 4))
        rows.append({
            "visit_id": f"V{n:03d}", "supplier_id": supplier, "staff_id": f"S{rng.integers(0, 4)}",
            "client_ref": str(rng.choice(clients)), "registered_start": start, "registered_end": end,
            "planned_start": planned[0], "planned_end": planned[1], "recorded_at": recorded,
            "registration_method": str(rng.choice(REGISTRATION_METHODS)),
            "latitude": 59.2 if rng.random() < 0.9 else np.nan, "longitude": 17.9,
        })
    visits = pd.DataFrame(rows)
    visits["staff_key"] = pd.factorize(pd.MultiIndex.from_frame(visits[["supplier_id", "staff_id"]]))[0]
    visits = visits.sort_values(["staff_key", "registered_start", "registered_end", "visit_id"], ignore_index=True)
    visits["registered_minutes"] = (visits["registered_end"] - visits["registered_start"]) / 60
    visits["planned_minutes"] = (visits["planned_end"] - visits["planned_start"]) / 60
    return visits, _random_staff(rng, clients), events


def _random_staff(rng: np.random.Generator, clients: list[str]) -> pd.DataFrame | None:
    if rng.random() < 0.15:
        return None
    suppliers = [1, 2, 3] if rng.random() < 0.5 else [1, 2]
    rows = [{"supplier_id": supplier, "staff_id": f"S{n}",
             "relative_of_client_refs": [str(c) for c in rng.choice(clients, rng.integers(0, 3), replace=False)]
             if rng.random() < 0.4 else []}
            for supplier in suppliers for n in range(4)]
    return pd.DataFrame(rows)


class _FrameEvidence:
    """What detectors read of Evidence, over frames made in the test."""

    def __init__(self, visits: pd.DataFrame, staff: pd.DataFrame | None, client_events: pd.DataFrame) -> None:
        self.visits, self.staff, self.client_events = visits, staff, client_events
        self._derived: dict = {}

    def scoped_visits(self, supplier_ids, service_types) -> pd.DataFrame:
        return self.visits


def run(kind: str, seed: int, **params) -> list[FindingDraft]:
    visits, staff, events = random_evidence(seed)
    detector = DETECTORS[kind]
    return detector.detect(RuleContext(_FrameEvidence(visits, staff, events), "week"), detector.Params(**params))


def rule_visits(drafts: list[FindingDraft]) -> set[str]:
    return {v for d in drafts for v in d.evidence["visit_ids"]}


def rule_args(drafts: list[FindingDraft]) -> dict[tuple[int, int], dict]:
    return {(d.supplier_id, int(period_keys(np.array([d.period_start.timestamp()]), "week")[0])): d.detail["args"]
            for d in drafts}


def metric_visits(seed: int, flag: str) -> set[str]:
    visits, staff, events = random_evidence(seed)
    return set(visits["visit_id"][visit_flags(visits, staff, events)[flag].to_numpy() == 1.0])


def metric_counts(seed: int, metric: str) -> dict[tuple[int, int], tuple[int, int]]:
    """(supplier, week) -> (visits flagged, visits judged), where any visit is flagged."""
    visits, staff, events = random_evidence(seed)
    table, support = supplier_period_metrics_and_support(visits, "week", staff, events)
    flagged = (table[metric] * support[metric]).round()
    return {key: (int(flagged[key]), int(support.loc[key, metric])) for key in table.index if flagged[key] > 0}


@pytest.mark.parametrize("seed", SEEDS)
def test_it_counts_the_visits_the_visit_during_absence_rule_flags_as_absent_client_visits(seed):
    drafts = run("visit_during_absence", seed)
    assert rule_visits(drafts) == metric_visits(seed, "absent_client_visit")
    counts = metric_counts(seed, "absent_client_visit_share")
    assert {key: args["visits"] for key, args in rule_args(drafts).items()} == {k: v[0] for k, v in counts.items()}


# Share rules and their metrics, the rule's thresholds lowered so that it reports every visit it counts.
SHARE_TWINS = [
    pytest.param("exact_planned_times", {"max_share": 0.0, "min_visits": 1}, "exact_planned_share", "exact_planned",
                 id="exact_planned_times"),
    pytest.param("late_registration", {"max_share": 0.0, "min_visits": 1}, "late_registration_share",
                 "late_registration", id="late_registration"),
    pytest.param("relative_caregiver", {"max_share": 1e-9, "min_visits": 1}, "relative_visit_share",
                 "relative_visit", id="relative_caregiver"),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("kind", "params", "metric", "flag"), SHARE_TWINS)
def test_it_counts_the_visits_a_share_rule_counts_in_its_metric(kind, params, metric, flag, seed):
    drafts = run(kind, seed, **params)
    assert rule_visits(drafts) == metric_visits(seed, flag)
    assert {k: (a["visits"], a["total"]) for k, a in rule_args(drafts).items()} == metric_counts(seed, metric)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_counts_the_visits_the_manual_registration_rule_counts_in_manual_share(seed):
    drafts = run("manual_registration_share", seed, max_share=0.0, min_visits=1, min_consecutive_periods=1)
    assert rule_visits(drafts) == metric_visits(seed, "manual")
    counts = metric_counts(seed, "manual_share").values()
    # A run of weeks is one finding: compare the sums.
    assert sum(d.detail["args"]["visits"] for d in drafts) == sum(hits for hits, _ in counts)
    assert sum(d.detail["args"]["total"] for d in drafts) == sum(judged for _, judged in counts)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_takes_the_median_duration_ratio_over_the_visits_the_duration_inflation_rule_does(seed):
    floor = 1e-9
    drafts = run("duration_inflation", seed, max_median_ratio=floor, min_visits=1)
    visits, staff, events = random_evidence(seed)
    table, support = supplier_period_metrics_and_support(visits, "week", staff, events)
    expected = table.index[table["median_duration_ratio"] > floor]
    assert sorted(rule_args(drafts)) == sorted(expected)
    for draft in drafts:
        key = next(iter(rule_args([draft])))
        assert draft.detail["args"]["total"] == support.loc[key, "median_duration_ratio"]
        assert draft.strength * floor == pytest.approx(table.loc[key, "median_duration_ratio"], rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_short_visits_rule_counts_the_metrics_short_visits_except_those_taking_half_their_plan(seed):
    visits, _, _ = random_evidence(seed)
    minutes, planned = visits["registered_minutes"], visits["planned_minutes"]
    half_of_plan = set(visits["visit_id"][(planned > 0) & (minutes >= 0.5 * planned)])
    short = metric_visits(seed, "short_visit")
    assert rule_visits(run("short_visits", seed, max_share=0.0, min_visits=1)) == short - half_of_plan
    drafts = run("short_visits", seed, max_share=0.0, min_visits=1, planned_fraction=1e9)
    assert rule_visits(drafts) == short
    assert {k: (a["visits"], a["total"]) for k, a in rule_args(drafts).items()} == metric_counts(
        seed, "short_visit_share")


def _separate_day_visits(seed: int) -> pd.DataFrame:
    """Each staff id's visits one after another, none across midnight: where the two measures of
    hours meet."""
    rng = np.random.default_rng(seed)
    first_day = _day_number(FIRST_DAYS[seed % 2])
    rows = []
    for supplier, staff in [(s, f"S{n}") for s in (1, 2) for n in range(3)]:
        for day in first_day + rng.choice(WINDOW_DAYS, int(rng.integers(1, 8)), replace=False):
            at = local_midnights(np.array([day]))[0] + 60 * int(rng.integers(0, 360))
            for _ in range(rng.integers(1, 4)):  # ends by 16:30 at the latest
                minutes = float(rng.integers(0, 180))
                rows.append({"supplier_id": supplier, "staff_id": staff, "registered_start": at,
                             "registered_end": at + 60 * minutes})
                at += 60 * (minutes + float(rng.integers(0, 30)))
    visits = pd.DataFrame(rows).assign(visit_id=lambda f: [f"V{n}" for n in range(len(f))], client_ref="K1",
                                       planned_start=np.nan, planned_end=np.nan, registration_method="nfc",
                                       latitude=59.2, longitude=17.9)
    visits["staff_key"] = pd.factorize(pd.MultiIndex.from_frame(visits[["supplier_id", "staff_id"]]))[0]
    return visits.sort_values(["staff_key", "registered_start"], ignore_index=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_hours_per_staff_day_is_the_mean_of_the_excessive_staff_hours_days_without_overlaps_or_midnights(seed):
    visits = _separate_day_visits(seed)
    frame = sequence_frame(visits)
    pieces = day_pieces(frame).assign(supplier_id=lambda p: frame["supplier_id"].to_numpy()[p["row"]])
    pieces["period_key"] = (pieces["day"] - weekday(pieces["day"].to_numpy())).astype("int64")
    days = pieces.groupby(["supplier_id", "period_key", "staff_key", "day"])["seconds"].sum() / 3600
    # A staff-day with only zero-minute visits has no piece of time, but is a staff-day to the metric.
    metric = supplier_period_metrics(visits, "week")
    staff_days = metric["visits"] / metric["visits_per_staff_day"]
    hours = days.groupby(level=["supplier_id", "period_key"]).sum().reindex(metric.index, fill_value=0.0)
    assert (hours / staff_days).to_numpy() == pytest.approx(metric["hours_per_staff_day"].to_numpy())


def metrics_of(engine) -> pd.DataFrame:
    """The weekly metrics over everything in the database, as threshold rules and features see it."""
    with engine.connect() as conn:
        evidence = Evidence(conn)
        return supplier_period_metrics(evidence.visits, "week", evidence.staff, evidence.client_events)


# The same through the database, on the visit_during_absence rule's own table of cases.
@pytest.mark.parametrize(("event", "visit", "flagged"), ABSENCE_CASES)
def test_it_counts_a_visit_as_an_absent_client_visit_exactly_when_the_rule_flags_it(load_evidence, event, visit,
                                                                                    flagged):
    start, end, *extra = visit
    engine = load_evidence(events=[event], visits=[visit_row("V1", start, end, **(extra[0] if extra else {}))])
    table = metrics_of(engine)
    assert table["absent_client_visit_share"].tolist() == [1.0 if flagged else 0.0]
    assert bool(detect(engine, "visit_during_absence")) is flagged


def test_it_counts_visits_after_a_death_whatever_end_the_export_gives_it(load_evidence):
    engine = load_evidence(events=[event_row("deceased", "2026-10-05 12:00", "2026-10-06 12:00")],
                           visits=[visit_row("V1", "2026-10-08 08:00", "2026-10-08 08:30")])
    table = metrics_of(engine)
    assert table["absent_client_visit_share"].tolist() == [1.0]
    assert [d.evidence["visit_ids"] for d in detect(engine, "visit_during_absence")] == [["V1"]]


def test_it_leaves_relative_visit_share_undefined_for_a_supplier_without_a_staff_list(load_evidence):
    engine = load_evidence(
        staff=[{"staff_id": "A1", "supplier_org_number": HONEST["org_number"], "relative_of_client_ids": ""}],
        visits=[visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
                visit_row("V2", "2026-10-06 08:00", "2026-10-06 08:30", staff_id="A1",
                          supplier_org_number=HONEST["org_number"])],
    )
    table = metrics_of(engine)
    with engine.connect() as conn:
        ids = dict(Evidence(conn).suppliers[["org_number", "id"]].itertuples(index=False))
    shares = table["relative_visit_share"].droplevel("period_key")
    assert shares[ids[HONEST["org_number"]]] == 0.0
    assert np.isnan(shares[ids[SUSPECT["org_number"]]])


def test_it_leaves_relative_visit_share_undefined_when_no_staff_list_was_imported(load_evidence):
    engine = load_evidence(visits=[visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])
    table = metrics_of(engine)
    assert np.isnan(table["relative_visit_share"].iloc[0])


def test_it_leaves_absent_client_visit_share_undefined_when_no_client_events_were_imported(load_evidence):
    engine = load_evidence(visits=[visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])
    table = metrics_of(engine)
    assert np.isnan(table["absent_client_visit_share"].iloc[0])


def test_it_leaves_a_plan_shorter_than_a_minute_out_of_the_duration_ratios_like_the_rule(load_evidence):
    rows = [visit_row(f"V{n}", "2026-10-06 08:00", "2026-10-06 08:30", planned_end="2026-10-06 08:00:30")
            for n in range(30)]
    engine = load_evidence(visits=rows)
    table = metrics_of(engine)
    assert np.isnan(table["median_duration_ratio"].iloc[0])
    assert detect(engine, "duration_inflation", min_visits=1) == []


def test_the_random_cases_hold_what_the_agreement_tests_claim():
    cases = [random_evidence(seed) for seed in SEEDS]
    events = pd.concat([e for _, _, e in cases])
    starts = np.concatenate([v["registered_start"].to_numpy() for v, _, _ in cases])
    date_only = is_local_midnight(events["start"].to_numpy())
    assert date_only.any() and not date_only.all()
    assert ((events["event"] == "deceased") & events["end"].notna()).any()
    assert {"2026-03-29", "2026-10-25"} <= {str(key_date(day)) for day in local_days(starts)}
    hours = np.mod(local_seconds(starts), 86_400) / 3600
    assert ((hours >= 23) | (hours < 1)).mean() > 0.1
    assert any(staff is None for _, staff, _ in cases)
