"""The lifecycle steps a page form or POST /api/alerts/{org_number}/{action} asks for, handed to
monitor.alerts.lifecycle (which stores the change, its event and its audit row)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from monitor.alerts import lifecycle
from monitor.alerts.states import OPEN_STATES, TRANSITIONS, AlertError
from monitor.db import utcnow
from monitor.timestamps import STOCKHOLM

ACTIONS = ("review", "assign", "escalate", "confirm", "dismiss", "snooze", "note")
# The state each state-changing action leads to.
TARGETS = {"review": "under_granskning", "escalate": "eskalerad", "confirm": "bekraftad", "dismiss": "avskriven"}


def allowed_actions(state: str) -> list[str]:
    """The actions to offer for an alert in `state` (notes always; assign and snooze while open)."""
    return [a for a in ACTIONS
            if (a in TARGETS and TARGETS[a] in TRANSITIONS.get(state, ()))
            or (a in ("assign", "snooze") and state in OPEN_STATES) or a == "note"]


def snooze_until(until: str | None, days: int | None) -> datetime:
    """A date (YYYY-MM-DD, from 00:00 Swedish time) or a number of days from now."""
    if until:
        try:
            day = date.fromisoformat(until.strip())
        except ValueError as exc:
            raise AlertError("snooze_date", until=until) from exc
        return datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM)
    if days is not None and days > 0:
        return utcnow() + timedelta(days=days)
    raise AlertError("snooze_when")


def _check_text(fields: dict[str, Any]) -> None:
    """Control characters (NUL ...) are no part of a name, reason or note, and PostgreSQL refuses NUL."""
    for name, value in fields.items():
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise AlertError("control", field=name)


def perform(conn: Connection, org_number: str, actor: str, action: str, fields: dict[str, Any],
            dismiss_reasons: dict[str, str]) -> None:
    _check_text(fields)
    def text(name: str) -> str:
        value = fields.get(name)
        return value.strip() if isinstance(value, str) else ""

    if action == "review":
        lifecycle.review(conn, org_number, actor, text("assignee") or None)
    elif action == "assign":
        if not text("assignee"):
            raise AlertError("no_assignee")
        lifecycle.assign(conn, org_number, actor, text("assignee"))
    elif action == "escalate":
        lifecycle.escalate(conn, org_number, actor, text("reason") or None)
    elif action == "confirm":
        lifecycle.confirm(conn, org_number, actor, text("reason") or None)
    elif action == "dismiss":
        lifecycle.dismiss(conn, org_number, actor, text("reason"), text("text"), dismiss_reasons)
    elif action == "snooze":
        days = fields.get("days")
        lifecycle.snooze(conn, org_number, actor, snooze_until(text("until"), int(days) if days else None),
                         text("reason"))
    elif action == "note":
        lifecycle.add_note(conn, org_number, actor, text("text"))
    else:
        raise AlertError("unknown_action", action=action, allowed=", ".join(ACTIONS))
