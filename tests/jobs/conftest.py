"""A real `monitor run` in a subprocess on a free loopback port, with a schedule that fires in
fractions of a second, and the evidence files the inbox tests drop in."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from monitor.config import PROJECT_DIR
from monitor.db import make_engine
from monitor.models import JobRun, MetaValue
from tests.conftest import ASTRID_HOME, BERTIL, BERTIL_HOME, HONEST, SUSPECT, TEST_KEY, supplier_row, visit_row

MONITOR = str(Path(sys.executable).parent / "monitor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll `check` every 50 ms until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def evidence_files(folder: Path) -> list[Path]:
    """Suppliers, a door observation at Astrid's home, and a visit registered there meanwhile."""
    observation = {"observation_id": "O1", "address": ASTRID_HOME, "latitude": "59.2301", "longitude": "17.9802",
                   "observed_from": "2026-10-06 08:00", "observed_to": "2026-10-06 10:00", "staff_seen": "nej",
                   "observer": "Team Syd", "note": ""}
    visits = [visit_row("V1", "2026-10-06 08:30", "2026-10-06 09:00"),
              visit_row("V2", "2026-10-06 12:00", "2026-10-06 12:30", supplier_org_number=HONEST["org_number"],
                        client_id=BERTIL, address=BERTIL_HOME, latitude="59.3000", longitude="18.1000")]
    # Written in the reverse of the order they must be imported in.
    return [write_rows(folder / "visits-v41.csv", visits),
            write_rows(folder / "observations-v41.csv", [observation]),
            write_rows(folder / "suppliers.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)])]


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=15)


@dataclass
class ServiceEnv:
    db_url: str
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def runs(self, job: str | None = None) -> list[Any]:
        engine = make_engine(self.db_url)
        t = JobRun.__table__  # type: ignore[attr-defined]
        query = select(t).order_by(t.c.id)
        if job:
            query = query.where(t.c.job == job)
        try:
            with engine.connect() as conn:
                return list(conn.execute(query))
        finally:
            engine.dispose()

    def meta_names(self) -> list[str]:
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(select(MetaValue.__table__.c.name)).scalars())  # type: ignore[attr-defined]
        finally:
            engine.dispose()

    def start(self, jobs: dict[str, Any], inbox: dict[str, Any] | None = None, **env: str) -> Running:
        schedule = self.root / f"schedule-{len(list(self.root.glob('schedule-*')))}.yaml"
        # JSON is YAML, and never writes anchors for values used twice.
        schedule.write_text(json.dumps({"jobs": jobs, "inbox": inbox or {"settle_seconds": 0},
                                            "lease_minutes": 1}), encoding="utf-8")
        port = free_port()
        log = self.root / f"service-{port}.log"
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
            "MONITOR_TEST_TASKS": "1", "MONITOR_DATABASE_URL": self.db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY,
            "MONITOR_SCHEDULE_FILE": str(schedule), "MONITOR_INBOX_DIR": str(self.inbox),
            "MONITOR_OUTBOX_DIR": str(self.outbox), "MONITOR_HTTP_PORT": str(port),
            "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"), "MONITOR_TEMPLATES_DIR": str(PROJECT_DIR / "alerts"),
            "MONITOR_FEEDS_FILE": str(PROJECT_DIR / "feeds.yaml"),
            "MONITOR_DIGEST_RECIPIENTS": "uppfoljning@kommun.example", "MONITOR_LOG_LEVEL": "INFO", **env,
        }
        proc = subprocess.Popen([MONITOR, "run"], env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        running = Running(proc, f"http://127.0.0.1:{port}", log)
        self._started.append(running)

        def answers() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"monitor run exited {proc.returncode}: {log.read_text()[-3000:]}")
            try:
                return running.get("/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, what="the service to answer /healthz")
        return running

    def __post_init__(self) -> None:
        self._started: list[Running] = []
        self.inbox.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def service(db_url: str, tmp_path: Path) -> Iterator[ServiceEnv]:
    env = ServiceEnv(db_url, tmp_path)
    yield env
    for running in env._started:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()
