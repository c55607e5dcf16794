"""The alert queue as the Larm page shows it: the alerts of monitor.alerts.listing with their
supplier's contract area and the change in score since last week, filtered and counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection, select

from monitor.alerts.listing import AlertSummary, list_alerts
from monitor.alerts.states import STATES
from monitor.models import ScoringRun, Supplier, SupplierScore
from monitor.runs import latest_run

# The run a week back is the latest regular run finished this long before the latest one
# (a day's slack, so a nightly run a few minutes late still counts as a week ago).
WEEK = timedelta(days=6)


@dataclass
class QueueRow:
    alert: AlertSummary
    contract_area: str
    change: float | None  # score points since the run a week before the latest; None if not scored then


@dataclass
class QueueFilter:
    state: str | None = None
    assignee: str | None = None
    area: str | None = None
    min_score: float | None = None


@dataclass
class Queue:
    rows: list[QueueRow]
    counts: dict[str, int]  # per state, over every alert
    areas: list[str]
    assignees: list[str]
    applied: QueueFilter = field(default_factory=QueueFilter)


def week_ago_scores(conn: Connection) -> dict[int, float]:
    """Supplier id -> score in the latest regular run finished a week or more before the latest run."""
    latest = latest_run(conn)
    if latest is None:
        return {}
    runs, ss = ScoringRun.__table__.c, SupplierScore.__table__.c  # type: ignore[attr-defined]
    before = conn.execute(select(runs.id).where(runs.finished_at.is_not(None), runs.backfill.is_(False),
                                                runs.finished_at <= latest.finished_at - WEEK)
                          .order_by(runs.id.desc()).limit(1)).scalar()
    if before is None:
        return {}
    return dict(conn.execute(select(ss.supplier_id, ss.score).where(ss.run_id == before)).all())


def alert_queue(conn: Connection, wanted: QueueFilter, language: str) -> Queue:
    """Every alert matching the filter, highest score first."""
    alerts = list_alerts(conn, None, language)
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    suppliers = {row.org_number: (row.id, row.contract_area)
                 for row in conn.execute(select(s.id, s.org_number, s.contract_area))}
    before = week_ago_scores(conn)
    rows = []
    for alert in alerts:
        supplier_id, area = suppliers[alert.org_number]
        then = before.get(supplier_id)
        rows.append(QueueRow(alert, area, None if then is None else round(alert.score - then, 1)))
    counts = {state: sum(r.alert.state == state for r in rows) for state in STATES}
    areas = sorted({r.contract_area for r in rows})
    assignees = sorted({r.alert.assignee for r in rows if r.alert.assignee})
    shown = [r for r in rows if _matches(r, wanted)]
    shown.sort(key=lambda r: (-r.alert.score, r.alert.org_number))
    return Queue(shown, counts, areas, assignees, wanted)


def _matches(row: QueueRow, wanted: QueueFilter) -> bool:
    a = row.alert
    return ((not wanted.state or a.state == wanted.state)
            and (not wanted.assignee or (a.assignee or "") == wanted.assignee)
            and (not wanted.area or row.contract_area == wanted.area)
            and (wanted.min_score is None or a.score >= wanted.min_score))

