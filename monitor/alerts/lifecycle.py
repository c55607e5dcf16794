"""What people do with an alert: review, assign, escalate, confirm, dismiss, snooze, note.

Each function takes the connection (the caller's transaction), the supplier's org number and
the name of the person acting; it changes the alert, appends an alert event and an audit row,
and returns the alert as it now is. A step the state does not allow raises AlertError."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from monitor.alerts.audit import record_audit
from monitor.alerts.states import (
    CONFIRMED,
    DISMISSED,
    ESCALATED,
    IN_REVIEW,
    OPEN_STATES,
    AlertError,
    check_actor,
    check_transition,
    evidence_kinds,
)
from monitor.db import utcnow
from monitor.imports.fields import org_number_as_stored
from monitor.models import Alert, AlertEvent, AlertNote, Supplier

_alerts = Alert.__table__  # type: ignore[attr-defined]
_events = AlertEvent.__table__  # type: ignore[attr-defined]
_notes = AlertNote.__table__  # type: ignore[attr-defined]
_suppliers = Supplier.__table__  # type: ignore[attr-defined]
# What an event and the audit log keep of an alert before and after a change.
SNAPSHOT = ("state", "assignee", "snoozed_until", "snooze_reason", "dismiss_reason", "score")


def snapshot(alert: Any) -> dict[str, Any]:
    values = {name: getattr(alert, name) for name in SNAPSHOT}
    if values["snoozed_until"] is not None:
        values["snoozed_until"] = values["snoozed_until"].isoformat()
    return values


def load_alert(conn: Connection, org_number: str, for_change: bool = False) -> Any:
    """The alert of the supplier with this org number (with or without hyphen), with the
    supplier's org_number and name; AlertError if there is none. `for_change` locks the row
    (PostgreSQL) until the transaction ends, so two people taking a step on the same alert at
    once are served one after the other, the second seeing the first's change."""
    s = _suppliers.c
    stored = org_number_as_stored(org_number)
    supplier = conn.execute(select(s.id, s.name).where(s.org_number == stored)).first()
    if supplier is None:
        raise AlertError("no_supplier", org=org_number)
    query = (select(_alerts, s.org_number, s.name).join(_suppliers, s.id == _alerts.c.supplier_id)
             .where(_alerts.c.supplier_id == supplier.id))
    row = conn.execute(query.with_for_update(of=_alerts) if for_change else query).first()
    if row is None:
        raise AlertError("no_alert", name=supplier.name, org=stored)
    return row


def change_alert(conn: Connection, alert: Any, actor: str, action: str, values: dict[str, Any],
                 reason: str | None = None, now: datetime | None = None, cause: dict[str, Any] | None = None) -> Any:
    """Store a change with its event and audit row; the alert as it now is. `cause` says in
    numbers why the system made the change ({"kind": "score_rise", "from": 50, "to": 61}), so
    the digest and the UI can word it in the reader's language; `reason` is the same in English."""
    now = now or utcnow()
    conn.execute(update(_alerts).where(_alerts.c.id == alert.id).values(**values, changed_at=now, changed_by=actor))
    after = conn.execute(
        select(_alerts, _suppliers.c.org_number, _suppliers.c.name)
        .join(_suppliers, _suppliers.c.id == _alerts.c.supplier_id).where(_alerts.c.id == alert.id)
    ).one()
    before_values, after_values = snapshot(alert), snapshot(after)
    if cause is not None:
        after_values["cause"] = cause
    conn.execute(insert(_events).values(alert_id=alert.id, actor=actor, at=now, action=action,
                                        before=before_values, after=after_values, reason=reason))
    record_audit(conn, actor, f"alert.{action}", "alert", after.org_number, before_values,
                 {**after_values, **({"reason": reason} if reason else {})}, at=now)
    return after


def _step(conn: Connection, org_number: str, actor: str, target: str, action: str,
          values: dict[str, Any] | None = None, reason: str | None = None, now: datetime | None = None) -> Any:
    actor = check_actor(actor)
    alert = load_alert(conn, org_number, for_change=True)
    check_transition(alert.state, target)
    return change_alert(conn, alert, actor, action, {"state": target, **(values or {})}, reason, now)


