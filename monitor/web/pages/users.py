"""Användare (admins only): who may log in, with which role; disabling someone who left ends
their sessions and token at once. New users and passwords are made with `monitor users`, so no
password ever passes through a web form but the login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from monitor.web.accounts import AccountError, disable_user, list_users
from monitor.web.auth import Identity, require
from monitor.web.context import render, web_of

router = APIRouter()


@router.get("/users")
def users_page(request: Request, identity: Annotated[Identity, Depends(require("admin"))]) -> Response:
    web = web_of(request)
    with web.engine.connect() as conn:
        accounts = list_users(conn)
    return render(request, "users.html", accounts=accounts)


@router.post("/users/{name}/disable")
def disable(request: Request, name: str, identity: Annotated[Identity, Depends(require("admin"))]) -> Response:
    web = web_of(request)
    try:
        with web.engine.begin() as conn:
            disable_user(conn, name, identity.account.name)
    except AccountError:
        pass  # already gone: the list shows what is
    return RedirectResponse("/users", status_code=303)
