"""Logg (admins only): the audit log, newest first, filtered by who, what, object and day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from monitor.alerts.audit import audit_entries, change_text
from monitor.timestamps import day_start
from monitor.web.auth import Identity, require
from monitor.web.context import render, web_of

router = APIRouter()
MAX_ROWS = 500


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/audit")
def audit_page(request: Request, identity: Annotated[Identity, Depends(require("admin"))],
               actor: str | None = None, action: str | None = None, object_id: str | None = None,
               since: str | None = None) -> Response:
    web = web_of(request)
    day = _day(since)
    with web.engine.connect() as conn:
        rows = audit_entries(conn, day_start(day) if day else None)
    rows = [r for r in reversed(rows)
            if (not actor or actor.casefold() in r.actor.casefold())
            and (not action or r.action.startswith(action))
            and (not object_id or object_id.casefold() in r.object_id.casefold())][:MAX_ROWS]
    return render(request, "audit.html", rows=[(r, change_text(r.before, r.after)) for r in rows], max_rows=MAX_ROWS,
                  filters={"actor": actor or "", "action": action or "", "object_id": object_id or "",
                           "since": day.isoformat() if day else ""})