def review(conn: Connection, org_number: str, actor: str, assignee: str | None = None,
           now: datetime | None = None) -> Any:
    """Take the alert into review, assigned to `assignee` (the actor if not given)."""
    return _step(conn, org_number, actor, IN_REVIEW, "review", {"assignee": check_actor(assignee or actor)}, now=now)


def escalate(conn: Connection, org_number: str, actor: str, reason: str | None = None,
             now: datetime | None = None) -> Any:
    """A police report or a formal review: the case goes on outside this product."""
    return _step(conn, org_number, actor, ESCALATED, "escalate", {"snoozed_until": None}, reason, now)


def confirm(conn: Connection, org_number: str, actor: str, reason: str | None = None,
            now: datetime | None = None) -> Any:
    return _step(conn, org_number, actor, CONFIRMED, "confirm", {"snoozed_until": None}, reason, now)


def dismiss(conn: Connection, org_number: str, actor: str, reason_id: str, text: str,
            reasons_allowed: dict[str, str], now: datetime | None = None) -> Any:
    """Dismiss with a reason from alerts.dismiss_reasons (rules/scoring.yaml) and free text.
    What the alert stood on is kept, so only evidence of another kind or a clearly higher
    score re-opens it (sync.py)."""
    if reason_id not in reasons_allowed:
        raise AlertError("dismiss_reason", reason=reason_id, allowed=", ".join(reasons_allowed))
    if not text.strip():
        raise AlertError("dismiss_text")
    alert = load_alert(conn, org_number, for_change=True)
    values = {"dismiss_reason": reason_id, "dismiss_text": text.strip(), "dismissed_score": alert.score,
              "dismissed_kinds": evidence_kinds(alert.reasons), "snoozed_until": None}
    return _step(conn, org_number, actor, DISMISSED, "dismiss", values, f"{reason_id}: {text.strip()}", now)


def assign(conn: Connection, org_number: str, actor: str, assignee: str, now: datetime | None = None) -> Any:
    actor, assignee = check_actor(actor), check_actor(assignee)
    alert = load_alert(conn, org_number, for_change=True)
    if alert.state not in OPEN_STATES:
        raise AlertError("closed_assign", state=alert.state)
    return change_alert(conn, alert, actor, "assign", {"assignee": assignee}, now=now)


def snooze(conn: Connection, org_number: str, actor: str, until: datetime, reason: str,
           now: datetime | None = None) -> Any:
    """Quiet until `until`; a clear rise in score or a new high or critical finding wakes it sooner."""
    actor, now = check_actor(actor), now or utcnow()
    if not reason.strip():
        raise AlertError("snooze_reason")
    if until <= now:
        raise AlertError("snooze_past", until=until.isoformat())
    alert = load_alert(conn, org_number, for_change=True)
    if alert.state not in OPEN_STATES:
        raise AlertError("closed_snooze", state=alert.state)
    values = {"snoozed_until": until, "snoozed_at": now, "snoozed_by": actor, "snooze_reason": reason.strip(),
              "snooze_score": alert.score, "snooze_run_id": alert.last_run_id}
    return change_alert(conn, alert, actor, "snooze", values, reason.strip(), now)


def add_note(conn: Connection, org_number: str, actor: str, text: str, now: datetime | None = None) -> int:
    """A note on the alert, in any state; the note's id."""
    actor, now = check_actor(actor), now or utcnow()
    if not text.strip():
        raise AlertError("note_empty")
    alert = load_alert(conn, org_number, for_change=True)
    note_id = conn.execute(
        insert(_notes).values(alert_id=alert.id, author=actor, at=now, text=text.strip()).returning(_notes.c.id)
    ).scalar_one()
    record_audit(conn, actor, "alert.note", "alert", alert.org_number, None, {"note_id": note_id, "text": text.strip()},
                 at=now)
    return int(note_id)

