"""The poll-feeds job through the runner, and `monitor run` refusing to start with one clear line."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from monitor.jobs.context import JobContext
from monitor.jobs.metrics import FEED_POLLS
from monitor.jobs.runner import run_job
from monitor.jobs.schedule import load_schedule
from tests.conftest import TEST_KEY
from tests.jobs.conftest import MONITOR

FEEDS = Path(__file__).parent.parent / "data" / "feeds"


def test_the_poll_feeds_job_polls_the_due_feeds_and_counts_them(engine, settings, tmp_path, news_server):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - name: Nyheter\n    url: '{news_server.url_for('/feed')}'\n"
                     "    allow_private_network: true\n", encoding="utf-8")
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("jobs:\n  poll-feeds:\n    every_minutes: 5\n", encoding="utf-8")
    ctx = JobContext(engine, settings.model_copy(update={"feeds_file": feeds}), load_schedule(schedule))
    before = FEED_POLLS.labels(outcome="ok")._value.get()
    first, second = run_job(ctx, "poll-feeds"), run_job(ctx, "poll-feeds")
    assert first.status == "ok" and first.counts["ok"] == 1 and first.counts["new_articles"] >= 1
    assert second.counts["ok"] == 0  # not due again for its interval
    assert FEED_POLLS.labels(outcome="ok")._value.get() == before + 1


def start(db_url: str, tmp_path: Path, schedule_text: str, port: int) -> subprocess.CompletedProcess[str]:
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(schedule_text, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY,
           "MONITOR_SCHEDULE_FILE": str(schedule), "MONITOR_HTTP_PORT": str(port),
           "MONITOR_INBOX_DIR": str(tmp_path)}
    return subprocess.run([MONITOR, "run"], env=env, capture_output=True, text=True, timeout=60)


def test_monitor_run_refuses_a_schedule_mistake_with_file_and_line(db_url, tmp_path):
    done = start(db_url, tmp_path, "jobs:\n  digest:\n    cron: '0 7 * * mon'\n    enabeld: false\n", 0)
    assert done.returncode == 2
    assert f"{tmp_path / 'schedule.yaml'}:4: unknown field 'jobs.digest.enabeld'" in done.stderr
    assert "Traceback" not in done.stderr


def test_monitor_run_says_so_when_its_port_is_taken(db_url, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = start(db_url, tmp_path, "jobs:\n  digest:\n    cron: '0 7 * * mon'\n", taken.getsockname()[1])
    assert done.returncode == 2
    assert "cannot serve HTTP on 127.0.0.1:" in done.stderr and "Traceback" not in done.stderr


def test_monitor_run_refuses_to_start_without_its_inbox_folder(db_url, tmp_path):
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("jobs:\n  import-inbox:\n    every_minutes: 5\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "MONITOR_DATABASE_URL": db_url, "MONITOR_SCHEDULE_FILE": str(schedule),
           "MONITOR_INBOX_DIR": str(tmp_path / "nowhere")}
    done = subprocess.run([MONITOR, "run"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"no inbox folder {tmp_path / 'nowhere'} (MONITOR_INBOX_DIR)" in done.stderr
