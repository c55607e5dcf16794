"""Larm: the alert queue, filtered by state, assignee, contract area and score, highest risk first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from monitor.alerts.states import STATES
from monitor.web.auth import Identity, require
from monitor.web.context import render, web_of
from monitor.web.queue import QueueFilter, alert_queue

router = APIRouter()


def _score(value: str | None) -> float | None:
    try:
        return float(value.replace(",", ".")) if value else None
    except ValueError:
        return None


@router.get("/alerts")
def alerts_page(request: Request, identity: Annotated[Identity, Depends(require("viewer"))],
                state: str | None = None, assignee: str | None = None, area: str | None = None,
                min_score: str | None = None) -> Response:
    web = web_of(request)
    wanted = QueueFilter(state if state in STATES else None, assignee or None, area or None, _score(min_score))
    with web.engine.connect() as conn:
        queue = alert_queue(conn, wanted, web.language)
    return render(request, "alerts.html", queue=queue, states=STATES)
