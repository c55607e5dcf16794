"""The service's state as one JSON-ready dict, for `GET /status` and `monitor status` alike:
each job's last run, last success and next run; the feeds' health; the latest digest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from monitor.db import utcnow
from monitor.jobs.runs import RunRecord, last_runs
from monitor.jobs.schedule import Schedule
from monitor.models import DigestLog, Feed, SchedulerJob
from monitor.timestamps import local_iso


def _iso(value: datetime | None) -> str | None:
    return local_iso(value) if value else None


def _run(record: RunRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"status": record.status, "started_at": _iso(record.started_at),
            "finished_at": _iso(record.finished_at), "error": record.error, "counts": record.counts}


def next_runs(engine: Engine) -> dict[str, datetime | None]:
    """Each stored job's next run, as the job store (shared by every instance) has it."""
    from monitor.jobs.scheduler import job_store_engine

    jobs = SchedulerJob.__table__.c  # type: ignore[attr-defined]
    store = job_store_engine(engine)
    try:
        with store.connect() as conn:
            return {row.id: datetime.fromtimestamp(row.next_run_time, UTC) if row.next_run_time is not None else None
                    for row in conn.execute(select(jobs.id, jobs.next_run_time))}
    except OperationalError:
        return {}  # the service never ran here: no job store yet
    finally:
        if store is not engine:
            store.dispose()


def service_status(engine: Engine, schedule: Schedule, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    runs, upcoming = last_runs(engine), next_runs(engine)
    jobs: dict[str, Any] = {}
    for name, spec in schedule.jobs.items():
        last = runs.get(name, {})
        stored = upcoming.get(name)
        # Not yet in the job store (the service never ran with it): when it would run.
        planned = stored if name in upcoming else spec.trigger().get_next_fire_time(None, now)
        jobs[name] = {
            "schedule": spec.describe(), "enabled": spec.enabled,
            "last_run": _run(last.get("last_run")),
            "last_success": _iso(last["last_success"].finished_at) if last.get("last_success") else None,
            "next_run": _iso(planned) if spec.enabled else None,
        }
    f, d = Feed.__table__.c, DigestLog.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        health = {healthy: count for healthy, count in conn.execute(
            select(f.healthy, func.count()).where(f.enabled.is_(True)).group_by(f.healthy))}
        digest = conn.execute(select(d.period, d.status, d.sent_at, d.error).order_by(d.period.desc()).limit(1)).first()
    return {
        "jobs": jobs,
        "failing_jobs": sorted(n for n, j in jobs.items() if (j["last_run"] or {}).get("status") == "failed"),
        "feeds": {"healthy": health.get(True, 0), "failing": health.get(False, 0)},
        "digest": None if digest is None else {"week": digest.period, "status": digest.status,
                                               "sent_at": _iso(digest.sent_at), "error": digest.error},
    }
