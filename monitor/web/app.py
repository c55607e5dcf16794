"""The FastAPI app: /healthz (the process answers), /readyz (database and scheduler work),
/status (the jobs, feeds and digest as JSON), /metrics (Prometheus text)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text

from monitor.jobs.metrics import metrics_text
from monitor.jobs.schedule import Schedule
from monitor.jobs.status import service_status

logger = logging.getLogger(__name__)


def create_app(engine: Engine, schedule: Schedule, scheduler_running: Callable[[], bool]) -> FastAPI:
    app = FastAPI(title="monitor", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok\n"

    @app.get("/readyz")
    def readyz() -> Response:
        problems = []
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as exc:
            logger.warning("Database not reachable error=%s", type(exc).__name__)
            problems.append("database unreachable")
        if not scheduler_running():
            problems.append("scheduler not running")
        return JSONResponse({"ready": not problems, "problems": problems}, status_code=503 if problems else 200)

    @app.get("/status")
    def status() -> dict[str, Any]:
        return service_status(engine, schedule) | {"scheduler_running": scheduler_running()}

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(metrics_text(engine), media_type=CONTENT_TYPE_LATEST)

    return app
