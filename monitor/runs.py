"""Scoring runs as the readers of rankings see them: the latest regular run, the one before it,
and the findings a run's scores are made of.

A back-fill (`monitor score --since/--until`) scores a past window. It is history: it shows in
plots and can be read by id, but it is never "the latest" ranking, digest or explanation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select

from monitor.models import Finding, RunFinding, ScoringRun, SupplierScore

_runs = ScoringRun.__table__.c  # type: ignore[attr-defined]


def latest_run(conn: Connection, before: int | None = None) -> Any | None:
    """The newest finished regular run (before run id `before`, if given): id, finished_at, as_of,
    window_start, window_end, or None."""
    query = select(_runs.id, _runs.finished_at, _runs.as_of, _runs.window_start, _runs.window_end).where(
        _runs.finished_at.is_not(None), _runs.backfill.is_(False))
    if before is not None:
        query = query.where(_runs.id < before)
    return conn.execute(query.order_by(_runs.id.desc()).limit(1)).first()


def findings_of_run(run_id: int) -> Select[Any]:
    """The findings run `run_id` reproduced (SELECT of the findings table's columns)."""
    f, rf = Finding.__table__, RunFinding.__table__  # type: ignore[attr-defined]
    return select(f).join(rf, rf.c.finding_id == f.c.id).where(rf.c.run_id == run_id)


def rule_hit_rates(conn: Connection, run_id: int) -> tuple[dict[str, int], int]:
    """How many suppliers each rule flagged in run `run_id`, and how many suppliers the run scored."""
    findings = findings_of_run(run_id).subquery()
    hits = {row.rule_id: row.suppliers for row in conn.execute(
        select(findings.c.rule_id, func.count(func.distinct(findings.c.supplier_id)).label("suppliers"))
        .group_by(findings.c.rule_id))}
    ss = SupplierScore.__table__.c  # type: ignore[attr-defined]
    scored = conn.execute(select(func.count()).select_from(SupplierScore.__table__).where(ss.run_id == run_id))
    return hits, scored.scalar_one()
