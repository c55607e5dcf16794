"""Local accounts: add, change password, disable, issue an API token, and check credentials.

Passwords are hashed with argon2id (argon2-cffi's defaults, re-hashed when they change). An API
token is 32 random bytes: only its SHA-256 is stored, so the database cannot give it back.
Every change is an audit row, like the alerts' changes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from monitor.alerts.audit import record_audit
from monitor.db import utcnow
from monitor.models import User, WebSession

ROLES = ("viewer", "analyst", "admin")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1000
_users = User.__table__  # type: ignore[attr-defined]
_sessions = WebSession.__table__  # type: ignore[attr-defined]
_hasher = PasswordHasher()
# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(LookupError):
    """A user-fixable problem with an account (unknown name, weak password ...): one line, exit code 2."""


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    disabled: bool

    def may(self, role: str) -> bool:
        """True when this account has `role` or a higher one (viewer < analyst < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _account(row: object) -> Account:
    return Account(row.id, row.name, row.role, row.disabled)  # type: ignore[attr-defined]


# Who acts when no person does (alert wake-ups, the command line): never a login name.
RESERVED_NAMES = frozenset({"system"})


def check_name(name: str) -> str:
    """Letters, digits and . _ @ - only: a name ends up in URLs, the audit log and file names,
    where a slash or a space would mean something else."""
    name = name.strip()
    if not name or len(name) > 64 or any(not (c.isalnum() or c in "._@-") for c in name):
        raise AccountError("a user name is 1 to 64 letters, digits or . _ @ - (no spaces or slashes)")
    if name.casefold() in RESERVED_NAMES:  # ("cli:..." cannot be one: no colons)
        raise AccountError(f"{name!r} is reserved for the service's own entries in the audit log")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password is shorter than {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    return password


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def find_account(conn: Connection, name: str) -> Account | None:
    row = conn.execute(select(_users).where(_users.c.name == name.strip())).first()
    return _account(row) if row else None


def _existing(conn: Connection, name: str) -> Account:
    found = find_account(conn, name)
    if found is None:
        raise AccountError(f"no user {name!r}: `monitor users add {name} --role viewer` creates one")
    return found


def add_user(conn: Connection, name: str, role: str, password: str, actor: str, now: datetime | None = None) -> Account:
    name, now = check_name(name), now or utcnow()
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if find_account(conn, name) is not None:
        raise AccountError(f"there is already a user {name!r}")
    user_id = conn.execute(insert(_users).values(
        name=name, role=role, password_hash=_hasher.hash(check_password(password)), disabled=False,
        created_at=now, password_changed_at=now,
    ).returning(_users.c.id)).scalar_one()
    record_audit(conn, actor, "user.add", "user", name, None, {"role": role}, at=now)
    return Account(user_id, name, role, False)


def set_password(conn: Connection, name: str, password: str, actor: str, now: datetime | None = None) -> Account:
    """A new password; the user's sessions end (whoever knew the old one is logged out)."""
    account, now = _existing(conn, name), now or utcnow()
    conn.execute(update(_users).where(_users.c.id == account.id).values(
        password_hash=_hasher.hash(check_password(password)), password_changed_at=now))
    conn.execute(delete(_sessions).where(_sessions.c.user_id == account.id))
    record_audit(conn, actor, "user.passwd", "user", account.name, at=now)
    return account


def disable_user(conn: Connection, name: str, actor: str, now: datetime | None = None) -> Account:
    """The user can no longer log in or use a token; their sessions end at once."""
    account = _existing(conn, name)
    if account.disabled:
        return account  # nothing changes, so nothing to record
    conn.execute(update(_users).where(_users.c.id == account.id).values(disabled=True, token_hash=None))
    conn.execute(delete(_sessions).where(_sessions.c.user_id == account.id))
    record_audit(conn, actor, "user.disable", "user", account.name, {"disabled": account.disabled},
                 {"disabled": True}, at=now)
    return Account(account.id, account.name, account.role, True)


def issue_token(conn: Connection, name: str, actor: str, now: datetime | None = None) -> str:
    """A new API token for the user (the old one stops working); shown once, stored as a hash."""
    account, now = _existing(conn, name), now or utcnow()
    if account.disabled:
        raise AccountError(f"the user {account.name!r} is disabled")
    token = "mon_" + secrets.token_urlsafe(32)
    conn.execute(update(_users).where(_users.c.id == account.id).values(token_hash=token_hash(token),
                                                                        token_created_at=now))
    record_audit(conn, actor, "user.token", "user", account.name, at=now)
    return token


def list_users(conn: Connection) -> list[Account]:
    return [_account(row) for row in conn.execute(select(_users).order_by(_users.c.name))]


def verify_login(conn: Connection, name: str, password: str) -> Account | None:
    """The account if the name and password match an enabled user, else None (the same time either way)."""
    row = conn.execute(select(_users).where(_users.c.name == name.strip())).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password[:MAX_PASSWORD_CHARS])
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(_users).where(_users.c.id == row.id).values(password_hash=_hasher.hash(password)))
    return _account(row)


def user_named(conn: Connection, name: str) -> str | None:
    """The name of the user (enabled or not) a login form's name field names, or None."""
    return conn.execute(select(_users.c.name).where(_users.c.name == name.strip())).scalar()


def account_by_token(conn: Connection, token: str) -> Account | None:
    row = conn.execute(select(_users).where(_users.c.token_hash == token_hash(token))).first()
    return None if row is None or row.disabled else _account(row)


def account_by_id(conn: Connection, user_id: int) -> Account | None:
    row = conn.execute(select(_users).where(_users.c.id == user_id)).first()
    return None if row is None or row.disabled else _account(row)


def new_secret() -> str:
    return secrets.token_urlsafe(32)
