"""/login and /logout: a session cookie for a name and password, limited per account and address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from monitor.alerts.audit import record_audit
from monitor.web.accounts import new_secret, user_named, verify_login
from monitor.web.auth import Identity, identify, require
from monitor.web.context import render, web_of
from monitor.web.sessions import COOKIE, LOGIN_COOKIE, end_session, same_token, start_session

router = APIRouter()
HOME = "/alerts"
# Who a failed login is logged as: nobody is signed in. A colon, so no user can be called this.
FAILED_LOGIN_ACTOR = "web:anonym"


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (//evil.example) after login."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return HOME


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, next_path: str, error: str | None = None, status_code: int = 200) -> Response:
    web = web_of(request)
    token = new_secret()
    response = render(request, "login.html", status_code=status_code, login_csrf=token, next_path=next_path,
                      error=error)
    response.set_cookie(LOGIN_COOKIE, web.signer.sign(token), httponly=True, samesite="lax", secure=_https(request),
                        path="/login", max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if identify(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(request: Request, name: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1000)] = "",
          csrf_token: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=2000)] = HOME) -> Response:
    web = web_of(request)
    next_path = _safe_next(next)
    expected = web.signer.unsign(request.cookies.get(LOGIN_COOKIE))
    if expected is None or not same_token(csrf_token, expected):
        return _login_page(request, next_path, web.t("login_expired"), 403)
    address = request.client.host if request.client else "unknown"
    ticket = web.limiter.attempt(name, address)
    if ticket is None:
        return _login_page(request, next_path, web.t("login_blocked"), 429)
    with web.engine.begin() as conn:
        account = verify_login(conn, name, password)
        if account is None:
            web.limiter.failed(address)
            # For whoever follows up a guessed password: which account, from where. A name that
            # is no user's is not kept, since it is often a password typed in the wrong field.
            # The limiter bounds how many of these one address can write.
            known = user_named(conn, name)
            record_audit(conn, FAILED_LOGIN_ACTOR, "session.login_failed", "user", known or "", None,
                         {"address": address, "name": "known" if known else "unknown"})
            return _login_page(request, next_path, web.t("login_failed"), 401)
        key = start_session(conn, account, web.settings.web_session_minutes)
        record_audit(conn, account.name, "session.login", "user", account.name, None, {"address": address})
    web.limiter.succeeded(name, address, ticket)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, web.signer.sign(key), httponly=True, samesite="lax", secure=_https(request),
                        max_age=web.settings.web_session_minutes * 60, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, identity: Annotated[Identity, Depends(require("viewer"))]) -> Response:
    web = web_of(request)
    with web.engine.begin() as conn:
        if identity.session is not None:
            end_session(conn, identity.session)
        record_audit(conn, identity.account.name, "session.logout", "user", identity.account.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse(HOME, status_code=303)
