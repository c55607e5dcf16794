"""The alert commands as the team uses them: `monitor score` opens the alert, the team works it
with `monitor alerts ...`, drills into the evidence and reads the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import PROJECT_DIR
from tests.conftest import ASTRID, SUSPECT, TEST_KEY

runner = CliRunner()
ORG = SUSPECT["org_number"]


@pytest.fixture
def env(door_scenario, db_url, tmp_path):
    """The door scenario scored by `monitor score` with the project's rules (threshold 50)."""
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY,
           "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox"), "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"),
           "MONITOR_TEMPLATES_DIR": str(PROJECT_DIR / "alerts")}
    assert invoke(env, "score").exit_code == 0
    return env


def invoke(env, *args):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_alerts_list_as_json_gives_one_object_per_alert(env):
    result = invoke(env, "alerts", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    (alert,) = json.loads(result.stdout)
    assert set(alert) == {"org_number", "name", "state", "score", "opened", "assignee", "snoozed_until", "reasons"}
    assert (alert["org_number"], alert["name"], alert["state"], alert["assignee"], alert["snoozed_until"]) == (
        ORG, SUSPECT["name"], "ny", None, None)
    assert alert["score"] >= 50
    assert [r["id"] for r in alert["reasons"]] == ["door-observation-mismatch"]


def test_alerts_list_as_csv_and_as_a_table_in_both_languages(env):
    rows = list(csv.reader(io.StringIO(invoke(env, "alerts", "list", "--format", "csv").stdout)))
    assert rows[0] == ["org_number", "name", "state", "score", "opened", "assignee", "snoozed_until", "reasons"]
    assert rows[1][:3] == [ORG, SUSPECT["name"], "ny"]
    assert "Larm (1)" in invoke(env, "alerts", "list").stdout
    assert "Alerts (1)" in invoke(env, "--lang", "en", "alerts", "list").stdout
    assert "Inga larm i läget avskriven." in invoke(env, "alerts", "list", "--state", "avskriven").stdout


def test_the_team_works_an_alert_from_review_to_dismissed_and_the_audit_log_shows_each_step(env):
    review = invoke(env, "alerts", "review", ORG, "--by", "Anna")
    assert review.exit_code == 0 and "är nu under_granskning, handläggare Anna" in review.stdout
    assert invoke(env, "alerts", "assign", ORG, "--to", "Bertil", "--by", "Anna").exit_code == 0
    assert invoke(env, "alerts", "note", ORG, "Ringt chefen", "--by", "Bertil").exit_code == 0
    snooze = invoke(env, "--lang", "en", "alerts", "snooze", ORG, "--days", "14", "--reason", "waiting", "--by", "Bertil")
    assert snooze.exit_code == 0 and "is snoozed until" in snooze.stdout
    dismiss = invoke(env, "alerts", "dismiss", ORG, "--reason", "forklarad", "--text", "nytt låssystem", "--by", "Bertil")
    assert dismiss.exit_code == 0, dismiss.output
    shown = json.loads(invoke(env, "alerts", "show", ORG, "--format", "json").stdout)
    assert (shown["state"], shown["assignee"], shown["dismissal"]["reason"]) == ("avskriven", "Bertil", "forklarad")
    assert [n["text"] for n in shown["notes"]] == ["Ringt chefen"]
    log = json.loads(invoke(env, "audit", "--format", "json").stdout)
    assert [(r["actor"], r["action"]) for r in log] == [
        ("system", "alert.open"), ("Anna", "alert.review"), ("Anna", "alert.assign"), ("Bertil", "alert.note"),
        ("Bertil", "alert.snooze"), ("Bertil", "alert.dismiss")]
    assert "Granskningslogg (6 rader)" in invoke(env, "audit").stdout
    history = invoke(env, "alerts", "show", ORG).stdout
    assert "system: open - -> ny (risken 57 nådde larmgränsen 27)" in history
    assert "Bertil: dismiss under_granskning -> avskriven (forklarad: nytt låssystem)" in history
    assert "risk 57 reached the alert threshold 27" in invoke(env, "--lang", "en", "alerts", "show", ORG).stdout


@pytest.mark.parametrize(("args", "message"), [
    (["alerts", "escalate", ORG, "--by", "Anna"], "Fel: Ett larm som är ny kan inte bli eskalerad (möjligt: under_granskning, avskriven)"),
    (["alerts", "dismiss", ORG, "--reason", "orkar inte", "--text", "x", "--by", "Anna"], "Okänt skäl 'orkar inte' att skriva av"),
    (["alerts", "show", "556677-8899"], "har inget larm: poängen har inte nått larmgränsen"),
    (["alerts", "review", "000000-0000", "--by", "Anna"], "Ingen leverantör har organisationsnummer '000000-0000'"),
    (["alerts", "list", "--state", "open"], "Okänt läge 'open'"),
    (["alerts", "snooze", ORG, "--reason", "vänta", "--by", "Anna"], "ange --until DATUM eller --days N"),
    (["alerts", "snooze", ORG, "--until", "2020-01-01", "--reason", "vänta", "--by", "Anna"], "ligger inte i framtiden"),
], ids=["invalid-transition", "unknown-dismiss-reason", "no-alert", "no-supplier", "unknown-state", "snooze-without-time",
        "snooze-into-the-past"])
def test_a_step_that_cannot_be_taken_ends_with_one_line_and_exit_code_2(env, args, message):
    result = invoke(env, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_a_step_that_cannot_be_taken_is_told_in_english_when_asked(env):
    result = invoke(env, "--lang", "en", "alerts", "escalate", ORG, "--by", "Anna")
    assert result.exit_code == 2
    assert "Error: an alert in state 'ny' cannot go to 'eskalerad' (allowed: under_granskning, avskriven)" \
        in result.stderr


def test_evidence_as_json_and_csv_names_the_rows_and_is_audit_logged(env):
    result = invoke(env, "evidence", ORG, "--by", "Anna", "--format", "json")
    assert result.exit_code == 0, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert [v["visit_id"] for v in finding["visits"]] == ["V-WATCHED"]
    assert ASTRID not in result.stdout
    rows = list(csv.DictReader(io.StringIO(invoke(env, "evidence", ORG, "--by", "Bertil", "--format", "csv").stdout)))
    assert [(r["kind"], r["id"]) for r in rows] == [("visit", "V-WATCHED"), ("observation", "O-OCT")]
    table = invoke(env, "--lang", "en", "evidence", ORG, "--by", "Cecilia")
    assert "door observation" in table.stdout and "V-WATCHED" in table.stdout
    log = json.loads(invoke(env, "audit", "--format", "json").stdout)
    assert [r["actor"] for r in log if r["action"] == "evidence.view"] == ["Anna", "Bertil", "Cecilia"]
