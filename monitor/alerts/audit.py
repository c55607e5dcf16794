"""The audit log: who did or saw what, and when, with the object before and after.

Rows are only ever added: this module has no way to change or remove one, and the database
refuses UPDATE and DELETE on audit_log with a trigger (migration 0011)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from monitor.db import utcnow
from monitor.models import AuditEntry

_audit = AuditEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "action": self.action,
                "object_type": self.object_type, "object_id": self.object_id,
                "before": self.before, "after": self.after}


def record_audit(conn: Connection, actor: str, action: str, object_type: str, object_id: str,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                 at: datetime | None = None) -> None:
    conn.execute(insert(_audit).values(at=at or utcnow(), actor=actor, action=action, object_type=object_type,
                                       object_id=object_id, before=before, after=after))


def audit_entries(conn: Connection, since: datetime | None = None) -> list[AuditRow]:
    """The log oldest first, from `since` if given."""
    c = _audit.c
    query = select(c.id, c.at, c.actor, c.action, c.object_type, c.object_id, c.before, c.after).order_by(c.id)
    if since is not None:
        query = query.where(c.at >= since)
    return [AuditRow(*row) for row in conn.execute(query)]


def change_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """Only what changed, as `field: old -> new` (a row that only adds shows what it added)."""
    before, after = before or {}, after or {}
    changed = [k for k in after if before.get(k) != after[k]] + [k for k in before if k not in after]
    return "; ".join(f"{k}: {before[k]} -> {after.get(k)}" if before.get(k) is not None else f"{k}: {after.get(k)}"
                     for k in changed)
