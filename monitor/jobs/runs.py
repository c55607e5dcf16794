"""Job run history: a `job_runs` row per run, written in short transactions of its own so a job
that rolls back (or dies) still leaves its trace."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from monitor.db import utcnow
from monitor.jobs.leases import holder_state
from monitor.models import JobRun, Lease

logger = logging.getLogger(__name__)
_runs = JobRun.__table__  # type: ignore[attr-defined]
STATUSES = ("ok", "failed", "skipped", "interrupted", "running")


@dataclass(frozen=True)
class RunRecord:
    id: int
    job: str
    trigger: str
    holder: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        out["seconds"] = self.seconds
        return out


def lease_name(job: str) -> str:
    """The lease a job's runs hold (see monitor.jobs.leases)."""
    return f"job:{job}"


def _record(row: Any) -> RunRecord:
    status, error = row.status, row.error
    if status == "running" and holder_state(row.holder) is False:
        # Its process is gone (on SQLite a job stopped at shutdown holds the write lock, so its
        # row could not be closed): shown as what it is; the next `monitor run` closes it.
        status, error = "interrupted", "the process running it stopped; its work was rolled back"
    return RunRecord(row.id, row.job, row.trigger, row.holder, row.started_at, row.finished_at, status,
                     dict(row.counts or {}), error)


def start_run(engine: Engine, job: str, holder: str, trigger: str, now: datetime | None = None) -> int:
    with engine.begin() as conn:
        return int(conn.execute(
            insert(_runs).values(job=job, holder=holder, trigger=trigger, started_at=now or utcnow(),
                                 status="running", counts={}).returning(_runs.c.id)
        ).scalar_one())


def finish_run(engine: Engine, run_id: int, status: str, counts: dict[str, Any] | None = None,
               error: str | None = None, busy_ms: int | None = None) -> bool:
    """Close a running row; False if it was closed already (e.g. marked interrupted meanwhile).

    `busy_ms`: on SQLite, wait at most this long for another writer (at shutdown the job being
    stopped may hold the only write lock; its row is then closed on the next start instead)."""
    with engine.begin() as conn:
        if busy_ms is not None and conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(busy_ms)}")
        changed = conn.execute(
            update(_runs).where(_runs.c.id == run_id, _runs.c.status == "running")
            .values(status=status, finished_at=utcnow(), counts=counts or {}, error=error)
        ).rowcount
    return changed == 1


def record_skipped(engine: Engine, job: str, holder: str, trigger: str, reason: str) -> int:
    now = utcnow()
    with engine.begin() as conn:
        return int(conn.execute(
            insert(_runs).values(job=job, holder=holder, trigger=trigger, started_at=now, finished_at=now,
                                 status="skipped", counts={}, error=reason).returning(_runs.c.id)
        ).scalar_one())


def close_dead_runs(engine: Engine) -> int:
    """Runs left `running` by a process that is gone (killed, or stopped before its row could be
    closed) become interrupted: their transaction died with them. On this machine the process
    table tells; elsewhere, a run whose holder no longer has the job's lease (released only after
    the row is closed, or expired and taken over) is dead."""
    leases = Lease.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        running = conn.execute(select(_runs.c.id, _runs.c.job, _runs.c.holder).where(_runs.c.status == "running")).all()
        held = {(r.name, r.holder) for r in conn.execute(select(leases.c.name, leases.c.holder))}
    closed = 0
    for row in running:
        state = holder_state(row.holder)
        dead = state is False or (state is None and (lease_name(row.job), row.holder) not in held)
        if dead and finish_run(
                engine, row.id, "interrupted", error="the process running it stopped; its work was rolled back"):
            closed += 1
    if closed:
        logger.warning("Marked runs of stopped processes interrupted runs=%d", closed)
    return closed


def run_history(engine: Engine, job: str | None = None, limit: int = 50) -> list[RunRecord]:
    query = select(_runs).order_by(_runs.c.id.desc()).limit(limit)
    if job is not None:
        query = query.where(_runs.c.job == job)
    with engine.connect() as conn:
        return [_record(r) for r in conn.execute(query)]


def last_runs(engine: Engine) -> dict[str, dict[str, RunRecord | None]]:
    """Per job: its latest run and its latest successful run."""
    out: dict[str, dict[str, RunRecord | None]] = {}
    with engine.connect() as conn:
        for key, where in (("last_run", None), ("last_success", _runs.c.status == "ok")):
            newest = select(_runs.c.job, func.max(_runs.c.id).label("id")).group_by(_runs.c.job)
            if where is not None:
                newest = newest.where(where)
            sub = newest.subquery()
            for row in conn.execute(select(_runs).join(sub, sub.c.id == _runs.c.id)):
                out.setdefault(row.job, {"last_run": None, "last_success": None})[key] = _record(row)
    return out


def failing_jobs(engine: Engine) -> list[RunRecord]:
    """Jobs whose latest finished run (skips aside) failed: what the digest's footer warns of."""
    sub = (select(_runs.c.job, func.max(_runs.c.id).label("id"))
           .where(_runs.c.status.in_(("ok", "failed", "interrupted"))).group_by(_runs.c.job).subquery())
    with engine.connect() as conn:
        rows = conn.execute(select(_runs).join(sub, sub.c.id == _runs.c.id)
                            .where(_runs.c.status == "failed").order_by(_runs.c.job))
        return [_record(r) for r in rows]
