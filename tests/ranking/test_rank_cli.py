"""The ranking as the team meets it: stable on re-scoring, explained, drawn over time."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from monitor.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """A small demo municipality, imported and scored twice on unchanged data."""
    directory = tmp_path_factory.mktemp("rank-demo")
    url = f"sqlite:///{directory / 'monitor.db'}"
    result = runner.invoke(app, ["--db", url, "demo", "--dir", str(directory), "--scale", "0.2", "--weeks", "2"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["--db", url, "score"]).exit_code == 0
    return url


def _rank(url: str, *args: str) -> list[dict]:
    result = runner.invoke(app, ["--db", url, "rank", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_it_gives_the_same_ranking_when_unchanged_data_is_scored_again(demo_db):
    ranking = _rank(demo_db)
    assert all(r["change"] == 0 and r["trend"] == "steady" for r in ranking)
    assert [r["previous_score"] for r in ranking] == [r["score"] for r in ranking]


def test_it_gives_each_reason_its_source_and_points(demo_db):
    top = _rank(demo_db, "--top", "3")
    assert [r["rank"] for r in top] == [1, 2, 3] and top[0]["score"] >= top[2]["score"] > 0
    for supplier in top:
        assert supplier["reasons"]
        assert {r["source"] for r in supplier["reasons"]} <= {"rule", "outlier", "media"}
        assert sum(r["points"] for r in supplier["reasons"]) == pytest.approx(
            sum(supplier["components"].values()), abs=0.2)


def test_it_explains_a_score_with_the_numbers_that_made_it(demo_db):
    top = _rank(demo_db, "--top", "1")[0]
    result = runner.invoke(app, ["--db", demo_db, "explain", top["org_number"].replace("-", ""), "--format", "json"])
    assert result.exit_code == 0, result.output
    explained = json.loads(result.stdout)
    assert explained["score"] == top["score"] and explained["rank"] == 1
    total = explained["total_points"]
    assert round(100 * (1 - 2.718281828459045 ** (-total / explained["saturation"])), 1) == pytest.approx(
        top["score"], abs=0.1)
    rule = explained["rules"][0]
    assert rule["findings"] and all(0 < f["decay"] <= 1 for f in rule["findings"])


def test_it_prints_the_explanation_as_text(demo_db):
    org = _rank(demo_db, "--top", "1")[0]["org_number"]
    result = runner.invoke(app, ["--db", demo_db, "explain", org], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Poäng: regler" in result.stdout and "risk = 100 × (1 − e^(−" in result.stdout
    assert "Jämförelse med likartade leverantörer" in result.stdout and "Media" in result.stdout


def test_it_says_which_reasons_are_direct_evidence_and_which_statistical_signs(demo_db):
    ranking = _rank(demo_db)
    rules = [r for s in ranking for r in s["reasons"] if r["source"] == "rule"]
    assert {r["evidence"] for r in rules} == {"direct", "statistical"}
    assert {r["id"] for r in rules if r["evidence"] == "direct"} <= {
        "door-observation-mismatch", "visit-during-absence", "staff-overlap", "impossible-travel", "shared-device"}
    door = next(s for s in ranking if any(r["id"] == "door-observation-mismatch" for r in s["reasons"]))
    result = runner.invoke(app, ["--db", demo_db, "explain", door["org_number"]], env={"COLUMNS": "200"})
    assert "door-observation-mismatch (kritisk, direkt bevis)" in result.stdout
    explained = json.loads(runner.invoke(app, ["--db", demo_db, "--lang", "en", "explain", door["org_number"],
                                               "--format", "json"]).stdout)
    rule = next(r for r in explained["rules"] if r["id"] == "door-observation-mismatch")
    assert (rule["evidence"], rule["suppliers"]) == ("direct", len(ranking)) and 0 < rule["rarity"] <= 1


def test_it_refuses_to_explain_an_unknown_org_number(demo_db):
    result = runner.invoke(app, ["--db", demo_db, "explain", "556000-0000"])
    assert result.exit_code == 2
    assert "no supplier with org number '556000-0000'" in result.stderr


def test_it_draws_the_top_suppliers_risk_over_time_to_a_png(demo_db, tmp_path):
    path = tmp_path / "risk.png"
    result = runner.invoke(app, ["--db", demo_db, "rank", "--top", "5", "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert "Risken i 2 poängsättningar ritad i" in result.stderr


def test_it_draws_bars_rather_than_lonely_dots_after_a_single_scoring_run(tmp_path_factory, tmp_path):
    directory = tmp_path_factory.mktemp("one-run")
    url = f"sqlite:///{directory / 'monitor.db'}"
    demo = runner.invoke(app, ["--db", url, "demo", "--dir", str(directory), "--scale", "0.1", "--weeks", "1"])
    assert demo.exit_code == 0, demo.output
    path = tmp_path / "risk.png"
    result = runner.invoke(app, ["--db", url, "rank", "--top", "5", "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert "ritad som staplar" in result.stderr and path.stat().st_size > 10_000


def test_it_shows_a_run_of_weeks_with_its_first_and_last_day():
    from datetime import UTC, datetime

    from monitor.ranking.explain import _period_text

    start, end = datetime(2026, 10, 4, 22, tzinfo=UTC), datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert _period_text(start, end) == "2026-10-05 – 2026-11-01"
    assert _period_text(start, datetime(2026, 10, 11, 22, tzinfo=UTC)) == "2026-W41"


def test_it_counts_places_and_their_change_within_the_area_asked_for(demo_db):
    everyone = _rank(demo_db)
    area = everyone[-1]["contract_area"]
    in_area = _rank(demo_db, "--area", area)
    assert [r["org_number"] for r in in_area] == [r["org_number"] for r in everyone if r["contract_area"] == area]
    assert [r["rank"] for r in in_area] == list(range(1, len(in_area) + 1))
    assert all(r["change"] == 0 for r in in_area)  # unchanged data: nobody moved within the area either


def test_a_supplier_passed_by_one_from_another_area_keeps_its_place_in_its_own(with_suppliers, write_csv,
                                                                                pseudonymise):
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from monitor.imports import SPECS, import_csv
    from monitor.models import ScoringRun, SupplierScore
    from monitor.ranking.report import latest_ranking
    from tests.conftest import HONEST, SUSPECT, supplier_row

    lss = supplier_row("556036-0793", "Assistans Gamma AB", contract_area="LSS")
    import_csv(with_suppliers, SPECS["suppliers"], write_csv("lss.csv", [lss]), pseudonymise=pseudonymise)
    with with_suppliers.begin() as conn:
        ids = dict(conn.exec_driver_sql("select org_number, id from suppliers").fetchall())
        at = datetime(2026, 11, 1, tzinfo=UTC)
        conn.execute(insert(ScoringRun.__table__), [{"id": 1, "started_at": at, "finished_at": at},
                                                     {"id": 2, "started_at": at, "finished_at": at}])
        order = {1: [SUSPECT["org_number"], "556036-0793", HONEST["org_number"]],
                 2: ["556036-0793", SUSPECT["org_number"], HONEST["org_number"]]}
        conn.execute(insert(SupplierScore.__table__), [
            {"run_id": run, "supplier_id": ids[org], "score": 90 - 10 * place, "rank": place, "reasons": [],
             "components": {}}
            for run, orgs in order.items() for place, org in enumerate(orgs, start=1)
        ])
        overall = latest_ranking(conn)
        hemtjanst = latest_ranking(conn, area="Hemtjänst")
    assert [(r.org_number, r.change) for r in overall.suppliers][:2] == [("556036-0793", 1), (SUSPECT["org_number"], -1)]
    assert [(r.org_number, r.rank, r.change) for r in hemtjanst.suppliers] == [
        (SUSPECT["org_number"], 1, 0), (HONEST["org_number"], 2, 0)]
