"""The JSON API under /api/, with the pages' authorization: a session cookie (with its CSRF token
on changes) or `Authorization: Bearer <token>` (`monitor users token NAME`). No credentials: 401;
a role too low: 403. Its OpenAPI document is /api/openapi.json."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from monitor.alerts.listing import list_alerts, show_alert
from monitor.alerts.states import STATES, AlertError
from monitor.ranking.score import load_scoring_config
from monitor.web.actions import perform
from monitor.web.auth import Forbidden, Identity, NotSignedIn, require
from monitor.web.context import web_of
from monitor.web.supplier import SupplierNotFound, supplier_view

State = StrEnum("State", {s: s for s in STATES})  # type: ignore[misc]


class Action(StrEnum):
    review = "review"
    assign = "assign"
    escalate = "escalate"
    confirm = "confirm"
    dismiss = "dismiss"
    snooze = "snooze"
    note = "note"


class ActionBody(BaseModel):
    """What each action takes: review (assignee), assign (assignee), escalate and confirm
    (reason), dismiss (reason: an id of alerts.dismiss_reasons, and text), snooze (until or days,
    and reason), note (text)."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, max_length=2000)
    text: str | None = Field(None, max_length=10_000)
    until: date | None = None
    days: int | None = Field(None, ge=1, le=3650)


class Problem(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No session or API token"},
    403: {"model": Problem, "description": "The role does not allow it (or a missing CSRF token with a session)"},
}
ORG = Annotated[str, Path(max_length=20, description="The supplier's org number, with or without hyphen.")]


def create_api() -> FastAPI:
    api = FastAPI(title="monitor API", version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None,
                  responses=ERRORS)

    @api.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, exc: NotSignedIn) -> JSONResponse:
        return JSONResponse({"detail": "not signed in: send a session cookie or Authorization: Bearer <token>"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @api.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        detail = "missing or wrong CSRF token" if exc.reason == "csrf" else "your role does not allow this"
        return JSONResponse({"detail": detail}, status_code=403)

    @api.exception_handler(SupplierNotFound)
    def not_found(request: Request, exc: SupplierNotFound) -> JSONResponse:
        return JSONResponse({"detail": f"no supplier with org number {exc.args[0]!r}"}, status_code=404)

    @api.exception_handler(AlertError)
    def refused(request: Request, exc: AlertError) -> JSONResponse:
        return JSONResponse({"detail": exc.args[0] if exc.args else str(exc)}, status_code=409)

    @api.get("/alerts", summary="The alerts, as `monitor alerts list --format json`")
    def get_alerts(request: Request, identity: Annotated[Identity, Depends(require("viewer"))],
                   state: Annotated[State | None, Query()] = None) -> list[dict[str, Any]]:
        web = web_of(request)
        with web.engine.connect() as conn:
            return [a.as_json() for a in list_alerts(conn, state.value if state else None, web.language)]

    @api.get("/suppliers/{org_number}", summary="One supplier: explanation, history, alert, media; evidence for "
             "analysts and admins (audit-logged)", responses={404: {"model": Problem}})
    def get_supplier(request: Request, org_number: ORG,
                     identity: Annotated[Identity, Depends(require("viewer"))]) -> dict[str, Any]:
        web = web_of(request)
        config = load_scoring_config(web.settings.resolved("rules_dir"))
        sees_evidence = identity.account.may("analyst")
        with web.engine.begin() as conn:
            return supplier_view(conn, org_number, config, web.language,
                                 identity.account.name if sees_evidence else None).as_json()

    @api.post("/alerts/{org_number}/{action}", summary="A lifecycle step on the supplier's alert",
              responses={404: {"model": Problem}, 409: {"model": Problem, "description": "Not allowed now"}})
    def post_action(request: Request, org_number: ORG, action: Action, body: ActionBody,
                    identity: Annotated[Identity, Depends(require("analyst"))]) -> dict[str, Any]:
        web = web_of(request)
        config = load_scoring_config(web.settings.resolved("rules_dir"))
        fields = body.model_dump()
        fields["until"] = body.until.isoformat() if body.until else None
        with web.engine.begin() as conn:
            _known_supplier(conn, org_number)
            perform(conn, org_number, identity.account.name, action.value, fields, config.alerts.dismiss_reasons)
            return show_alert(conn, org_number, web.language).as_json()

    return api


def _known_supplier(conn: Any, org_number: str) -> None:
    from sqlalchemy import select

    from monitor.imports.fields import org_number_as_stored
    from monitor.models import Supplier

    s = Supplier.__table__.c  # type: ignore[attr-defined]
    if conn.execute(select(s.id).where(s.org_number == org_number_as_stored(org_number))).first() is None:
        raise SupplierNotFound(org_number)
