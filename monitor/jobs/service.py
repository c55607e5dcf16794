"""`monitor run`: the scheduler and the HTTP server in one process, until SIGTERM or SIGINT.

Shutdown: no new job starts; a running one may finish within MONITOR_SHUTDOWN_GRACE_SECONDS.
One that does not is recorded as interrupted and the process leaves at once: its open
transaction dies with the connection, so the database rolls its work back, and the next run
starts it again (every job is safe to re-run). The exit code is 0 either way: stopping the
service is not an error.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn
from sqlalchemy import Engine

from monitor.config import ConfigError, Settings
from monitor.jobs import scheduler as wiring
from monitor.jobs.context import JobContext
from monitor.jobs.leases import release
from monitor.jobs.runner import active_runs
from monitor.jobs.runs import close_dead_runs, finish_run
from monitor.jobs.schedule import Schedule
from monitor.web.app import create_app

logger = logging.getLogger(__name__)


@dataclass
class Service:
    engine: Engine
    settings: Settings
    schedule: Schedule

    def run(self, on_listening: Callable[[str], None] = print) -> int:
        inbox = self.settings.inbox_dir
        if any(self.schedule.task_of(n) == "import-inbox" for n in self.schedule.enabled()) and not inbox.is_dir():
            raise ConfigError(f"no inbox folder {inbox} (MONITOR_INBOX_DIR): create it, point the setting at "
                              "the folder the exports are dropped in, or disable import-inbox in the schedule")
        close_dead_runs(self.engine)
        ctx = JobContext(self.engine, self.settings, self.schedule)
        scheduler = wiring.build_scheduler(ctx)
        ctx.on_evidence_changed = lambda: wiring.score_soon(scheduler, self.schedule)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        wiring.stopping.clear()
        scheduler.start(paused=True)
        wiring.sync_jobs(scheduler, self.schedule)
        scheduler.resume()
        app = create_app(self.engine, self.schedule, lambda: scheduler.running and not stop.is_set(), self.settings)
        host, port = self.settings.http_host, self.settings.http_port
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                                               access_log=False))
        http = threading.Thread(target=server.run, name="http", daemon=True)
        http.start()
        while not server.started and http.is_alive() and not stop.is_set():
            time.sleep(0.02)
        if not server.started and not stop.is_set():
            scheduler.shutdown(wait=False)
            raise ConfigError(f"cannot serve HTTP on {host}:{port} (MONITOR_HTTP_HOST, MONITOR_HTTP_PORT): "
                              "is the port in use?")
        on_listening(f"monitor run: serving http://{host}:{port} (the web UI, /api, healthz, readyz, status, metrics); "
                     f"jobs: {', '.join(self.schedule.enabled())}")
        logger.info("Started the service host=%s port=%d jobs=%s", host, port, ",".join(self.schedule.enabled()))
        stop.wait()
        return self._shut_down(scheduler, server, http)

    def _shut_down(self, scheduler: object, server: uvicorn.Server, http: threading.Thread) -> int:
        logger.info("Stopping the service grace_seconds=%s", self.settings.shutdown_grace_seconds)
        wiring.stopping.set()
        scheduler.pause()  # type: ignore[attr-defined]
        scheduler.shutdown(wait=False)  # type: ignore[attr-defined]
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds
        while active_runs() and time.monotonic() < deadline:
            time.sleep(0.05)
        unfinished = active_runs()
        server.should_exit = True
        if unfinished:
            for run in unfinished:
                try:
                    finish_run(self.engine, run.run_id, "interrupted", error="stopped at shutdown after "
                               f"{self.settings.shutdown_grace_seconds:g} s; its work was rolled back", busy_ms=1000)
                    release(run.lease)
                except Exception as exc:
                    # SQLite's write lock is the job's: the next start closes the row instead.
                    logger.warning("Unable to record an interrupted run run_id=%d error=%s", run.run_id,
                                   type(exc).__name__)
                logger.warning("Interrupted a job at shutdown job=%s run_id=%d", run.job, run.run_id)
            logging.shutdown()
            # The job's thread cannot be stopped from outside; leaving ends its transaction
            # unfinished, which the database rolls back.
            os._exit(0)
        http.join(timeout=5)
        self.engine.dispose()
        logger.info("Stopped the service")
        return 0
