"""Run one job: take its lease, record the run, renew the lease while it works, record how it ended.

The same path serves the scheduler and `monitor jobs run NAME`, so a job run by hand and one run
by the service (or by a second service on the same database) never overlap. A job that raises is
recorded as failed with its error; it never reaches the scheduler, which goes on with the next.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from monitor.jobs import runs
from monitor.jobs.context import JobContext
from monitor.jobs.leases import LeaseBusy, LeaseHolder, acquire, release, this_process
from monitor.jobs.metrics import JOB_DURATION
from monitor.jobs.runs import lease_name
from monitor.jobs.tasks import TASKS

logger = logging.getLogger(__name__)


@dataclass
class Active:
    """A job running in this process now: what shutdown must stop and record."""

    run_id: int
    job: str
    lease: LeaseHolder


_active: dict[int, Active] = {}
_active_lock = threading.Lock()


def active_runs() -> list[Active]:
    with _active_lock:
        return list(_active.values())


@dataclass(frozen=True)
class Ended:
    run_id: int
    status: str  # ok | failed | skipped
    counts: dict[str, object]
    error: str | None = None


def run_job(ctx: JobContext, name: str, trigger: str = "schedule") -> Ended:
    """Run job `name` of the schedule now, unless another process is running it (then: skipped)."""
    spec = ctx.schedule.jobs[name]
    holder = this_process()
    try:
        lease = acquire(ctx.engine, lease_name(name), ctx.schedule.lease_ttl, holder)
    except LeaseBusy as exc:
        logger.info("Skipped job, another process runs it job=%s holder=%s", name, exc.holder)
        run_id = runs.record_skipped(ctx.engine, name, holder, trigger, str(exc))
        JOB_DURATION.labels(job=name, status="skipped").observe(0)
        return Ended(run_id, "skipped", {}, str(exc))
    started = time.monotonic()
    try:
        run_id = runs.start_run(ctx.engine, name, holder, trigger)
    except BaseException:
        release(lease)
        raise
    with _active_lock:
        _active[run_id] = Active(run_id, name, lease)
    stop_renewing = threading.Event()
    renewer = threading.Thread(target=_keep_renewed, args=(lease, stop_renewing), daemon=True,
                               name=f"lease-{name}")
    renewer.start()
    logger.info("Started job job=%s run_id=%d trigger=%s", name, run_id, trigger)
    try:
        counts = TASKS[ctx.schedule.task_of(name)](ctx, {**spec.params, "run_id": run_id})
        status, error = "ok", None
    except LeaseBusy as exc:
        # The stage's own lock (e.g. `monitor score` typed by hand right now): not a failure.
        counts, status, error = {}, "skipped", str(exc)
    except Exception as exc:
        logger.exception("Job failed job=%s run_id=%d", name, run_id)
        counts, status, error = {}, "failed", f"{type(exc).__name__}: {exc}"
    finally:
        stop_renewing.set()
        renewer.join()
    runs.finish_run(ctx.engine, run_id, status, counts, error)
    release(lease)
    with _active_lock:
        _active.pop(run_id, None)
    seconds = time.monotonic() - started
    JOB_DURATION.labels(job=name, status=status).observe(seconds)
    logger.info("Finished job job=%s run_id=%d status=%s seconds=%.1f", name, run_id, status, seconds)
    return Ended(run_id, status, counts, error)


def _keep_renewed(lease: LeaseHolder, stop: threading.Event) -> None:
    """Renew the lease at a third of its time, so a live run keeps it and a dead one loses it."""
    interval = lease.ttl.total_seconds() / 3
    while not stop.wait(interval):
        try:
            lease.renew()
        except Exception:
            logger.warning("Unable to renew a lease name=%s", lease.name, exc_info=True)
