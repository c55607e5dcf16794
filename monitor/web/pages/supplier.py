"""Leverantör: one supplier's score and its history, the alert with its history and notes, the
reasons in `monitor explain`'s words, the evidence per finding (analysts and admins; each look
audit-logged), door observations, media stories; and the alert's actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from monitor.alerts.states import AlertError
from monitor.alerts.wording import worded_action, worded_cause
from monitor.ranking.score import load_scoring_config
from monitor.timestamps import STOCKHOLM
from monitor.web.actions import ACTIONS, allowed_actions, perform
from monitor.web.auth import Identity, require
from monitor.web.chart import score_svg
from monitor.web.context import render, web_of
from monitor.web.supplier import SupplierNotFound, explain_lines, supplier_view

router = APIRouter()
# A page of a few thousand rows helps nobody; the rest is a command away (the text says which).
MAX_VISITS_SHOWN = 200


def scoring_config(request: Request) -> Any:
    return load_scoring_config(web_of(request).settings.resolved("rules_dir"))


def _observations(view: Any) -> list[dict[str, Any]]:
    """Each door observation behind any finding, once."""
    seen: dict[str, dict[str, Any]] = {}
    for finding in view.evidence.findings if view.evidence else []:
        for observation in finding.observations:
            seen.setdefault(observation["observation_id"], observation)
    return sorted(seen.values(), key=lambda o: o["observed_from"])


def _history(view: Any, language: str) -> list[dict[str, Any]]:
    """The alert's events as the panel lists them: the step and the system's causes in words."""
    return [{"at": e["at"], "actor": e["actor"], "action": worded_action(e["action"], language),
             "before": e["before"].get("state"), "after": e["after"].get("state"),
             "why": worded_cause(e["after"].get("cause"), language) or e["reason"] or ""}
            for e in (view.alert.events if view.alert else [])]


def _panel_context(view: Any, config: Any, identity: Identity, language: str) -> dict[str, Any]:
    state = view.alert.alert.state if view.alert else None
    return {"view": view, "actions": allowed_actions(state) if state and identity.account.may("analyst") else [],
            "dismiss_reasons": config.alerts.dismiss_reasons, "events": _history(view, language)}


@router.get("/suppliers/{org_number}")
def supplier_page(request: Request, org_number: str,
                  identity: Annotated[Identity, Depends(require("viewer"))]) -> Response:
    return _page(request, org_number, identity)


def _page(request: Request, org_number: str, identity: Identity, error: str | None = None) -> Response:
    web = web_of(request)
    config = scoring_config(request)
    sees_evidence = identity.account.may("analyst")
    with web.engine.begin() as conn:
        view = supplier_view(conn, org_number, config, web.language,
                             identity.account.name if sees_evidence else None)
    course = "; ".join(f"{at.astimezone(STOCKHOLM):%Y-%m-%d} {score:.0f}" for at, score in view.history)
    return render(request, "supplier.html", status_code=422 if error else 200,
                  **_panel_context(view, config, identity, web.language),
                  sees_evidence=sees_evidence, max_visits=MAX_VISITS_SHOWN,
                  explained=explain_lines(view.explanation, web.language) if view.explanation else None,
                  chart=score_svg(view.history, web.t("chart_title")) if view.history else None,
                  course=course, observations=_observations(view), message=None, error=error)


Field = Annotated[str | None, Form(max_length=10_000)]


@router.post("/suppliers/{org_number}/{action}")
def supplier_action(request: Request, org_number: str, action: str,
                    identity: Annotated[Identity, Depends(require("analyst"))],
                    assignee: Field = None, reason: Field = None, text: Field = None, until: Field = None) -> Response:
    """A step from a form: htmx gets the alert panel back; a plain form post is sent back to the
    page (303), or shown it with the problem (422)."""
    web = web_of(request)
    config = scoring_config(request)
    if action not in ACTIONS:
        raise SupplierNotFound(action)
    fields = {"assignee": assignee, "reason": reason, "text": text, "until": until}
    error = None
    try:
        with web.engine.begin() as conn:
            perform(conn, org_number, identity.account.name, action, fields, config.alerts.dismiss_reasons)
    except AlertError as exc:
        error = exc.describe(web.language)
    if request.headers.get("HX-Request") != "true":
        if error is not None:
            return _page(request, org_number, identity, error)
        return RedirectResponse(f"/suppliers/{org_number}#alert", status_code=303)
    with web.engine.connect() as conn:
        view = supplier_view(conn, org_number, config, web.language, None)
    return render(request, "_alert_panel.html", status_code=422 if error else 200,
                  **_panel_context(view, config, identity, web.language),
                  message=None if error else web.t("done"), error=error)
