"""How rule findings, the peer comparison and media add up to a supplier's risk score."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from monitor.findings.rules import load_rules
from monitor.ranking.outliers import FeatureExplanation, SupplierOutlier
from monitor.ranking.score import (
    ScoringConfig,
    capped_statistical,
    diminishing,
    load_scoring_config,
    score_from_points,
)
from monitor.recency import decay
from monitor.scoring import run_scoring
from monitor.yamlfile import ConfigFileError
from tests.conftest import BERTIL, HONEST, SUSPECT, visit_row
from tests.findings.conftest import RULES_DIR
from tests.findings.test_door_observation import observation_row

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(("age_days", "weight"), [(0, 1.0), (28, 0.5), (56, 0.25), (-3, 1.0)],
                         ids=["fresh", "one_half_life", "two_half_lives", "after_as_of"])
def test_it_lets_a_finding_fade_by_half_each_half_life(age_days, weight):
    assert decay(NOW - timedelta(days=age_days), NOW, 28) == pytest.approx(weight)


def test_it_adds_strength_linearly_up_to_one_and_with_diminishing_returns_beyond():
    assert [diminishing(s) for s in (0.25, 1.0)] == [0.25, 1.0]
    assert diminishing(50) == pytest.approx(1 + math.log(50))
    assert diminishing(50) < 50 * diminishing(1) / 8  # fifty hits are worth far less than fifty times one


def test_it_keeps_one_door_observation_above_fifty_weak_findings():
    config = ScoringConfig()
    door = config.severity_points["critical"] * diminishing(1)
    weak = config.severity_points["low"] * diminishing(50)
    assert score_from_points(door, config.saturation) > score_from_points(weak, config.saturation)


def _watch_and_visit(day: str, visit_id: str, **visit: str) -> tuple[dict, dict]:
    observation = observation_row(f"O-{visit_id}", observed_from=f"{day} 08:00", observed_to=f"{day} 10:00")
    return observation, visit_row(visit_id, f"{day} 09:00", f"{day} 09:30", **visit)


def test_it_ranks_a_recent_contradicted_visit_above_an_old_one(load_evidence):
    old = _watch_and_visit("2026-09-01", "V-OLD", supplier_org_number=HONEST["org_number"], client_id=BERTIL,
                           staff_id="A1")
    new = _watch_and_visit("2026-10-27", "V-NEW")
    engine = load_evidence(observations=[old[0], new[0]], visits=[old[1], new[1]])
    outcome = run_scoring(engine, load_rules(RULES_DIR), load_scoring_config(RULES_DIR))
    first, second = outcome.ranking
    assert (first.org_number, second.org_number) == (SUSPECT["org_number"], HONEST["org_number"])
    assert 0 < second.score < first.score
    assert outcome.as_of == datetime(2026, 10, 27, 8, 30, tzinfo=UTC)  # the latest visit's end


def _outlier(supplier_id: int, strength: float) -> SupplierOutlier:
    return SupplierOutlier(
        supplier_id=supplier_id, strength=strength, anomaly=0.7, peer_group="Hemtjänst", peers=12, periods=4,
        explanations=[FeatureExplanation("manual_share", 0.41, 0.03, 9.5)],
    )


def test_it_gives_outlier_points_in_proportion_to_strength_with_the_features_in_words(with_suppliers):
    from monitor.ranking.score import score_suppliers

    with with_suppliers.connect() as conn:
        ids = dict(conn.exec_driver_sql("select org_number, id from suppliers").fetchall())
        config = ScoringConfig()
        ranking = score_suppliers(conn, 0, config, NOW, {ids[SUSPECT["org_number"]]: _outlier(
            ids[SUSPECT["org_number"]], 0.5)})
    top = ranking[0]
    assert top.org_number == SUSPECT["org_number"]
    # The peer comparison is a statistical sign: its points count under the statistical ceiling.
    raw = config.outliers.points * 0.5
    assert top.components["outlier"] == pytest.approx(capped_statistical(raw, config.evidence.statistical_cap), abs=0.05)
    (reason,) = top.reasons
    assert (reason["raw_points"], reason["evidence"]) == (raw, "statistical")
    assert (reason["source"], reason["title"]) == ("outlier", "Avviker från jämförbara leverantörer")
    assert "41\u00a0%" in reason["detail"] and "3\u00a0%" in reason["detail"] and "12 leverantörer inom Hemtjänst" in reason["detail"]
    assert ranking[1].score == 0 and ranking[1].reasons == []


def test_it_names_file_and_line_of_a_mistake_in_the_outlier_settings(tmp_path):
    path = tmp_path / "scoring.yaml"
    path.write_text("saturation: 50\noutliers:\n  enabled: true\n  pionts: 40\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"scoring.yaml:4: outliers.pionts: unknown field"):
        load_scoring_config(tmp_path)
