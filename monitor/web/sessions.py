"""Logins: the session cookie, its row, the CSRF token, and the limit on failed logins.

The cookie holds a random key signed with MONITOR_WEB_SECRET_KEY (itsdangerous); the database
holds the key's hash, the user, the CSRF token of the session and when it ends. A cookie is only
good while its row exists: logging out, a new password or disabling the user ends it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, delete, insert, select

from monitor.db import utcnow
from monitor.models import WebSession
from monitor.web.accounts import Account, account_by_id

logger = logging.getLogger(__name__)

COOKIE = "monitor_session"
LOGIN_COOKIE = "monitor_login"
_sessions = WebSession.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Session:
    account: Account
    csrf_token: str
    key_hash: str


class CookieSigner:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="monitor-session")

    def sign(self, value: str) -> str:
        return self._serializer.dumps(value)

    def unsign(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start_session(conn: Connection, account: Account, minutes: int, now: datetime | None = None) -> str:
    """A new session for the account; the key to put (signed) in the cookie."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    conn.execute(delete(_sessions).where(_sessions.c.expires_at < now))
    conn.execute(insert(_sessions).values(key_hash=_hash(key), user_id=account.id, csrf_token=secrets.token_urlsafe(24),
                                          created_at=now, expires_at=now + timedelta(minutes=minutes)))
    return key


def load_session(conn: Connection, key: str, now: datetime | None = None) -> Session | None:
    row = conn.execute(select(_sessions).where(_sessions.c.key_hash == _hash(key))).first()
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    account = account_by_id(conn, row.user_id)
    return None if account is None else Session(account, row.csrf_token, row.key_hash)


def end_session(conn: Connection, session: Session) -> None:
    conn.execute(delete(_sessions).where(_sessions.c.key_hash == session.key_hash))


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))  # type: ignore[union-attr]


class LoginLimiter:
    """Failed logins per account and per address within a window; past the limit a login is
    refused before the password is checked. Kept in the process: a restart forgives."""

    def __init__(self, per_account: int, per_address: int, window_seconds: float) -> None:
        self.per_account, self.per_address, self.window = per_account, per_address, window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, account: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (len(self._recent(f"account:{account.strip().casefold()}", now)) >= self.per_account
                    or len(self._recent(f"address:{address}", now)) >= self.per_address)

    def failed(self, account: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(f"account:{account.strip().casefold()}", now).append(now)
            self._recent(f"address:{address}", now).append(now)
        logger.warning("Failed login address=%s", address)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(f"account:{account.strip().casefold()}", None)
