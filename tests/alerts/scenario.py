"""The alert tests' scenario: Hemtjänst Beta's carer registered a visit at Astrid's home while
the team watched the door and saw nobody; Omsorg Alfa did nothing unusual."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from monitor.config import PROJECT_DIR
from monitor.models import Finding, RunFinding, ScoringRun, Supplier
from monitor.ranking.score import AlertsConfig
from tests.conftest import ASTRID_HOME

RULES_DIR = PROJECT_DIR / "rules"
NOW = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)
ALERTS = AlertsConfig(threshold=20, wake_score_rise=10, reopen_score_rise=20)


def watch(observation_id: str, day: str) -> dict[str, str]:
    return {"observation_id": observation_id, "address": ASTRID_HOME, "latitude": "59.2301",
            "longitude": "17.9802", "observed_from": f"{day} 08:00", "observed_to": f"{day} 10:00",
            "staff_seen": "nej", "observer": "Team Syd", "note": ""}


def supplier_ids(engine: Engine) -> dict[str, int]:
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {row.org_number: row.id for row in conn.execute(select(s.id, s.org_number))}


def new_run(conn, backfill: bool = False) -> int:
    runs = ScoringRun.__table__  # type: ignore[attr-defined]
    return conn.execute(insert(runs).values(started_at=NOW, finished_at=NOW, backfill=backfill)
                        .returning(runs.c.id)).scalar_one()




def rule_reason(rule_id: str, points: float = 30.0, severity: str = "high") -> dict:
    return {"source": "rule", "id": rule_id, "title": rule_id, "severity": severity, "detail": "", "points": points}


def score_run(engine: Engine, supplier_id: int, score: float, reasons: list[dict], now: datetime = NOW,
              config: AlertsConfig = ALERTS, new_findings: list[tuple[str, str]] = ()) -> Any:
    """A regular scoring run in which the supplier scored `score` with `reasons`, and first saw
    the findings `new_findings` ((rule id, severity) pairs); the alerts synced with it."""
    from monitor.alerts.sync import sync_alerts
    from monitor.ranking.score import SupplierRisk

    f, rf = Finding.__table__, RunFinding.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        run_id = new_run(conn)
        for rule_id, severity in new_findings:
            finding_id = conn.execute(insert(f).values(
                fingerprint=f"{run_id}-{rule_id}", rule_id=rule_id, rule_version="1", supplier_id=supplier_id,
                period_start=now - timedelta(days=7), period_end=now, severity=severity, title=f"{rule_id} title",
                first_seen_run_id=run_id, last_seen_run_id=run_id, created_at=now, detail={}, evidence={},
            ).returning(f.c.id)).scalar_one()
            conn.execute(insert(rf).values(run_id=run_id, finding_id=finding_id))
        org = conn.execute(select(Supplier.__table__.c.org_number)  # type: ignore[attr-defined]
                           .where(Supplier.__table__.c.id == supplier_id)).scalar_one()  # type: ignore[attr-defined]
        risk = SupplierRisk(supplier_id, org, "", "", score=score, reasons=reasons)
        return sync_alerts(conn, run_id, [risk], config, now)
