"""The job store: a job whose timing did not change keeps its stored next run across restarts
(so a run missed while the service was down is caught up), a changed one starts afresh."""

from __future__ import annotations

from pathlib import Path

from monitor.jobs import scheduler as wiring
from monitor.jobs.context import JobContext
from monitor.jobs.schedule import load_schedule
from monitor.jobs.status import next_runs


def stored_after_start(engine, settings, path: Path, text: str) -> dict:
    path.write_text(text, encoding="utf-8")
    schedule = load_schedule(path)
    scheduler = wiring.build_scheduler(JobContext(engine, settings, schedule))
    scheduler.start(paused=True)
    try:
        wiring.sync_jobs(scheduler, schedule)
    finally:
        scheduler.shutdown(wait=False)
    return next_runs(engine)


def test_a_restart_keeps_each_unchanged_jobs_next_run_and_drops_removed_jobs(engine, settings, tmp_path):
    path = tmp_path / "schedule.yaml"
    first = stored_after_start(engine, settings, path,
                               "jobs:\n  import-inbox:\n    every_minutes: 5\n  digest:\n    cron: '0 7 * * mon'\n")
    again = stored_after_start(engine, settings, path,
                               "jobs:\n  import-inbox:\n    every_minutes: 5\n  digest:\n    cron: '0 7 * * mon'\n")
    assert again == first
    changed = stored_after_start(engine, settings, path, "jobs:\n  import-inbox:\n    every_minutes: 10\n")
    assert set(changed) == {"import-inbox"}
    assert changed["import-inbox"] > first["import-inbox"]
