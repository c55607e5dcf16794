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


# Keys (login names and addresses) the limiter holds before it drops the expired ones: names
# tried once are otherwise never forgotten, and an attacker can send many.
LIMITER_MAX_KEYS = 10_000


class LoginLimiter:
    """Login attempts per account and per address within a window; past the limit a login is
    refused before the password is checked. An attempt counts as failed from the moment it is
    let in, so requests sent at the same instant cannot all try a password while the first is
    still being checked. Kept in the process: a restart forgives."""

    def __init__(self, per_account: int, per_address: int, window_seconds: float) -> None:
        self.per_account, self.per_address, self.window = per_account, per_address, window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return len(times)

    def attempt(self, account: str, address: str) -> float | None:
        """Let one login attempt in and count it, or None when the account or the address is
        past its limit. The returned ticket goes to `succeeded` if the password was right."""
        now = time.monotonic()
        keys = (f"account:{account.strip().casefold()}", f"address:{address}")
        with self._lock:
            if len(self._failures) > LIMITER_MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            if self._recent(keys[0], now) >= self.per_account or self._recent(keys[1], now) >= self.per_address:
                return None
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
        return now

    def __len__(self) -> int:
        """Accounts and addresses with attempts held."""
        return len(self._failures)

    def failed(self, address: str) -> None:
        logger.warning("Failed login address=%s", address)

    def succeeded(self, account: str, address: str, ticket: float) -> None:
        """A right password: the account's count starts afresh, and this attempt no longer counts
        against the address."""
        with self._lock:
            self._failures.pop(f"account:{account.strip().casefold()}", None)
            times = self._failures.get(f"address:{address}")
            if times is not None and ticket in times:
                times.remove(ticket)
