"""APScheduler 3 wiring, nothing else: the schedule's jobs into a job store in our own database.

The job store (table `scheduler_jobs`, made by the migrations) keeps each job's next run, so a
run missed while the service was down runs once on start if within its misfire grace time
(coalesce: a week of missed 5-minute polls is one poll). Its entries name a job only; the context
they run with is the one this process built at startup.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from monitor.db import make_engine, utcnow
from monitor.jobs.context import JobContext
from monitor.jobs.runner import run_job
from monitor.jobs.schedule import Schedule
from monitor.timestamps import STOCKHOLM

logger = logging.getLogger(__name__)
JOB_TABLE = "scheduler_jobs"
SCORE_AFTER_IMPORT = "score-after-import"

_context: JobContext | None = None
stopping = threading.Event()


def scheduled_run(name: str, trigger: str = "schedule") -> None:
    """What the job store calls. Once shutdown began, a job still queued does not start."""
    if stopping.is_set() or _context is None:
        return
    run_job(_context, name, trigger)


def job_store_engine(engine: Engine) -> Engine:
    """Where the job store lives: the database itself, except on SQLite, where a running job's
    transaction holds the file's only write lock for as long as it runs and the scheduler could
    not even note a job's next run meanwhile; there it is a file beside the database
    (monitor.db -> monitor.scheduler.db), shared the same way by every process using it."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return engine
    path = Path(url.database)
    store = path.with_name(f"{path.stem}.scheduler{path.suffix or '.db'}")
    return make_engine(f"sqlite:///{store}")


def build_scheduler(ctx: JobContext) -> BackgroundScheduler:
    global _context
    _context = ctx
    # SQLite has a single writer: jobs in parallel would only queue on its lock (and a long
    # scoring run would make a short job time out), so one job at a time there.
    workers = 1 if ctx.engine.dialect.name == "sqlite" else 4
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=job_store_engine(ctx.engine), tablename=JOB_TABLE),
                   "transient": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=STOCKHOLM,
    )


def sync_jobs(scheduler: BackgroundScheduler, schedule: Schedule) -> None:
    """Make the job store hold the schedule's jobs. A job whose timing did not change keeps its
    stored next run (that is how a missed run is caught up); a changed one starts afresh."""
    enabled = schedule.enabled()
    for name, spec in enabled.items():
        trigger = spec.trigger()
        grace = int(spec.misfire_grace_minutes * 60) or 1
        existing = scheduler.get_job(name, jobstore="default")
        if existing is not None and str(existing.trigger) == str(trigger) and existing.misfire_grace_time == grace:
            continue
        scheduler.add_job(scheduled_run, trigger, args=[name], id=name, name=name, jobstore="default",
                          replace_existing=True, misfire_grace_time=grace)
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id not in enabled:
            logger.info("Removed a job no longer in the schedule job=%s", job.id)
            job.remove()


def score_soon(scheduler: BackgroundScheduler, schedule: Schedule) -> None:
    """Score after new evidence, debounced: each call moves the run to `score_after_import_seconds`
    from now, so a morning's batch of files gives one scoring run."""
    delay = schedule.inbox.score_after_import_seconds
    name = next((n for n in schedule.enabled() if schedule.task_of(n) == "score"), None)
    if not delay or name is None or stopping.is_set():
        return
    scheduler.add_job(scheduled_run, "date", run_date=utcnow() + timedelta(seconds=delay), args=[name, "event"],
                      id=SCORE_AFTER_IMPORT, jobstore="transient", replace_existing=True, misfire_grace_time=3600)
