"""`monitor rules test`: what a rule as written now would flag, against the stored findings, writing nothing."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.models import Finding, ScoringRun
from tests.conftest import SUSPECT, TEST_KEY, visit_row
from tests.findings.conftest import RULES_DIR
from tests.findings.test_door_observation import DAY, observation_row

runner = CliRunner()


@pytest.fixture
def scored(load_evidence, db_url, tmp_path):
    """Two watched mornings at Astrid's door with three contradicted visits, scored once."""
    observations = [observation_row("O1"),
                    observation_row("O2", observed_from="2026-10-08 08:00", observed_to="2026-10-08 09:00")]
    visits = [visit_row("V1", f"{DAY} 08:30", f"{DAY} 09:00"), visit_row("V2", f"{DAY} 09:15", f"{DAY} 09:45"),
              visit_row("V3", "2026-10-08 08:20", "2026-10-08 08:50")]
    engine = load_evidence(observations=observations, visits=visits)
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY, "MONITOR_RULES_DIR": str(rules)}
    assert runner.invoke(app, ["score"], env=env).exit_code == 0
    return engine, env, rules


def _tune(rules, old: str, new: str) -> None:
    path = rules / "visits.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _stored(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        findings = conn.execute(select(func.count()).select_from(Finding.__table__)).scalar_one()
        runs = conn.execute(select(func.count()).select_from(ScoringRun.__table__)).scalar_one()
    return findings, runs


def _test(env, *args):
    result = runner.invoke(app, ["rules", "test", "door-observation-mismatch", "--format", "json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_it_shows_an_unchanged_rule_as_finding_what_is_stored(scored):
    _, env, _ = scored
    report = _test(env)
    assert report["counts"] == {"new": 0, "changed": 0, "unchanged": 2, "gone": 0}


def test_it_shows_what_a_stricter_threshold_would_stop_flagging_and_writes_nothing(scored):
    engine, env, rules = scored
    before = _stored(engine)
    _tune(rules, "edge_margin_minutes: 2", "edge_margin_minutes: 25")
    report = _test(env)
    assert report["counts"] == {"new": 0, "changed": 0, "unchanged": 1, "gone": 1}
    (gone,) = [r for r in report["rows"] if r["status"] == "gone"]
    assert (gone["org_number"], gone["evidence"]["visit_ids"]) == (SUSPECT["org_number"], ["V3"])
    assert _stored(engine) == before


def test_it_shows_what_a_looser_threshold_would_add(scored):
    _, env, rules = scored
    runner.invoke(app, ["rules", "test", "door-observation-mismatch"], env=env)
    _tune(rules, "edge_margin_minutes: 2", "edge_margin_minutes: 25")
    assert runner.invoke(app, ["score"], env=env).exit_code == 0  # the stricter rule goes live
    _tune(rules, "edge_margin_minutes: 25", "edge_margin_minutes: 2")
    report = _test(env)
    assert report["counts"]["new"] == 1
    assert [r["period"][:10] for r in report["rows"] if r["status"] == "new"] == ["2026-10-08"]


def test_it_limits_the_dry_run_to_the_days_asked_for(scored):
    _, env, _ = scored
    report = _test(env, "--since", "2026-10-07", "--until", "2026-10-09")
    assert [r["period"][:10] for r in report["rows"]] == ["2026-10-08"]


def test_it_prints_a_summary_that_says_nothing_was_written(scored):
    _, env, rules = scored
    _tune(rules, "edge_margin_minutes: 2", "edge_margin_minutes: 25")
    result = runner.invoke(app, ["--lang", "en", "rules", "test", "door-observation-mismatch"], env=env)
    assert result.exit_code == 0, result.output
    assert "would flag 1 supplier-period at 1 supplier." in result.stdout
    assert "1 gone" in result.stdout and "Nothing was written." in result.stdout


def test_it_names_the_known_rules_when_asked_for_an_unknown_one(scored):
    _, env, _ = scored
    result = runner.invoke(app, ["rules", "test", "door-obs"], env=env)
    assert result.exit_code == 2
    assert "no rule 'door-obs'" in result.stderr and "door-observation-mismatch" in result.stderr


@pytest.fixture
def manual_weeks(load_evidence, db_url, tmp_path):
    """Three weeks (from Monday 5 October) in which half of Hemtjänst Beta's visits were registered by hand."""
    visits = []
    for day in range(21):
        for i in range(6):
            start = datetime(2026, 10, 5, 7 + 2 * i) + timedelta(days=day)
            visits.append(visit_row(f"V{day:02d}{i}", f"{start:%Y-%m-%d %H:%M}",
                                    f"{start + timedelta(minutes=30):%Y-%m-%d %H:%M}",
                                    registration_method="manual" if i % 2 else "nfc"))
    engine = load_evidence(visits=visits)
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY, "MONITOR_RULES_DIR": str(rules)}
    assert runner.invoke(app, ["score"], env=env).exit_code == 0
    return engine, env


def test_it_judges_a_run_of_weeks_on_all_of_it_when_the_window_starts_inside(manual_weeks):
    _, env = manual_weeks
    result = runner.invoke(app, ["rules", "test", "manual-registration-share", "--format", "json",
                                 "--since", "2026-10-14"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"] == {"new": 0, "changed": 0, "unchanged": 1, "gone": 0}
    assert report["rows"][0]["period_start"] == "2026-10-05T00:00:00+02:00"  # the run began before --since (Swedish time)


def test_it_does_not_create_a_database_for_a_dry_run(tmp_path):
    missing = tmp_path / "nowhere.db"
    result = runner.invoke(app, ["--db", f"sqlite:///{missing}", "--rules-dir", str(RULES_DIR),
                                 "rules", "test", "door-observation-mismatch"])
    assert result.exit_code == 2
    assert "no database" in result.stderr
    assert not missing.exists()
