"""Reading the ranking back: the latest scoring run, with each supplier's change in rank."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor.labels import same_label
from monitor.models import Supplier, SupplierScore
from monitor.ranking.wording import reworded
from monitor.runs import latest_run

# A score this many points above or below the previous run's is rising or falling.
TREND_POINTS = 5.0


@dataclass
class RankedSupplier:
    rank: int
    org_number: str
    name: str
    contract_area: str
    score: float
    change: int | None  # places moved up since the previous run; None if not ranked then
    reasons: list[dict[str, Any]] = field(default_factory=list)
    previous_score: float | None = None
    components: dict[str, Any] = field(default_factory=dict)

    @property
    def trend(self) -> str:
        """new, rising, falling or steady: the score against the previous run's (5 points either way)."""
        if self.previous_score is None:
            return "new"
        if self.score >= self.previous_score + TREND_POINTS:
            return "rising"
        if self.score <= self.previous_score - TREND_POINTS:
            return "falling"
        return "steady"

    def as_json(self) -> dict[str, Any]:
        return {
            "org_number": self.org_number,
            "name": self.name,
            "contract_area": self.contract_area,
            "score": self.score,
            "rank": self.rank,
            "change": self.change,
            "previous_score": self.previous_score,
            "trend": self.trend,
            "components": self.components,
            "reasons": [
                {k: r[k] for k in ("source", "id", "title", "detail", "points", "evidence") if k in r}
                for r in self.reasons
            ],
        }


@dataclass
class Ranking:
    run_id: int
    scored_at: datetime
    suppliers: list[RankedSupplier]


def _worded(reasons: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    return [reworded(r, language) for r in reasons]


def latest_ranking(
    conn: Connection, top: int | None = None, area: str | None = None, language: str = "sv"
) -> Ranking | None:
    ss = SupplierScore.__table__.c  # type: ignore[attr-defined]
    suppliers_table = Supplier.__table__  # type: ignore[attr-defined]
    s = suppliers_table.c
    latest = latest_run(conn)
    if latest is None:
        return None
    before = latest_run(conn, before=latest.id)
    previous_id = before.id if before is not None else None
    previous = {}
    if previous_id is not None:
        previous = {
            r.supplier_id: (r.rank, r.score)
            for r in conn.execute(select(ss.supplier_id, ss.rank, ss.score).where(ss.run_id == previous_id))
        }
    query = (
        select(ss.supplier_id, ss.rank, ss.score, ss.reasons, ss.components, s.org_number, s.name, s.contract_area)
        .join(suppliers_table, s.id == ss.supplier_id)
        .where(ss.run_id == latest.id)
        .order_by(ss.rank)
    )
    rows = conn.execute(query).all()
    if area:
        rows = [row for row in rows if same_label(row.contract_area, area)]
    if area:
        # Within an area, places and their change are counted among that area's suppliers only.
        in_area = {row.supplier_id for row in rows}
        kept = sorted((rank, sid, score) for sid, (rank, score) in previous.items() if sid in in_area)
        previous = {sid: (place, score) for place, (_, sid, score) in enumerate(kept, start=1)}
    suppliers = []
    for position, row in enumerate(rows, start=1):
        before = previous.get(row.supplier_id)
        place = position if area else row.rank
        suppliers.append(
            RankedSupplier(
                rank=place,
                org_number=row.org_number,
                name=row.name,
                contract_area=row.contract_area,
                score=row.score,
                change=None if before is None else before[0] - place,
                reasons=_worded(row.reasons, language),
                previous_score=None if before is None else before[1],
                components=row.components or {},
            )
        )
    return Ranking(latest.id, latest.finished_at, suppliers[:top] if top else suppliers)
