"""Calibrated risk: direct evidence outranks statistical signs, and a sign most suppliers show counts less."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from monitor.findings.detectors import DETECTORS
from monitor.findings.rules import load_rules
from monitor.models import Finding, RunFinding, ScoringRun, Supplier
from monitor.ranking.score import RarityConfig, ScoringConfig, SupplierRisk, rarity_weight, score_suppliers
from monitor.yamlfile import ConfigFileError

NOW = datetime(2026, 11, 1, tzinfo=UTC)
DOOR = "door-observation-mismatch"
# Three statistical rules as they ship: (rule id, severity).
STATISTICAL = (("manual-registration-share", "medium"), ("exact-planned-times", "medium"),
               ("late-registration", "medium"))


def _suppliers(engine: Engine, count: int) -> list[int]:
    table = Supplier.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        return [conn.execute(insert(table).values(
            org_number=f"55{i:04d}-0000", name=f"Leverantör {i}", aliases=[], contract_area="Hemtjänst",
            contract_form="LOV",
        ).returning(table.c.id)).scalar_one() for i in range(count)]


def _score(engine: Engine, findings: list[tuple[int, str, str, float]], config: ScoringConfig | None = None,
           classes: dict[str, str] | None = None) -> dict[int, SupplierRisk]:
    """Score one run holding `findings` ((supplier id, rule id, severity, strength), each in the
    latest week), with the shipped rules' evidence classes unless `classes` is given."""
    if classes is None:
        classes = {rule.id: rule.evidence_class for rule in load_rules(Path(__file__).parents[2] / "rules")}
    f, rf, runs = (t.__table__ for t in (Finding, RunFinding, ScoringRun))  # type: ignore[attr-defined]
    with engine.begin() as conn:
        run_id = conn.execute(insert(runs).values(started_at=NOW, finished_at=NOW).returning(runs.c.id)).scalar_one()
        for n, (supplier_id, rule_id, severity, strength) in enumerate(findings):
            finding_id = conn.execute(insert(f).values(
                fingerprint=f"{run_id}-{n}", rule_id=rule_id, rule_version="1", supplier_id=supplier_id,
                period_start=NOW - timedelta(days=7), period_end=NOW, severity=severity, title=rule_id,
                strength=strength, detail={}, evidence={}, first_seen_run_id=run_id, last_seen_run_id=run_id,
            ).returning(f.c.id)).scalar_one()
            conn.execute(insert(rf).values(run_id=run_id, finding_id=finding_id))
        ranking = score_suppliers(conn, run_id, config or ScoringConfig(), NOW, evidence_classes=classes)
    return {risk.supplier_id: risk for risk in ranking}


def test_it_ranks_a_door_observation_case_above_a_supplier_with_three_statistical_signs(engine):
    door, signs, *_ = _suppliers(engine, 20)
    # One watch, three visits registered while nobody came; against three signs, each in four weeks' worth.
    scored = _score(engine, [(door, DOOR, "critical", 3.0)]
                    + [(signs, rule, severity, 4.0) for rule, severity in STATISTICAL])
    assert scored[door].score > scored[signs].score > 0
    (reason,) = scored[door].reasons
    assert reason["evidence"] == "direct"
    assert {r["evidence"] for r in scored[signs].reasons} == {"statistical"}


def test_it_lets_statistical_signs_add_up_only_to_a_ceiling(engine):
    one, three = _suppliers(engine, 20)[:2]
    rule, severity = STATISTICAL[0]
    scored = _score(engine, [(one, rule, severity, 4.0)]
                    + [(three, r, s, 4.0) for r, s in STATISTICAL])
    cap = ScoringConfig().evidence.statistical_cap
    assert scored[one].components["rules"] < scored[three].components["rules"] < cap
    # Each reason says what it gave before the ceiling, and the reasons add up to the points.
    raw = sum(r["raw_points"] for r in scored[three].reasons)
    assert raw > cap
    assert sum(r["points"] for r in scored[three].reasons) == pytest.approx(scored[three].components["rules"], abs=0.2)


