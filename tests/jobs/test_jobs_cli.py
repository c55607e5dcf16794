"""`monitor jobs list | history | run` and `monitor status`, and the retention job."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import PROJECT_DIR
from monitor.jobs.leases import leased
from monitor.jobs.retention import months_before, purge_old_visits
from monitor.models import Finding, Purge, Visit
from tests.conftest import TEST_KEY, visit_row

runner = CliRunner()


@pytest.fixture
def env(db_url, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MONITOR_TEST_TASKS", "1")
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("jobs:\n  digest:\n    cron: '0 7 * * mon'\n  broken:\n    task: fail\n"
                        "    every_minutes: 5\n  slow:\n    task: sleep\n    every_minutes: 5\n", encoding="utf-8")
    return {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY,
            "MONITOR_SCHEDULE_FILE": str(schedule), "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"),
            "MONITOR_TEMPLATES_DIR": str(PROJECT_DIR / "alerts"), "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox")}


def invoke(env, *args):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_jobs_list_shows_the_next_digest_at_seven_on_monday_local_time(env):
    with time_machine.travel(datetime(2026, 6, 10, 12, 0, tzinfo=UTC), tick=False):
        result = invoke(env, "jobs", "list")
    assert result.exit_code == 0
    assert "cron 0 7 * * mon (svensk tid)" in result.output and "2026-06-15 07:00" in result.output


def test_a_failed_job_run_by_hand_exits_1_and_shows_in_history_and_status(env):
    result = invoke(env, "jobs", "run", "broken")
    assert result.exit_code == 1 and "RuntimeError: this job always fails" in result.output
    (run,) = json.loads(invoke(env, "jobs", "history", "--job", "broken", "--format", "json").output)
    assert run["status"] == "failed" and run["trigger"] == "manual"
    status = json.loads(invoke(env, "status", "--format", "json").output)
    assert status["failing_jobs"] == ["broken"]


def test_a_job_run_by_hand_while_another_process_runs_it_is_skipped(env, engine):
    with leased(engine, "job:slow", timedelta(minutes=5), holder="elsewhere:1"):
        result = invoke(env, "jobs", "run", "slow")
    assert result.exit_code == 1 and "slow: hoppades över: job:slow is already running" in result.output
    (run,) = json.loads(invoke(env, "jobs", "history", "--format", "json").output)
    assert run["status"] == "skipped"


def test_jobs_run_names_the_jobs_when_given_an_unknown_one(env):
    result = invoke(env, "jobs", "run", "digets")
    assert result.exit_code == 2 and "no job 'digets'" in result.output and "digest" in result.output


def test_retention_removes_old_visits_keeps_findings_and_records_the_purge(load_evidence, engine):
    load_evidence(visits=[visit_row("OLD", "2024-01-10 08:00", "2024-01-10 08:30"),
                          visit_row("NEW", "2026-10-06 08:00", "2026-10-06 08:30")])
    with engine.begin() as conn:
        conn.execute(Finding.__table__.insert().values(
            rule_id="r", rule_version="v", supplier_id=conn.execute(select(Visit.__table__.c.supplier_id)).scalar(),
            severity="high", period_start=datetime(2024, 1, 8, tzinfo=UTC), period_end=datetime(2024, 1, 15, tzinfo=UTC),
            title="t", detail={"text": "2 besök"}, evidence={"visit_ids": ["OLD"]}, fingerprint="f",
            created_at=datetime(2024, 1, 16, tzinfo=UTC)))
    counts = purge_old_visits(engine, datetime(2026, 12, 4, 8, 0, tzinfo=UTC), 24)
    assert counts["visits_removed"] == 1
    with engine.connect() as conn:
        assert conn.execute(select(Visit.__table__.c.visit_id)).scalars().all() == ["NEW"]
        assert conn.execute(select(func.count()).select_from(Finding.__table__)).scalar_one() == 1
        purge = conn.execute(select(Purge.__table__)).one()
    assert purge.rows_removed == 1 and purge.what.startswith("visits")


@pytest.mark.parametrize(("now", "months", "expected"), [
    (datetime(2026, 12, 4, 8, 0, tzinfo=UTC), 24, "2024-12-04 09:00"),
    (datetime(2026, 3, 31, 10, 0, tzinfo=UTC), 1, "2026-02-28 12:00"),
], ids=["two-years", "end-of-month"])
def test_the_retention_cutoff_is_the_same_local_day_months_earlier(now, months, expected):
    assert months_before(now, months).strftime("%Y-%m-%d %H:%M") == expected


def test_runs_left_running_by_dead_processes_are_closed_as_interrupted_and_live_ones_kept(engine):
    from monitor.jobs.runs import close_dead_runs, run_history, start_run

    dead_here = start_run(engine, "score", f"{socket.gethostname()}:999999999", "schedule")
    dead_elsewhere = start_run(engine, "digest", "other-host:12", "schedule")
    alive_elsewhere = start_run(engine, "retention", "other-host:13", "schedule")
    with leased(engine, "job:retention", timedelta(minutes=5), holder="other-host:13"):
        assert close_dead_runs(engine) == 2
    status = {r.id: r.status for r in run_history(engine)}
    assert status == {dead_here: "interrupted", dead_elsewhere: "interrupted", alive_elsewhere: "running"}
