"""The FastAPI app: /healthz (the process answers), /readyz (database and scheduler work),
/status (the jobs, feeds and digest as JSON), /metrics (Prometheus text), all without login;
and, given the settings, the triage UI (pages, /static, /login) and the JSON API under /api/."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text

from monitor.config import Settings
from monitor.jobs.metrics import metrics_text
from monitor.jobs.schedule import Schedule
from monitor.jobs.status import service_status

logger = logging.getLogger(__name__)


def create_app(engine: Engine, schedule: Schedule, scheduler_running: Callable[[], bool],
               settings: Settings | None = None) -> FastAPI:
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

    if settings is not None:
        add_triage_ui(app, engine, settings)
    return app


def add_triage_ui(app: FastAPI, engine: Engine, settings: Settings) -> None:
    from monitor.web.api import create_api
    from monitor.web.auth import Forbidden, NotSignedIn
    from monitor.web.context import WEB_DIR, WebContext, render
    from monitor.web.headers import add_security_headers
    from monitor.web.pages import alerts, audit, feeds, login, rules, supplier, users
    from monitor.web.supplier import SupplierNotFound

    web = WebContext(engine, settings)
    app.state.web = web
    app.middleware("http")(add_security_headers)
    for page in (login, alerts, supplier, rules, feeds, audit, users):
        app.include_router(page.router)
    api = create_api()
    api.state.web = web
    app.mount("/api", api)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")

    @app.exception_handler(NotSignedIn)
    def to_login(request: Request, exc: NotSignedIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            # A form posted after the session ran out: back to the page it was posted from after
            # login (a GET of the action's address would be refused), so the user can post again.
            target = _page_of(request) or "/alerts"
        location = f"/login?next={quote(target, safe='')}"
        if request.headers.get("HX-Request"):
            # htmx would follow a 303 itself and swap the login page into the alert panel.
            return Response(status_code=204, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        identity = request.state.identity
        message = web.t("csrf_refused") if exc.reason == "csrf" else web.t(
            "forbidden", role=web.t(f"role_{identity.account.role}"))
        return render(request, "error.html", status_code=403, title=web.t("forbidden_title"), message=message)

    @app.exception_handler(SupplierNotFound)
    def not_found(request: Request, exc: SupplierNotFound) -> Response:
        return render(request, "error.html", status_code=404, title=web.t("not_found_title"),
                      message=web.t("not_found"))


def _page_of(request: Request) -> str | None:
    """The path of the page a request came from on this site (htmx's current URL, else the
    referrer), or None."""
    from urllib.parse import urlsplit

    for header in ("HX-Current-URL", "Referer"):
        value = request.headers.get(header)
        if not value:
            continue
        parts = urlsplit(value)
        if parts.netloc == request.url.netloc and parts.path.startswith("/") and not parts.path.startswith("//"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return None