def test_it_counts_a_few_events_of_direct_evidence_as_proof_and_more_only_as_more_of_the_same(engine):
    few, many = _suppliers(engine, 20)[:2]
    scored = _score(engine, [(few, DOOR, "critical", 3.0), (many, DOOR, "critical", 300.0)])
    assert scored[few].score == scored[many].score


def test_a_rule_counted_as_direct_evidence_escapes_the_statistical_ceiling(engine):
    signs = _suppliers(engine, 20)[0]
    findings = [(signs, rule, severity, 4.0) for rule, severity in STATISTICAL]
    as_signs = _score(engine, findings)[signs]
    as_proof = _score(engine, findings, classes={rule: "direct" for rule, _ in STATISTICAL})[signs]
    assert as_proof.score > as_signs.score
    assert {r["evidence"] for r in as_proof.reasons} == {"direct"}


def test_a_rule_firing_at_most_suppliers_adds_less_than_the_same_rule_firing_at_a_few(engine):
    suppliers = _suppliers(engine, 20)
    rule, severity = STATISTICAL[2]
    rare = _score(engine, [(suppliers[0], rule, severity, 2.0)])  # 1 of 20: 5 %
    common = _score(engine, [(s, rule, severity, 2.0) for s in suppliers[:12]])  # 12 of 20: 60 %
    assert 0 < common[suppliers[0]].components["rules"] < rare[suppliers[0]].components["rules"] / 2
    reason = common[suppliers[0]].reasons[0]
    assert (reason["flagged_suppliers"], reason["suppliers"]) == (12, 20)
    assert reason["rarity"] < 0.5


@pytest.mark.parametrize(("flagged", "suppliers", "weight"), [
    (1, 43, 1.0),  # one supplier of many: full weight, however surprising
    (2, 43, 1.0),
    (26, 43, 0.283),  # 60 %
    (43, 43, 0.12),  # every supplier: little, but not nothing
    (1, 5, 1.0),  # a small municipality: one hit is the rarest sign it can show
    (5, 5, 0.565),
    (2, 2, 0.831),
], ids=["one_of_43", "two_of_43", "60_percent", "all", "one_of_5", "all_of_5", "both_of_2"])
def test_it_weights_a_rule_by_the_information_its_firing_carries(flagged, suppliers, weight):
    assert rarity_weight(flagged, suppliers, RarityConfig()) == pytest.approx(weight, abs=0.001)


def test_the_rarity_weight_falls_as_the_rule_gets_commoner_and_stays_within_its_bounds():
    config = RarityConfig()
    weights = [rarity_weight(k, 40, config) for k in range(1, 41)]
    assert all(a >= b for a, b in pairwise(weights))
    assert weights[0] == 1.0 and weights[-1] >= config.min_weight
    assert rarity_weight(40, 40, RarityConfig(enabled=False)) == 1.0


def test_each_detector_kind_has_an_evidence_class_and_the_contradicting_ones_are_direct():
    direct = {kind for kind, detector in DETECTORS.items() if detector.evidence_class == "direct"}
    # What contradicts a registered visit, and a register or bill that says the supplier may not or did not deliver.
    assert direct == {"door_observation_mismatch", "visit_during_absence", "staff_overlap", "impossible_travel",
                      "shared_device", "registration_lapsed", "company_status", "permit_missing",
                      "billed_without_visits", "billed_vs_registered"}
    assert {d.evidence_class for d in DETECTORS.values()} == {"direct", "statistical"}


def _rule_file(tmp_path: Path, evidence: str) -> Path:
    (tmp_path / "visits.yaml").write_text(
        "rules:\n"
        "  - id: late\n"
        "    title: Sena registreringar\n"
        "    kind: late_registration\n"
        "    severity: medium\n"
        f"    evidence: {evidence}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_rule_overrides_its_kinds_evidence_class(tmp_path):
    (rule,) = load_rules(_rule_file(tmp_path, "direct"))
    assert rule.evidence_class == "direct"
    assert DETECTORS[rule.kind].evidence_class == "statistical"


def test_it_names_file_line_and_rule_of_an_unknown_evidence_class(tmp_path):
    with pytest.raises(ConfigFileError, match=r"visits.yaml:6: rule 'late': .*evidence.*'direct' or 'statistical'"):
        load_rules(_rule_file(tmp_path, "proof"))
