"""Alerts as the team reads them: a list (by state) and one alert with its history and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor.alerts.lifecycle import load_alert
from monitor.alerts.states import STATES, AlertError
from monitor.models import Alert, AlertEvent, AlertNote, Supplier
from monitor.ranking.wording import reworded
from monitor.timestamps import local_iso

_alerts = Alert.__table__  # type: ignore[attr-defined]
_suppliers = Supplier.__table__  # type: ignore[attr-defined]
_events = AlertEvent.__table__  # type: ignore[attr-defined]
_notes = AlertNote.__table__  # type: ignore[attr-defined]
# The order of the list: what needs acting on first, then the closed cases.
_STATE_ORDER = {state: i for i, state in enumerate(STATES)}


@dataclass
class AlertSummary:
    org_number: str
    name: str
    state: str
    score: float
    opened: datetime
    assignee: str | None
    snoozed_until: datetime | None
    reasons: list[dict[str, Any]]
    changed: datetime
    changed_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "org_number": self.org_number, "name": self.name, "state": self.state, "score": self.score,
            "opened": local_iso(self.opened), "assignee": self.assignee,
            "snoozed_until": local_iso(self.snoozed_until) if self.snoozed_until else None,
            "reasons": [{k: r[k] for k in ("source", "id", "title", "detail", "points") if k in r}
                        for r in self.reasons],
        }


@dataclass
class AlertDetail:
    alert: AlertSummary
    snooze: dict[str, Any] | None
    dismissal: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {**self.alert.as_json(), "changed": local_iso(self.alert.changed),
                "changed_by": self.alert.changed_by, "snooze": self.snooze, "dismissal": self.dismissal,
                "events": self.events, "notes": self.notes}


def _summary(row: Any, language: str) -> AlertSummary:
    return AlertSummary(row.org_number, row.name, row.state, row.score, row.opened_at, row.assignee,
                        row.snoozed_until, [reworded(r, language) for r in row.reasons or []],
                        row.changed_at, row.changed_by)


def list_alerts(conn: Connection, state: str | None = None, language: str = "sv") -> list[AlertSummary]:
    """Alerts by state (new first), then highest score."""
    if state is not None and state not in STATES:
        raise AlertError("unknown_state", state=state, allowed=", ".join(STATES))
    query = select(_alerts, _suppliers.c.org_number, _suppliers.c.name).join(
        _suppliers, _suppliers.c.id == _alerts.c.supplier_id)
    if state is not None:
        query = query.where(_alerts.c.state == state)
    rows = [_summary(row, language) for row in conn.execute(query)]
    return sorted(rows, key=lambda a: (_STATE_ORDER[a.state], -a.score, a.org_number))


def show_alert(conn: Connection, org_number: str, language: str = "sv") -> AlertDetail:
    row = load_alert(conn, org_number)
    snooze = None
    if row.snoozed_until is not None:
        snooze = {"until": local_iso(row.snoozed_until), "by": row.snoozed_by, "reason": row.snooze_reason,
                  "at": local_iso(row.snoozed_at) if row.snoozed_at else None}
    dismissal = None
    if row.dismiss_reason is not None:
        dismissal = {"reason": row.dismiss_reason, "text": row.dismiss_text, "score": row.dismissed_score,
                     "kinds": row.dismissed_kinds}
    e, n = _events.c, _notes.c
    events = [{"at": local_iso(x.at), "actor": x.actor, "action": x.action, "before": x.before, "after": x.after,
               "reason": x.reason}
              for x in conn.execute(select(_events).where(e.alert_id == row.id).order_by(e.id))]
    notes = [{"at": local_iso(x.at), "author": x.author, "text": x.text}
             for x in conn.execute(select(_notes).where(n.alert_id == row.id).order_by(n.id))]
    return AlertDetail(_summary(row, language), snooze, dismissal, events, notes)
