"""What a regular scoring run does to the alerts, right after it stored its scores.

- A supplier whose score first reaches alerts.threshold gets an alert in state `ny`.
- Every alert takes the run's score and reasons (a score that falls does not close a case:
  people do).
- A snoozed alert wakes when the snooze has run out, when the score rose by
  alerts.wake_score_rise since the snooze, or when a high or critical finding appeared that
  was not there when it was snoozed; the wake-up event says which.
- A dismissed alert re-opens (as `ny`) only while the supplier is at the threshold and either
  shows evidence of another kind (a rule or source that was not among its reasons when it was
  dismissed) or scores alerts.reopen_score_rise above its score then; the event says which.

Safe to re-run: an alert already synced with a run is left alone, and the same evidence
scored again changes nothing but the run the alert was last seen in. A back-fill never gets
here (monitor.scoring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from monitor.alerts.audit import record_audit
from monitor.alerts.lifecycle import change_alert
from monitor.alerts.states import DISMISSED, NEW, OPEN_STATES, SYSTEM, evidence_kinds
from monitor.models import Alert, AlertEvent, Finding, Supplier
from monitor.runs import findings_of_run

if TYPE_CHECKING:
    from monitor.ranking.score import AlertsConfig, SupplierRisk

_alerts = Alert.__table__  # type: ignore[attr-defined]
_events = AlertEvent.__table__  # type: ignore[attr-defined]
_suppliers = Supplier.__table__  # type: ignore[attr-defined]
WAKING_SEVERITIES = ("high", "critical")


@dataclass
class AlertSync:
    opened: int = 0
    updated: int = 0
    woken: int = 0
    reopened: int = 0

    def as_json(self) -> dict[str, int]:
        return {"opened": self.opened, "updated": self.updated, "woken": self.woken, "reopened": self.reopened}


def sync_alerts(conn: Connection, run_id: int, ranking: list[SupplierRisk], config: AlertsConfig,
                now: datetime) -> AlertSync:
    """Bring the alerts in line with scoring run `run_id` (a regular run, its scores stored)."""
    result = AlertSync()
    # Locked (PostgreSQL) for the rest of the run's transaction: a step someone takes meanwhile
    # waits, rather than being overwritten with what the run read before it.
    existing = {row.supplier_id: row for row in conn.execute(
        select(_alerts, _suppliers.c.org_number, _suppliers.c.name)
        .join(_suppliers, _suppliers.c.id == _alerts.c.supplier_id).with_for_update(of=_alerts))}
    for risk in ranking:
        alert = existing.get(risk.supplier_id)
        if alert is None:
            if risk.score >= config.threshold:
                _open(conn, run_id, risk, config.threshold, now)
                result.opened += 1
            continue
        if alert.last_run_id is not None and alert.last_run_id >= run_id:
            continue  # already synced with this run (or a later one)
        values = {"score": risk.score, "reasons": risk.reasons, "last_run_id": run_id}
        if alert.state in OPEN_STATES and alert.snoozed_until is not None:
            why = _wake_reason(conn, alert, risk, run_id, config, now)
            if why is not None:
                change_alert(conn, alert, SYSTEM, "wake", {**values, "snoozed_until": None}, why[0], now, why[1])
                result.woken += 1
                continue
        elif alert.state == DISMISSED and risk.score >= config.threshold:
            why = _reopen_reason(alert, risk, config)
            if why is not None:
                change_alert(conn, alert, SYSTEM, "reopen", {**values, "state": NEW, "dismiss_reason": None},
                             why[0], now, why[1])
                result.reopened += 1
                continue
        conn.execute(update(_alerts).where(_alerts.c.id == alert.id).values(**values))
        result.updated += 1
    return result


def _open(conn: Connection, run_id: int, risk: SupplierRisk, threshold: float, now: datetime) -> None:
    alert_id = conn.execute(insert(_alerts).values(
        supplier_id=risk.supplier_id, state=NEW, score=risk.score, reasons=risk.reasons, opened_at=now,
        opened_run_id=run_id, last_run_id=run_id, dismissed_kinds=[], changed_at=now, changed_by=SYSTEM,
    ).returning(_alerts.c.id)).scalar_one()
    after = {"state": NEW, "assignee": None, "snoozed_until": None, "snooze_reason": None,
             "dismiss_reason": None, "score": risk.score,
             "cause": {"kind": "threshold", "score": risk.score, "threshold": threshold}}
    why = f"score {risk.score:g} reached the alert threshold"
    conn.execute(insert(_events).values(alert_id=alert_id, actor=SYSTEM, at=now, action="open", before={},
                                        after=after, reason=why))
    record_audit(conn, SYSTEM, "alert.open", "alert", risk.org_number, None, {**after, "reason": why}, at=now)


# Why the system changed an alert: in English for the log, and in numbers to word for a reader.
Why = tuple[str, dict[str, Any]]


def _wake_reason(conn: Connection, alert: Any, risk: SupplierRisk, run_id: int, config: AlertsConfig,
                 now: datetime) -> Why | None:
    if alert.snoozed_until <= now:
        return (f"the snooze ran out ({alert.snoozed_until.isoformat()})",
                {"kind": "snooze_expired", "until": alert.snoozed_until.isoformat()})
    base = alert.snooze_score if alert.snooze_score is not None else alert.score
    if risk.score >= base + config.wake_score_rise:
        return (f"score rose from {base:g} to {risk.score:g} (wake at +{config.wake_score_rise:g})",
                {"kind": "score_rise", "from": base, "to": risk.score})
    f = Finding.__table__.c  # type: ignore[attr-defined]
    query = findings_of_run(run_id).where(f.supplier_id == alert.supplier_id,
                                          f.severity.in_(WAKING_SEVERITIES))
    if alert.snooze_run_id is not None:
        query = query.where(f.first_seen_run_id > alert.snooze_run_id)
    found = conn.execute(query.order_by(f.id).limit(1)).first()
    if found is not None:
        return (f"new {found.severity} finding: {found.rule_id} ({found.title})",
                {"kind": "new_finding", "finding_id": found.id, "rule_id": found.rule_id, "severity": found.severity})
    return None


def _reopen_reason(alert: Any, risk: SupplierRisk, config: AlertsConfig) -> Why | None:
    new_kinds = sorted(set(evidence_kinds(risk.reasons)) - set(alert.dismissed_kinds or []))
    if new_kinds:
        return f"new evidence of another kind: {', '.join(new_kinds)}", {"kind": "new_evidence", "kinds": new_kinds}
    base = alert.dismissed_score if alert.dismissed_score is not None else alert.score
    if risk.score >= base + config.reopen_score_rise:
        return (f"score rose from {base:g} when dismissed to {risk.score:g} (re-open at +{config.reopen_score_rise:g})",
                {"kind": "score_rise", "from": base, "to": risk.score})
    return None


