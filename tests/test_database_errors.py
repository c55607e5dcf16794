"""Database mistakes and contention as an operator meets them: one line saying what to do, never
a traceback, never an empty database left behind a mistyped path."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.db import make_engine, upgrade_database
from monitor.jobs.leases import LeaseBusy, acquire, release
from tests.conftest import PG_ADMIN_URL, TEST_KEY

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"MONITOR_PSEUDONYM_KEY": TEST_KEY, **(env or {})})


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    # Log lines (a warning that the failed attempt could not be recorded either) are not the message.
    lines = [line for line in result.output.splitlines() if line.strip() and " WARNING " not in line]
    assert len(lines) == 1, result.output
    return lines[0]


def test_an_unsupported_database_is_named_with_what_is_supported():
    line = one_line_error(run("--db", "mysql://admin:hemligt@db.kommun.example/monitor", "rank"))
    assert "unsupported database" in line and "postgresql://" in line and "sqlite:///" in line
    assert "hemligt" not in line


def test_a_missing_postgresql_database_says_how_to_create_it():
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/monitor_no_such_database"
    line = one_line_error(run("--db", url, "score"))
    assert "does not exist" in line and "createdb monitor_no_such_database" in line


def test_an_unreachable_server_is_one_line_without_the_password():
    line = one_line_error(run("--db", "postgresql://monitor:hemligt@127.0.0.1:9/monitor", "init"))
    assert "cannot reach the database server" in line and "hemligt" not in line


def test_a_mistyped_sqlite_folder_is_refused_and_not_created(tmp_path):
    line = one_line_error(run("--db", f"sqlite:///{tmp_path}/mistyped/monitor.db", "init"))
    assert "no folder" in line
    assert not (tmp_path / "mistyped").exists()


@pytest.mark.parametrize("command", [["rank"], ["explain", "556677-8899"], ["digest"]])
def test_a_reading_command_does_not_create_an_empty_database(tmp_path, command):
    line = one_line_error(run("--db", f"sqlite:///{tmp_path}/monitor.db", *command))
    assert "no database at" in line and "monitor score" in line
    assert not (tmp_path / "monitor.db").exists()


def test_rank_after_the_demo_points_to_the_demos_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitor-demo").mkdir()
    upgrade_database(make_engine(f"sqlite:///{tmp_path / 'monitor-demo' / 'monitor.db'}"))
    line = one_line_error(run("rank", env={"MONITOR_DATABASE_URL": "sqlite:///monitor.db"}))
    assert "monitor --db sqlite:///monitor-demo/monitor.db" in line


def test_a_database_locked_by_another_writer_is_one_line(tmp_path, monkeypatch, write_csv):
    monkeypatch.setattr("monitor.db.SQLITE_BUSY_SECONDS", 0.2)
    path = tmp_path / "monitor.db"
    upgrade_database(make_engine(f"sqlite:///{path}"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another command in the middle of a write
    try:
        suppliers = write_csv("s.csv", [{"org_number": "556677-8899", "name": "Omsorg Alfa AB",
                                         "contract_area": "Hemtjänst", "contract_form": "LOV"}])
        line = one_line_error(run("--db", f"sqlite:///{path}", "import", "suppliers", str(suppliers)))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "is busy" in line and "try again" in line


def test_a_second_scoring_run_says_one_is_running(db_url):
    engine = make_engine(db_url)
    upgrade_database(engine)
    lease = acquire(engine, "score", timedelta(minutes=30), holder="uppfoljning-server:4711")
    try:
        line = one_line_error(run("--db", db_url, "score"))
    finally:
        release(lease)
        engine.dispose()
    assert "score is already running" in line and "uppfoljning-server:4711" in line


def test_a_lease_that_ran_out_or_whose_process_is_gone_is_taken_over(engine):
    stale = acquire(engine, "score", timedelta(seconds=-1), holder="elsewhere:1")
    taken = acquire(engine, "score", timedelta(minutes=5), holder="here:2")
    assert taken.holder == "here:2" and stale.holder == "elsewhere:1"
    with pytest.raises(LeaseBusy):
        acquire(engine, "score", timedelta(minutes=5), holder="third:3")
    release(taken)
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    acquire(engine, "score", timedelta(minutes=30), holder=f"{socket.gethostname()}:{dead.stdout.strip()}")
    assert acquire(engine, "score", timedelta(minutes=5), holder="here:2").holder == "here:2"
