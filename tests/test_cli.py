"""The command line as a user meets it: exit codes, messages, output formats."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import PROJECT_DIR
from tests.conftest import HONEST, SUSPECT, TEST_KEY, invoke, supplier_row, visit_row

runner = CliRunner()


def test_import_refuses_to_run_without_a_pseudonymisation_key(env, write_csv):
    del env["MONITOR_PSEUDONYM_KEY"]
    result = invoke(env, "import", "visits", str(write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])))
    assert result.exit_code == 2
    assert "MONITOR_PSEUDONYM_KEY" in result.output


def test_import_exits_1_and_lists_rejected_rows(env, write_csv):
    path = write_csv("s.csv", [supplier_row(**HONEST), supplier_row("123", "Fel AB")])
    result = invoke(env, "import", "suppliers", str(path))
    assert result.exit_code == 1
    assert "1 av 2 rader lästes in" in result.output
    assert "s.csv:3: column org_number: invalid organisation number" in result.output
    assert "s.csv.rejected.csv" in result.output


def test_import_of_a_missing_file_is_one_clear_line(env, tmp_path):
    result = invoke(env, "import", "visits", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv: cannot open" in result.output and "Traceback" not in result.output


def test_rank_before_any_scoring_says_what_to_do(env):
    result = invoke(env, "rank")
    assert result.exit_code == 2
    assert "run `monitor score` first" in result.output


def test_rank_as_json_lists_suppliers_highest_risk_first_with_reasons(scored):
    rows = json.loads(invoke(scored, "rank", "--format", "json").stdout)
    assert [r["org_number"] for r in rows] == [SUSPECT["org_number"], HONEST["org_number"]]
    assert {"org_number", "name", "score", "rank", "change", "reasons"} <= set(rows[0])
    assert rows[0]["score"] > rows[1]["score"] == 0
    assert rows[0]["reasons"][0]["id"] == "door-observation-mismatch"
    assert rows[0]["reasons"][0]["source"] == "rule"


def test_rank_top_and_csv(scored):
    out = invoke(scored, "rank", "--format", "csv", "--top", "1").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1 and rows[0]["name"] == SUSPECT["name"]


def test_rank_shows_movement_since_the_previous_run(scored):
    invoke(scored, "score")
    rows = json.loads(invoke(scored, "rank", "--format", "json").stdout)
    assert rows[0]["change"] == 0


def test_digest_writes_an_eml_to_the_outbox_without_smtp(scored, tmp_path):
    result = invoke(scored, "digest")
    assert result.exit_code == 0, result.output
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    assert "Hemtj=C3=A4nst Beta AB" in eml.read_text() or "Hemtjänst Beta AB" in eml.read_text()


def test_config_hides_the_key(env):
    result = invoke(env, "config")
    assert "MONITOR_PSEUDONYM_KEY=<redacted>" in result.output and TEST_KEY not in result.output


@pytest.mark.parametrize("command", [[], ["import"], ["score"], ["rank"], ["explain"], ["digest"], ["demo"], ["init"],
                                     ["imports"], ["rules", "check"], ["rules", "list"], ["rules", "test"], ["rules", "docs"],
                                     ["feeds", "check"], ["feeds", "poll"], ["feeds", "status"],
                                     ["media", "list"], ["media", "ignore"], ["media", "explain"], ["config"],
                                     ["rekey"], ["run"], ["status"], ["jobs", "list"], ["jobs", "history"],
                                     ["jobs", "run"], ["alerts", "list"], ["alerts", "show"], ["alerts", "assign"],
                                     ["alerts", "review"], ["alerts", "escalate"], ["alerts", "confirm"],
                                     ["alerts", "dismiss"], ["alerts", "snooze"], ["alerts", "note"], ["audit"],
                                     ["evidence"], ["web"], ["users", "add"], ["users", "passwd"],
                                     ["users", "disable"], ["users", "token"], ["users", "list"]])
def test_every_command_explains_itself(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_reasons_are_worded_in_the_language_asked_for_when_shown(scored):
    english = json.loads(invoke(scored, "--lang", "en", "rank", "--format", "json").stdout)
    swedish = json.loads(invoke(scored, "rank", "--format", "json").stdout)
    assert "registered during a door observation" in english[0]["reasons"][0]["detail"]
    assert "besök registrerade under en portobservation" in swedish[0]["reasons"][0]["detail"]


def test_import_names_the_setting_that_rejects_an_implausible_date(env, write_csv):
    path = write_csv("v.csv", [visit_row("V1", "1999-12-31 08:00", "1999-12-31 08:30", planned_start="", planned_end="")])
    invoke(env, "import", "suppliers", str(write_csv("s.csv", [supplier_row(**SUSPECT)])))
    result = invoke(env, "import", "visits", str(path))
    assert result.exit_code == 1
    assert "v.csv:2: column registered_start: 1999-12-31 08:00 is before 2000-01-01" in result.output
    assert "MONITOR_IMPORT_EARLIEST_DATE" in result.output
    assert invoke({**env, "MONITOR_IMPORT_EARLIEST_DATE": "1999-01-01"}, "import", "visits", str(path)).exit_code == 0


def test_score_and_explain_show_the_same_instant_in_swedish_time_whatever_the_machines_zone(scored, monkeypatch):
    import re
    import time

    monkeypatch.setenv("TZ", "America/New_York")  # a server set up far from the team
    time.tzset()
    try:
        scored_out = invoke(scored, "score").stdout
        explained = invoke(scored, "explain", SUSPECT["org_number"]).stdout
        as_json = json.loads(invoke(scored, "explain", SUSPECT["org_number"], "--format", "json").stdout)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    shown = re.search(r"aktualitet räknad per (\d{4}-\d\d-\d\d \d\d:\d\d)", scored_out)
    assert shown and shown.group(1) == "2026-10-06 08:30"  # the visit's end, as registered in Sweden
    assert f"aktualitet räknad per {shown.group(1)}" in explained
    assert as_json["as_of"] == "2026-10-06T08:30:00+02:00"


def test_rules_list_gives_json_with_every_rules_effective_parameters(env):
    rows = json.loads(invoke(env, "rules", "list", "--format", "json").stdout)
    door = next(r for r in rows if r["kind"] == "door_observation_mismatch")
    assert door["params"]["max_distance_m"] == 40.0 and door["source"].startswith(str(PROJECT_DIR / "rules"))


def test_imports_lists_the_history_newest_first_with_what_was_rejected(scored, write_csv):
    bad = write_csv("bad.csv", [visit_row("V2", "2026-10-06 09:00", "2026-10-06 08:00")])
    assert invoke(scored, "import", "visits", str(bad)).exit_code == 1
    rows = json.loads(invoke(scored, "imports", "--format", "json").stdout)
    assert [r["kind"] for r in rows[:4]] == ["visits", "observations", "visits", "suppliers"]
    assert (rows[0]["status"], rows[0]["rows_read"], rows[0]["rows_rejected"]) == ("partial", 1, 1)
    table = invoke(scored, "imports", "--kind", "suppliers").stdout
    assert "s.csv" in table and "bad.csv" not in table


def test_piped_tables_are_not_cut_at_eighty_columns(scored):
    # CliRunner's stdout is not a terminal: every value comes out whole, as in `monitor rules list | grep`.
    listed = invoke(scored, "rules", "list").stdout
    assert "door_observation_mismatch" in listed and "…" not in listed
    ranked = invoke(scored, "rank").stdout
    assert "Hemtjänst Beta AB" in ranked and "…" not in ranked


def test_score_timings_give_the_seconds_of_every_stage_and_every_enabled_rule(scored):
    from monitor.findings.rules import load_rules

    result = invoke(scored, "score", "--timings")
    assert result.exit_code == 0, result.output
    timed = result.output.split("Tid per steg")[1]
    for stage in ("window", "evidence", "rules", "outliers", "ranking", "alerts"):
        assert f"  {stage} " in timed
    for rule in load_rules(PROJECT_DIR / "rules"):
        if rule.enabled:
            assert f"  {rule.id} " in timed
