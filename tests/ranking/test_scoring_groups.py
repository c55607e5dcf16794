"""Scoring in groups of suppliers (MONITOR_SCORING_GROUP_VISITS): a run that loads and judges a
few suppliers at a time ranks exactly as one that loads the whole window, on both databases.

The demo at a scale that keeps its register and billing schemes: the billing rules read what
all suppliers' visits cover (service types, months), which a group alone does not hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from monitor.cli import app
from monitor.db import make_engine, utcnow
from monitor.findings.rules import load_rules
from monitor.findings.window import lookback_days, scoring_window
from monitor.imports import SPECS, import_csv
from monitor.models import Supplier, Visit
from monitor.ranking.score import load_scoring_config
from monitor.scoring import ScoringOutcome, run_scoring, supplier_groups
from monitor.timings import Timings
from tests.conftest import supplier_row, visit_row

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
runner = CliRunner()


@pytest.fixture
def demo_engine(db_url: str, tmp_path: Path) -> Engine:
    args = ["--db", db_url, "demo", "--dir", str(tmp_path / "demo"), "--scale", "0.6", "--weeks", "4",
            "--seed", "2026"]
    result = runner.invoke(app, args, env={"MONITOR_RULES_DIR": str(RULES_DIR)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _score(engine: Engine, group_visits: int | None, timings: Timings | None = None) -> ScoringOutcome:
    return run_scoring(engine, load_rules(RULES_DIR), load_scoring_config(RULES_DIR), group_visits=group_visits,
                       timings=timings)


def _ranking(outcome: ScoringOutcome) -> list[tuple[int, float, list]]:
    return [(r.supplier_id, round(r.score, 6), r.reasons) for r in outcome.ranking]


def _findings(engine: Engine, run_id: int) -> Counter[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT f.rule_id, f.supplier_id FROM run_findings rf JOIN findings f ON f.id = rf.finding_id "
            "WHERE rf.run_id = :run"), {"run": run_id}).all()
    return Counter((rule, supplier) for rule, supplier in rows)


def test_a_run_in_groups_ranks_and_finds_exactly_what_a_run_over_everyone_does(demo_engine):
    whole = _score(demo_engine, None)
    timings = Timings()
    grouped = _score(demo_engine, 4_000, timings)
    assert grouped.visits_read == whole.visits_read > 12_000
    assert _ranking(grouped) == _ranking(whole)
    assert grouped.outliers == whole.outliers and any(o.strength > 0 for o in whole.outliers.values())
    assert _findings(demo_engine, grouped.run_id) == _findings(demo_engine, whole.run_id)
    kinds = {rule for rule, _ in _findings(demo_engine, whole.run_id)}
    # The billing rules (which read every supplier's coverage) and the visit rules both found something.
    assert {"billed-vs-registered", "staff-overlap"} <= kinds
    # Each rule's time is summed over the groups: one line per rule, as without groups.
    assert len({rule for rule, _ in timings.rules}) == len(timings.rules)
    assert grouped.as_of == whole.as_of


def test_groups_hold_every_supplier_once_and_stay_under_the_size_unless_one_supplier_is_larger(
    demo_engine, db_url, write_csv
):
    # A supplier without a visit: judged by the register and invoice rules, so in a group too.
    register = write_csv("s.csv", [supplier_row("559999-9991", "Nystartade Omsorg AB")])
    result = runner.invoke(app, ["--db", db_url, "import", "suppliers", str(register)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rules, config = load_rules(RULES_DIR), load_scoring_config(RULES_DIR)
    with demo_engine.connect() as conn:
        window = scoring_window(conn, config.window.weeks, utcnow())
        window = window.with_lookback(lookback_days(rules, config.outliers.period, window.start))
        t = Visit.__table__.c
        counts = dict(conn.execute(
            select(t.supplier_id, func.count())
            .where(t.registered_start >= window.load_from, t.registered_start < window.end)
            .group_by(t.supplier_id)).all())
        suppliers = set(conn.execute(select(Supplier.__table__.c.id)).scalars())
        assert supplier_groups(conn, window, None) == [None]
        assert supplier_groups(conn, window, sum(counts.values())) == [None]
        limit = 4_000
        groups = supplier_groups(conn, window, limit)
    assert len(groups) > 3
    members = [s for group in groups for s in group]
    assert sorted(members) == sorted(suppliers)  # each once, those without visits too
    assert suppliers - set(counts)
    for group in groups:
        size = sum(counts.get(s, 0) for s in group)
        assert size <= limit or len([s for s in group if counts.get(s)]) == 1


def test_the_score_command_scores_in_groups_when_the_setting_says_so(demo_engine, db_url, tmp_path):
    env = {"MONITOR_RULES_DIR": str(RULES_DIR), "MONITOR_SCORING_GROUP_VISITS": "4000",
           "MONITOR_LOG_LEVEL": "INFO"}
    whole = runner.invoke(app, ["--db", db_url, "rank", "--format", "json"], env=env, catch_exceptions=False)
    result = runner.invoke(app, ["--db", db_url, "score", "--timings"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "grupper om cirka 4\u00a0000 besök (MONITOR_SCORING_GROUP_VISITS)" in result.output
    # Each stage and rule once in the timings, summed over the groups.
    timed = [line.split()[0] for line in result.output.splitlines() if line.startswith("  ")]
    assert len(timed) == len(set(timed)) and "staff-overlap" in timed
    grouped = runner.invoke(app, ["--db", db_url, "rank", "--format", "json"], env=env, catch_exceptions=False)
    assert _without_change(grouped.output) == _without_change(whole.output)
    assert len(json.loads(whole.output)) > 20


def _without_change(output: str) -> list[dict]:
    """The ranking without its change and trend since the previous runs (which differ)."""
    return [{k: v for k, v in row.items() if k not in ("change", "previous_score", "trend")} for row in json.loads(output)]


def test_a_group_judges_billing_by_what_every_suppliers_visits_cover(with_suppliers, load_evidence, write_csv):
    # Beta registers hemtjänst every day of October; Gamma, in a group of its own, only cleans,
    # and from the 25th. Gamma bills 20 hours of hemtjänst for October: hemtjänst is registered
    # (by Beta) and October is covered (by Beta), so that is billing without visits, group or not.
    gamma = "559999-9991"
    result = import_csv(with_suppliers, SPECS["suppliers"], write_csv("gamma.csv", [supplier_row(gamma, "Gamma AB")]))
    assert result.rows_accepted == 1
    engine = load_evidence(visits=[
        *(visit_row(f"B{d:02d}", f"2026-10-{d:02d} 08:00", f"2026-10-{d:02d} 09:00") for d in range(1, 32)),
        *(visit_row(f"G{d:02d}", f"2026-10-{d:02d} 10:00", f"2026-10-{d:02d} 11:00", supplier_org_number=gamma,
                    staff_id="G1", service_type="Städning") for d in range(25, 32)),
    ])
    invoice = {"invoice_id": "F1", "supplier_org_number": gamma, "period": "2026-10", "service_type": "Hemtjänst",
               "hours": "20", "units": "", "amount": "9000", "contract_price": "450", "invoice_date": "2026-11-05",
               "contract_area": ""}
    assert import_csv(engine, SPECS["invoices"], write_csv("invoices.csv", [invoice])).rows_accepted == 1
    whole, grouped = _score(engine, None), _score(engine, 31)
    with engine.connect() as conn:
        window = scoring_window(conn, 13, utcnow()).with_lookback(28)
        assert len(supplier_groups(conn, window, 31)) == 2
    flagged = {(rule, supplier) for rule, supplier in _findings(engine, whole.run_id) if rule == "billed-without-visits"}
    assert len(flagged) == 1
    assert {(rule, s) for rule, s in _findings(engine, grouped.run_id) if rule == "billed-without-visits"} == flagged
