"""rank, explain, rules check/list/test, jobs and status: Swedish by default, English with --lang en,
plurals right and no "0 ..." parts."""

from __future__ import annotations

import json

import pytest

from monitor.ranking import explain as explain_module
from monitor.ranking import plot as plot_module
from tests.conftest import SUSPECT, invoke


def both(env, *args):
    """The command's output in Swedish (the default) and in English."""
    sv, en = invoke(env, *args), invoke(env, "--lang", "en", *args)
    assert sv.exit_code == en.exit_code, (sv.output, en.output)
    return sv, en


def test_the_texts_outside_the_command_modules_have_both_languages():
    # explain and the chart keep their words beside their code, not in monitor/cli/.
    assert explain_module.TEXTS.problems() == [] and plot_module.TEXTS.problems() == []


def test_rank_titles_and_heads_its_table_in_the_language_of_the_run(scored):
    sv, en = both(scored, "rank")
    assert "Riskrangordning (poängsättning" in sv.stdout and "Leverantör" in sv.stdout and "Skäl" in sv.stdout
    assert "Risk ranking" not in sv.stdout and "Reasons" not in sv.stdout
    assert "Risk ranking (scoring run" in en.stdout and "Supplier" in en.stdout and "Reasons" in en.stdout
    assert "Riskrangordning" not in en.stdout and "Skäl" not in en.stdout


def test_rank_csv_keeps_its_english_header_whatever_the_language(scored):
    sv, en = both(scored, "rank", "--format", "csv")
    assert sv.stdout.splitlines()[0] == en.stdout.splitlines()[0] == \
        "rank,org_number,name,contract_area,score,change,trend,reasons"


def test_rank_plot_says_where_it_drew_in_the_language_of_the_run(scored, tmp_path):
    sv, en = both(scored, "rank", "--plot", str(tmp_path / "risk.png"))
    assert "Risken i den enda poängsättningen ritad som staplar" in sv.stderr and "drawn" not in sv.stderr
    assert "Risk in the only scoring run drawn as bars" in en.stderr and "ritad" not in en.stderr
    invoke(scored, "score")
    sv, en = both(scored, "rank", "--plot", str(tmp_path / "risk.png"))
    assert "Risken i 2 poängsättningar ritad i" in sv.stderr
    assert "Risk over 2 scoring runs drawn to" in en.stderr


def test_explain_speaks_swedish_by_default_and_english_when_asked(scored):
    sv, en = both(scored, "explain", SUSPECT["org_number"])
    assert "av 100, plats 1 av 2" in sv.stdout and "Poäng: regler" in sv.stdout
    assert "inga mediasignaler" in sv.stdout and "aktualitet" in sv.stdout
    assert "Points:" not in sv.stdout and "no media signals" not in sv.stdout and "recency" not in sv.stdout
    assert "of 100, rank 1 of 2" in en.stdout and "Points: rules" in en.stdout and "no media signals" in en.stdout
    assert "Poäng" not in en.stdout and "aktualitet" not in en.stdout
    # Decimal commas in Swedish, points in English, in the same formula.
    assert "= 100 × (1 − e^(−" in sv.stdout and ",0 + media 0,0" in sv.stdout
    assert ".0 + media 0.0" in en.stdout
    # The one visit during the door observation, counted in words.
    assert "1 visit," in en.stdout and "1 visits" not in en.stdout
    assert "1 besök" in sv.stdout


def test_explain_json_keeps_its_english_keys_whatever_the_language(scored):
    sv, en = both(scored, "explain", SUSPECT["org_number"], "--format", "json")
    assert json.loads(sv.stdout).keys() == json.loads(en.stdout).keys() >= {"score", "rules", "total_points"}


