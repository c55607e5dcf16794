"""Användare (admins only): who may log in, with which role; disabling someone who left ends
their sessions and token at once. New users and passwords are made with `monitor users`, so no
password ever passes through a web form but the login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from monitor.web.accounts import disable_user, list_users
from monitor.web.auth import Identity, require
from monitor.web.context import render, web_of

router = APIRouter()


@router.get("/users")
def users_page(request: Request, identity: Annotated[Identity, Depends(require("admin"))]) -> Response:
    web = web_of(request)
    with web.engine.connect() as conn:
        accounts = list_users(conn)
    return render(request, "users.html", accounts=accounts)


@router.post("/users/{user_id}/disable")
def disable(request: Request, user_id: int, identity: Annotated[Identity, Depends(require("admin"))]) -> Response:
    """By id, not name, in the URL: a name is the user's to choose."""
    web = web_of(request)
    with web.engine.begin() as conn:
        account = next((a for a in list_users(conn) if a.id == user_id), None)
        # Not yourself: the last admin could lock everyone out (the page offers no such button).
        if account is not None and account.id != identity.account.id:
            disable_user(conn, account.name, identity.account.name)
    return RedirectResponse("/users", status_code=303)
