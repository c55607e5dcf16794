"""Per supplier-period metrics (monitor.findings.metrics) and the generic `threshold` rule over them."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from monitor.findings.detectors import DETECTORS
from monitor.findings.evidence import Evidence
from monitor.findings.metrics import METRICS, supplier_period_metrics
from monitor.findings.periods import period_keys
from monitor.findings.rules import load_rules
from monitor.messages import render_detail, render_summary
from monitor.timestamps import STOCKHOLM
from monitor.yamlfile import ConfigFileError
from tests.conftest import ASTRID, BERTIL, HONEST, SUSPECT, visit_row
from tests.findings.conftest import detect, make_rule, shipped_rule


def at(local: str) -> float:
    """Stockholm wall-clock time as epoch seconds."""
    return datetime.fromisoformat(local).replace(tzinfo=STOCKHOLM).timestamp()


def hand_visit(supplier_id, staff_id, client, planned, registered, method="nfc", recorded=None, coords=True):
    planned_start, planned_end = (at(t) for t in planned) if planned else (math.nan, math.nan)
    return {
        "supplier_id": supplier_id, "staff_id": staff_id, "client_ref": client,
        "planned_start": planned_start, "planned_end": planned_end,
        "registered_start": at(registered[0]), "registered_end": at(registered[1]),
        "recorded_at": at(recorded) if recorded else math.nan, "registration_method": method,
        "latitude": 59.23 if coords else math.nan, "longitude": 17.98 if coords else math.nan,
    }


# Week 41 (Monday 5 to Sunday 11 October 2026). Supplier 1, four visits:
HAND = pd.DataFrame([
    # exact to plan, recorded a minute after
    hand_visit(1, "S1", "K1", ("2026-10-05 08:00", "2026-10-05 08:30"), ("2026-10-05 08:00", "2026-10-05 08:30"),
               recorded="2026-10-05 08:31"),
    # 45 of 30 planned minutes, typed in by hand two days later
    hand_visit(1, "S1", "K2", ("2026-10-05 09:00", "2026-10-05 09:30"), ("2026-10-05 09:00", "2026-10-05 09:45"),
               method="manual", recorded="2026-10-07 10:00"),
    # Saturday night, 3 of 30 minutes, by phone, no position; S2 is K1's relative
    hand_visit(1, "S2", "K1", ("2026-10-10 23:00", "2026-10-10 23:30"), ("2026-10-10 23:00", "2026-10-10 23:03"),
               method="phone", coords=False),
    # no plan; K3 was in hospital from that morning
    hand_visit(1, "S2", "K3", None, ("2026-10-06 12:00", "2026-10-06 13:00"), method="app"),
    # supplier 2 in the same week, and supplier 1 the next week
    hand_visit(2, "S1", "K9", ("2026-10-06 08:00", "2026-10-06 09:00"), ("2026-10-06 08:00", "2026-10-06 09:00")),
    hand_visit(1, "S1", "K1", ("2026-10-12 08:00", "2026-10-12 08:30"), ("2026-10-12 08:00", "2026-10-12 08:30")),
])
HAND_STAFF = pd.DataFrame({"supplier_id": [1, 1, 2], "staff_id": ["S2", "S1", "S9"],
                           "relative_of_client_refs": [["K1"], ["K8"], ["K1"]]})
HAND_EVENTS = pd.DataFrame({"client_ref": ["K3"], "event": ["hospitalized"],
                            "start": [at("2026-10-06 07:30")], "end": [at("2026-10-07 11:00")]})
WEEK_41 = (1, int(period_keys(np.array([at("2026-10-05 00:00")]), "week")[0]))

EXPECTED_WEEK_41 = [
    ("visits", 4), ("staff", 2), ("clients", 3),
    ("manual_share", 2 / 4),                 # manual and phone
    ("exact_planned_share", 1 / 3),          # of the three visits with a plan
    ("short_visit_share", 1 / 4),
    ("median_duration_ratio", 1.0),          # 0.1, 1.0, 1.5
    ("p90_duration_ratio", 1.4),             # 1.0 + 0.8 * (1.5 - 1.0)
    ("night_visit_share", 1 / 4),
    ("late_registration_share", 1 / 2),      # of the two visits with recorded_at
    ("relative_visit_share", 1 / 4),
    ("absent_client_visit_share", 1 / 4),
    ("visits_per_staff_day", 4 / 3),         # S1 Monday, S2 Tuesday, S2 Saturday
    ("hours_per_staff_day", 138 / 60 / 3),   # 30 + 45 + 3 + 60 minutes
    ("clients_per_staff", 2.0),              # S1: K1, K2; S2: K1, K3
    ("mean_visit_minutes", 138 / 4),
    ("missing_coordinates_share", 1 / 4),
    ("weekend_share", 1 / 4),
]


@pytest.fixture(scope="module")
def hand_metrics() -> pd.DataFrame:
    return supplier_period_metrics(HAND, "week", staff=HAND_STAFF, client_events=HAND_EVENTS)


@pytest.mark.parametrize(("metric", "expected"), EXPECTED_WEEK_41, ids=[m for m, _ in EXPECTED_WEEK_41])
def test_it_computes_each_metric_as_counted_by_hand(hand_metrics, metric, expected):
    assert hand_metrics.loc[WEEK_41, metric] == pytest.approx(expected)


def test_it_gives_one_row_per_supplier_and_period_and_one_column_per_registered_metric(hand_metrics):
    assert list(hand_metrics.columns) == list(METRICS)
    assert list(hand_metrics.index.names) == ["supplier_id", "period_key"]
    assert hand_metrics["visits"].tolist() == [4, 1, 1]  # (1, w41), (1, w42), (2, w41)


NAN_CASES = [
    ("late_registration_share", "no visit has recorded_at"),
    ("exact_planned_share", "no visit has a plan"),
    ("median_duration_ratio", "no visit has a plan"),
    ("relative_visit_share", "no staff list given"),
    ("absent_client_visit_share", "no client events given"),
]


@pytest.mark.parametrize("metric", [m for m, _ in NAN_CASES], ids=[why.replace(" ", "_") for _, why in NAN_CASES])
def test_it_leaves_a_metric_undefined_rather_than_zero(metric):
    visits = HAND.iloc[[3]]  # the app visit: no plan, no recorded_at
    assert np.isnan(supplier_period_metrics(visits, "week").iloc[0][metric])


def test_it_counts_no_relative_visits_when_the_staff_list_has_no_relatives():
    staff = HAND_STAFF.assign(relative_of_client_refs=[[], [], []])
    assert supplier_period_metrics(HAND, "week", staff=staff).loc[WEEK_41, "relative_visit_share"] == 0


def test_it_returns_an_empty_table_with_every_metric_for_no_visits():
    table = supplier_period_metrics(HAND.iloc[[]], "month")
    assert table.empty and list(table.columns) == list(METRICS)


def test_every_metric_is_described_and_labelled_in_both_languages():
    for name, metric in METRICS.items():
        assert metric.description and metric.sv and metric.en, name


def test_it_computes_the_metrics_from_the_database_across_the_autumn_clock_change(load_evidence):
    engine = load_evidence(
        staff=[{"staff_id": "S1", "supplier_org_number": SUSPECT["org_number"], "relative_of_client_ids": ASTRID}],
        visits=[
            # 01:30-03:30 on the night 02:00-03:00 happens twice: three hours, all of them at night, a Sunday.
            visit_row("V1", "2026-10-25 01:30", "2026-10-25 03:30"),
            visit_row("V2", "2026-10-26 10:00", "2026-10-26 10:30", client_id=BERTIL, latitude="", longitude="",
                      registered_end="2026-10-26 10:15"),
        ],
    )
    with engine.connect() as conn:
        evidence = Evidence(conn)
        (row,) = [r for _, r in supplier_period_metrics(evidence.visits, "month", evidence.staff).iterrows()]
    assert row[["visits", "staff", "clients"]].tolist() == [2, 1, 2]
    assert row["mean_visit_minutes"] == pytest.approx((180 + 15) / 2)
    assert row["median_duration_ratio"] == pytest.approx((1.0 + 0.5) / 2)
    assert row[["night_visit_share", "weekend_share", "missing_coordinates_share"]].tolist() == [0.5, 0.5, 0.5]
    assert row[["exact_planned_share", "relative_visit_share"]].tolist() == [0.5, 0.5]
    assert np.isnan(row["late_registration_share"])


# The threshold rule. Hemtjänst Beta's week 41: 40 visits, 10 of them at night (25 %).
def beta_week(night: int = 10, total: int = 40, org: str = SUSPECT["org_number"]) -> list[dict[str, str]]:
    rows = []
    for i in range(total):
        day = 5 + i % 7
        hour = "23" if i < night else "10"
        rows.append(visit_row(f"{org[:3]}-V{i:02d}", f"2026-10-{day:02d} {hour}:00", f"2026-10-{day:02d} {hour}:20",
                              supplier_org_number=org, staff_id=f"S{i % 3}"))
    return rows


OP_NAMES = {">": "above", ">=": "at_or_above", "<": "below", "<=": "at_or_below"}
OPS = [
    (">", 0.25, False), (">=", 0.25, True), ("<", 0.25, False), ("<=", 0.25, True),
    (">", 0.2, True), ("<", 0.3, True), (">=", 0.3, False), ("<=", 0.2, False),
]


@pytest.mark.parametrize(("op", "value", "flagged"), OPS, ids=[f"{OP_NAMES[o]}_{v}" for o, v, _ in OPS])
def test_it_flags_a_supplier_week_where_the_comparison_holds(load_evidence, op, value, flagged):
    engine = load_evidence(visits=beta_week())
    drafts = detect(engine, "threshold", metric="night_visit_share", op=op, value=value)
    assert len(drafts) == int(flagged)


@pytest.mark.parametrize(("total", "flagged"), [(29, False), (30, True)], ids=["29_visits", "30_visits"])
def test_it_judges_no_supplier_week_below_min_visits(load_evidence, total, flagged):
    engine = load_evidence(visits=beta_week(night=total, total=total))
    assert len(detect(engine, "threshold", metric="night_visit_share", value=0.5)) == int(flagged)


def test_it_names_the_matching_visits_of_a_share_metric_and_words_the_finding(load_evidence):
    engine = load_evidence(visits=beta_week() + beta_week(night=0, org=HONEST["org_number"]))
    (draft,) = detect(engine, "threshold", metric="night_visit_share", op=">", value=0.2)
    assert draft.evidence["visit_ids"] == [f"559-V{i:02d}" for i in range(10)]
    assert draft.evidence["staff_ids"] == ["S0", "S1", "S2"]
    assert draft.strength == pytest.approx(0.25 / 0.2)
    assert render_detail(draft.detail, "sv") == "Andel nattbesök (22-06): 25 % (gräns > 20 %), 40 besök"
    assert render_detail(draft.detail, "en") == "Share of night visits (22-06): 25 % (threshold > 20 %), 40 visits"
    assert render_summary([draft.detail, draft.detail], "sv") == (
        "Andel nattbesök (22-06): upp till 25 % (gräns > 20 %) under 2 perioder, 80 besök"
    )


def test_it_lists_no_visits_for_a_metric_no_single_visit_stands_for(load_evidence):
    engine = load_evidence(visits=beta_week())
    (draft,) = detect(engine, "threshold", metric="mean_visit_minutes", op="<", value=40.0)
    assert draft.evidence == {"visit_ids": [], "staff_ids": []}
    assert draft.strength == pytest.approx(2.0)  # 20-minute visits against a floor of 40
    assert render_detail(draft.detail, "sv") == "Genomsnittlig besökstid: 20 min (gräns < 40 min), 40 besök"


def test_it_has_a_message_for_every_metric_in_both_languages():
    messages = DETECTORS["threshold"].messages
    for language in ("sv", "en"):
        for name in METRICS:
            assert {f"threshold:{name}", f"threshold:{name}:many"} <= set(messages[language]), (language, name)


def test_the_shipped_threshold_rule_leaves_a_night_patrol_alone(load_evidence):
    engine = load_evidence(visits=beta_week(night=40))
    assert detect(engine, shipped_rule("threshold")) == []
    assert detect(engine, make_rule("threshold", metric="night_visit_share", value=0.9)) != []


def test_it_rejects_an_unknown_metric_naming_file_line_and_the_valid_metrics(tmp_path):
    path = tmp_path / "thresholds.yaml"
    path.write_text(
        "rules:\n  - id: night\n    title: Nattbesök\n    kind: threshold\n    severity: low\n"
        "    params:\n      metric: night_share\n      value: 0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    message = str(error.value)
    assert message.startswith(f"{path}:7: rule 'night': field 'params.metric'")
    assert "unknown metric 'night_share'; valid metrics: visits, staff, clients, manual_share" in message


def test_it_counts_a_visit_within_the_planned_minutes_as_exact_like_the_exact_planned_times_rule():
    # Registered 40 seconds into the planned minute: exports differ in whether they carry seconds.
    visits = pd.DataFrame([hand_visit(1, "S1", "K1", ("2026-10-05 08:00", "2026-10-05 08:30"),
                                      ("2026-10-05 08:00:40", "2026-10-05 08:30:59"))])
    assert supplier_period_metrics(visits, "week").iloc[0]["exact_planned_share"] == 1.0


def test_the_exact_planned_share_metric_and_the_exact_planned_times_rule_agree(load_evidence):
    rows = [{**row, "registered_start": row["registered_start"] + ":40"} for row in beta_week()]
    engine = load_evidence(visits=rows)
    (rule_finding,) = detect(engine, "exact_planned_times")
    (threshold_finding,) = detect(engine, "threshold", metric="exact_planned_share", op=">=", value=0.5)
    assert rule_finding.detail["args"]["share_pct"] == threshold_finding.detail["args"]["max_value"] == 100


def without_plan(row: dict[str, str]) -> dict[str, str]:
    return {**row, "planned_start": "", "planned_end": ""}


def recorded_late(row: dict[str, str]) -> dict[str, str]:
    return {**row, "recorded_at": "2026-10-20 10:00"}


def _support_case(metric: str, judged: int, change: Callable[[dict[str, str]], dict[str, str]]):
    """40 visits of which `judged` can be judged for `metric`, all of those past the threshold."""
    rows = beta_week(night=0)
    rows = [change(row) if i < judged else without_plan(row) if "planned" in metric or "duration" in metric
            else {**row, "recorded_at": ""} for i, row in enumerate(rows)]
    return pytest.param(metric, rows, judged, id=f"{metric}_{judged}_of_40_judged")


def _longer(row: dict[str, str]) -> dict[str, str]:
    return {**row, "registered_end": row["registered_end"][:-2] + "40"}  # 40 of 20 planned minutes


SUPPORT_CASES = [
    _support_case("exact_planned_share", 1, lambda row: row),
    _support_case("exact_planned_share", 30, lambda row: row),
    _support_case("late_registration_share", 1, recorded_late),
    _support_case("late_registration_share", 30, recorded_late),
    _support_case("median_duration_ratio", 1, _longer),
    _support_case("median_duration_ratio", 30, _longer),
]


@pytest.mark.parametrize(("metric", "rows", "judged"), SUPPORT_CASES)
def test_it_needs_min_visits_among_the_visits_the_metric_is_computed_over(load_evidence, metric, rows, judged):
    engine = load_evidence(visits=rows)
    drafts = detect(engine, "threshold", metric=metric, op=">=", value=0.5, min_visits=30)
    assert [d.detail["args"]["visits"] for d in drafts] == ([judged] if judged >= 30 else [])


FLOOR_CASES = [
    # 0 night visits of 40 is as strong as 1 of 40 would be: 10 % / 2.5 %.
    pytest.param(0, 0.1, 4.0, id="no_night_visits_against_a_floor_of_10_percent"),
    pytest.param(2, 0.1, 2.0, id="two_night_visits_against_a_floor_of_10_percent"),
    pytest.param(0, 0.5, 10.0, id="no_night_visits_against_a_floor_of_50_percent_is_capped"),
]


@pytest.mark.parametrize(("night", "value", "strength"), FLOOR_CASES)
def test_it_measures_a_share_under_a_floor_in_visits_and_names_no_visits(load_evidence, night, value, strength):
    engine = load_evidence(visits=beta_week(night=night))
    (draft,) = detect(engine, "threshold", metric="night_visit_share", op="<", value=value)
    assert draft.strength == pytest.approx(strength)
    assert draft.evidence == {"visit_ids": [], "staff_ids": []}  # not the night visits it has