def test_rules_check_and_list_speak_the_language_of_the_run(env):
    sv, en = both(env, "rules", "check")
    assert "regler utan fel i" in sv.stdout and "påslagna" in sv.stdout and "OK" not in sv.stdout
    assert "rules OK in" in en.stdout and "enabled" in en.stdout and "utan fel" not in en.stdout
    sv, en = both(env, "rules", "list")
    assert "allvarlighet" in sv.stdout and "påslagen" in sv.stdout and "│ ja " in sv.stdout
    assert "severity" not in sv.stdout and "│ yes " not in sv.stdout
    assert "severity" in en.stdout and "│ yes " in en.stdout and "allvarlighet" not in en.stdout
    # Each rule's title in the run's language.
    assert "Besök registrerade när brukaren var inlagd" in sv.stdout
    assert "Visits registered while the client was in hospital" in en.stdout


def test_rules_test_counts_with_the_right_plurals_and_leaves_out_what_counts_nothing(scored):
    sv, en = both(scored, "rules", "test", "door-observation-mismatch", "--all")
    assert "skulle flagga 1 leverantörsperiod hos 1 leverantör." in sv.stdout
    assert "Jämfört med senaste poängsättningen" in sv.stdout and ": 1 oförändrad." in sv.stdout
    assert "Inget skrevs till databasen." in sv.stdout and "oförändrad" in sv.stdout  # the status cell too
    assert "would flag 1 supplier-period at 1 supplier." in en.stdout and ": 1 unchanged." in en.stdout
    for out in (sv.stdout, en.stdout):
        assert " 0 " not in out  # no "0 new, 0 gone" parts
    assert "would flag" not in sv.stdout and "skulle" not in en.stdout


@pytest.fixture
def jobs_env(env, tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_TEST_TASKS", "1")
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("jobs:\n  digest:\n    cron: '0 7 * * mon'\n  broken:\n    task: fail\n    every_minutes: 1\n"
                        "  slow:\n    task: sleep\n    every_minutes: 5\n", encoding="utf-8")
    return {**env, "MONITOR_SCHEDULE_FILE": str(schedule)}


def test_jobs_list_says_when_in_the_language_of_the_run(jobs_env):
    sv, en = both(jobs_env, "jobs", "list")
    assert "nästa körning" in sv.stdout and "varje minut" in sv.stdout and "var 5 minuter" in sv.stdout
    assert "(svensk tid)" in sv.stdout and "next run" not in sv.stdout
    assert "next run" in en.stdout and "every minute" in en.stdout and "every 5 min" in en.stdout
    assert "(Europe/Stockholm)" in en.stdout and "nästa" not in en.stdout


def test_jobs_run_history_and_status_speak_the_language_of_the_run_with_the_error_as_written(jobs_env):
    assert "Inga jobbkörningar ännu." in invoke(jobs_env, "jobs", "history").stdout
    sv, en = both(jobs_env, "jobs", "run", "broken")
    assert "broken: misslyckades: RuntimeError: this job always fails" in sv.output
    assert "broken: failed: RuntimeError: this job always fails" in en.output
    history = invoke(jobs_env, "jobs", "history").stdout
    assert "senaste först (2 körningar)" in history and "för hand" in history and "misslyckades" in history
    history = invoke(jobs_env, "--lang", "en", "jobs", "history", "--limit", "1").stdout
    assert "newest first (1 run)" in history and "manual" in history and "failed" in history
    assert "(1 körning)" in invoke(jobs_env, "jobs", "history", "--limit", "1").stdout
    sv, en = both(jobs_env, "status")
    assert "senaste körning" in sv.stdout and "misslyckades" in sv.stdout and "aldrig" in sv.stdout
    assert "Veckosammanställning: ingen skickad ännu" in sv.stdout and "Digest" not in sv.stdout
    assert "last run" in en.stdout and "never" in en.stdout and "Digest: none sent yet" in en.stdout
    assert "aldrig" not in en.stdout
    # No feed polled yet: said in words, not as "0 healthy, 0 failing".
    assert "Nyhetsflöden: inga hämtade ännu" in sv.stdout and "Feeds: none polled yet" in en.stdout
    # For programs, the same English words whatever the language.
    assert json.loads(invoke(jobs_env, "status", "--format", "json").stdout)["failing_jobs"] == ["broken"]

