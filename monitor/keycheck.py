"""Which pseudonym key a database was built with, so a different key cannot slip in unnoticed.

A different MONITOR_PSEUDONYM_KEY gives every client a different pseudonym: an import under
it would "change" every row, and visits would no longer join client events or staff
relatives, so detections would quietly disappear. The database therefore keeps a check value
of the key in `meta` (an HMAC of a fixed label under the key: it says whether two keys are
the same and nothing else about the key), claimed by the first import that pseudonymises
client data, and every later one compares before it writes anything.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.db import utcnow
from monitor.models import MetaValue

KEY_CHECK_NAME = "pseudonym_key_check"
# Never change: the check values already stored were made with it.
KEY_CHECK_LABEL = b"monitor pseudonym key check v1"
MIN_KEY_BYTES = 16
NEW_KEY_HINT = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"

_meta = MetaValue.__table__  # type: ignore[attr-defined]


class PseudonymKeyError(Exception):
    """The pseudonym key is weak or not the one the database was built with: one line saying
    what to do. Nothing has been written."""


def key_check_value(key: bytes) -> str:
    """The check value stored for a key (hex); it cannot be turned back into the key."""
    return hmac.new(key, KEY_CHECK_LABEL, hashlib.sha256).hexdigest()


def check_key_strength(key: bytes, source: str) -> None:
    """Refuse keys that could be guessed: a pseudonym under a short key can be brute-forced
    from the small space of personnummer."""
    if not key.strip():
        raise PseudonymKeyError(f"{source} is only whitespace: use a random key of at least "
                                f"{MIN_KEY_BYTES} bytes; {NEW_KEY_HINT}")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"{source} is too short ({len(key)} bytes, at least {MIN_KEY_BYTES} needed); {NEW_KEY_HINT} "
            "(a database built with the short key: move it over with `monitor rekey`)"
        )


def stored_key_check(conn: Connection, *, lock: bool = False) -> str | None:
    """The stored check value; `lock` holds the row (PostgreSQL) until the transaction ends, so
    a rotation cannot change it under a running import."""
    query = select(_meta.c.value).where(_meta.c.name == KEY_CHECK_NAME)
    if lock:
        query = query.with_for_update(read=True)
    return conn.execute(query).scalar_one_or_none()


def claim_or_verify_key(conn: Connection, key_check: str) -> None:
    """Store the key's check value if the database has none, else compare; raises
    PseudonymKeyError on a different key.

    Insert-if-absent and then read back: of two first imports racing with different keys,
    the second insert waits for the first transaction and then does nothing, and its read
    finds the other key's value, so exactly one wins. Call it inside the transaction that
    writes the pseudonyms, so a claim is only kept when the import is."""
    stored = stored_key_check(conn, lock=True)
    if stored is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(_meta)
            .values(name=KEY_CHECK_NAME, value=key_check, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        stored = stored_key_check(conn, lock=True)
    if not hmac.compare_digest(str(stored), key_check):
        raise PseudonymKeyError(
            "MONITOR_PSEUDONYM_KEY is not the key this database was built with (its stored key check differs): "
            "every client would get a new pseudonym and nothing would join, so nothing was imported. Set the "
            "key the database was built with, or rotate it deliberately with `monitor rekey`"
        )


def replace_key_check(conn: Connection, key_check: str) -> None:
    """Store a new key's check value (a deliberate rotation, inside its transaction)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    now = utcnow()
    stmt = dialect.insert(_meta).values(name=KEY_CHECK_NAME, value=key_check, updated_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": key_check, "updated_at": now}))


def lock_key_check(conn: Connection) -> None:
    """Take the write lock a rotation needs before it reads anything: the check value's row on
    PostgreSQL (imports wait on it), the database's single writer lock on SQLite."""
    conn.execute(update(_meta).where(_meta.c.name == KEY_CHECK_NAME).values(name=KEY_CHECK_NAME))
