"""Outlier features per supplier and period: rates, never sizes, and how they are worded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.findings.evidence import Evidence
from monitor.findings.metrics import METRICS
from monitor.ranking.features import (
    FEATURES,
    VISITS,
    describe_feature,
    features_markdown,
    short_of_plan_flags,
    staff_turnover,
    supplier_period_features,
)
from monitor.ranking.outliers import config_markdown
from tests.conftest import BERTIL, BERTIL_HOME, visit_row
from tests.ranking.conftest import DAY, MONDAY, population

DOCS = Path(__file__).parents[2] / "docs" / "scoring.md"


def test_no_feature_is_an_absolute_count():
    counts = {name for name, m in METRICS.items() if m.unit == "count"}
    assert counts == {"visits", "staff", "clients"} and not counts & set(FEATURES)


def test_every_feature_is_described_labelled_and_points_somewhere():
    for name, feature in FEATURES.items():
        assert feature.description and feature.sv and feature.en and feature.min_spread > 0, name
        assert feature.direction in ("higher", "lower", "both", "context"), name


def test_it_gives_one_row_per_supplier_week_with_every_feature_and_the_visit_count():
    table = supplier_period_features(population(n=3, weeks=2))
    assert list(table.columns) == [*FEATURES, VISITS]
    assert len(table) == 3 * 2 and table.index.names == ["supplier_id", "period_key"]


def staff_weeks(*weeks: list[str]) -> pd.DataFrame:
    """Supplier 1's visits: one per staff id listed for each week."""
    return pd.DataFrame([
        {"supplier_id": 1, "staff_id": staff, "registered_start": MONDAY + week * 7 * DAY + 3600}
        for week, ids in enumerate(weeks) for staff in ids
    ])


TURNOVER = [
    (staff_weeks(["A", "B"], ["A", "B"]), [np.nan, 0.0]),
    (staff_weeks(["A", "B"], ["A", "C", "D", "E"]), [np.nan, 0.75]),
    (staff_weeks(["A"], [], ["B"]), [np.nan, 1.0]),  # the week without visits is skipped
]


@pytest.mark.parametrize(("visits", "expected"), TURNOVER, ids=["same_staff", "three_of_four_new", "after_a_gap"])
def test_it_counts_staff_not_seen_in_the_suppliers_previous_period(visits, expected):
    assert staff_turnover(visits, "week").tolist() == pytest.approx(expected, nan_ok=True)


SHORT = [
    (3.0, 30.0, 1.0), (3.0, 10.0, 0.0), (3.0, np.nan, 1.0), (6.0, 30.0, 0.0), (np.nan, 30.0, np.nan),
]


@pytest.mark.parametrize(("minutes", "planned", "flag"), SHORT,
                         ids=["tap_at_the_door", "night_check_short_by_design", "no_plan", "long_enough", "unknown"])
def test_it_counts_a_short_visit_only_when_the_plan_was_long(minutes, planned, flag):
    visits = pd.DataFrame({"registered_minutes": [minutes], "planned_minutes": [planned]})
    assert short_of_plan_flags(visits).tolist() == pytest.approx([flag], nan_ok=True)


def test_it_counts_overlaps_per_thousand_visits_from_the_database(load_evidence):
    rows = [visit_row(f"V{i}", f"2026-10-{5 + i % 5:02d} {8 + i // 5:02d}:00",
                      f"2026-10-{5 + i % 5:02d} {8 + i // 5:02d}:30") for i in range(10)]
    # Bertil, 9 km away, in the middle of the first visit: one overlap (not a fast move: it overlaps).
    rows.append(visit_row("V10", "2026-10-05 08:10", "2026-10-05 08:40", client_id=BERTIL, address=BERTIL_HOME,
                          latitude="59.3000", longitude="18.1000"))
    engine = load_evidence(visits=rows)
    with engine.connect() as conn:
        (row,) = [r for _, r in supplier_period_features(Evidence(conn)).iterrows()]
    assert row[VISITS] == 11
    assert row["overlap_rate_per_1000"] == pytest.approx(1000 / 11)
    assert row["fast_travel_rate_per_1000"] == 0
    assert np.isnan(row["staff_turnover"])  # the supplier's first week


DESCRIBED = [
    ("manual_share", 0.41, 0.03, "sv", "manuella registreringar 41\u00a0% mot 3\u00a0% hos jämförbara leverantörer"),
    ("manual_share", 0.41, 0.03, "en", "manual registrations 41% vs 3% among peers"),
    ("manual_share", 0.417, 0.004, "en", "manual registrations 42% vs 0.4% among peers"),
    ("median_duration_ratio", 1.456, 1.0, "sv",
     "registrerad/planerad tid (median) 1,46 mot 1,00 hos jämförbara leverantörer"),
    ("hours_per_staff_day", 4.86, 3.1, "en", "registered hours per staff-day 4.9 h vs 3.1 h among peers"),
    ("overlap_rate_per_1000", 1234.5, 0.0, "sv",
     "samtidiga besök hos olika brukare per 1 000 besök 1\u00a0234,5 mot 0 hos jämförbara leverantörer"),
]


@pytest.mark.parametrize(("name", "value", "median", "language", "text"), DESCRIBED,
                         ids=["share_sv", "share_en", "small_share_keeps_a_decimal", "ratio_sv", "hours_en",
                              "rate_with_thousands_sv"])
def test_it_words_an_explanation_as_the_team_reads_it(name, value, median, language, text):
    assert describe_feature(name, value, median, language) == text


@pytest.mark.parametrize("table", [features_markdown, config_markdown], ids=["features", "config"])
def test_docs_scoring_md_holds_the_tables_made_from_the_code(table):
    assert table() in DOCS.read_text(encoding="utf-8")
