"""Who is asking, and may they: the session cookie or an API token, the role, the CSRF token.

Pages send an anonymous visitor to /login; the API answers 401. A role too low is 403 on both.
A request that changes something with a session cookie must carry the session's CSRF token
(form field `csrf_token` or header `X-CSRF-Token`); a bearer token needs none, since a browser
never sends it by itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from monitor.web.accounts import Account, account_by_token
from monitor.web.context import web_of
from monitor.web.sessions import COOKIE, Session, load_session, same_token

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Identity:
    account: Account
    via: str  # "session" or "token"
    session: Session | None = None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""


class NotSignedIn(Exception):
    """No valid session or token."""


class Forbidden(Exception):
    """Signed in, but the role (or the CSRF token) does not allow it."""

    def __init__(self, reason: str = "role") -> None:
        super().__init__(reason)
        self.reason = reason


def identify(request: Request) -> Identity | None:
    web = web_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    with web.engine.begin() as conn:
        if scheme.lower() == "bearer" and credentials.strip():
            account = account_by_token(conn, credentials.strip())
            return Identity(account, "token") if account else None
        key = web.signer.unsign(request.cookies.get(COOKIE))
        session = load_session(conn, key) if key else None
    return Identity(session.account, "session", session) if session else None


async def check_csrf(request: Request, identity: Identity) -> None:
    if request.method in SAFE_METHODS or identity.via != "session":
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not same_token(given, identity.csrf_token):
        raise Forbidden("csrf")


def require(role: str) -> Callable[[Request], object]:
    """A dependency: the identity of a user with `role` or higher, CSRF checked on changes."""

    async def dependency(request: Request) -> Identity:
        # In the thread pool: the session look-up is a database query, and on the event loop a
        # slow database would hold up every request, /healthz included.
        identity = await run_in_threadpool(identify, request)
        if identity is None:
            raise NotSignedIn()
        request.state.identity = identity
        await check_csrf(request, identity)
        if not identity.account.may(role):
            raise Forbidden("role")
        return identity

    return dependency
