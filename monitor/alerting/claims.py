"""Who may send a period's digest now: a row claimed in the database before anything is sent.

Two `monitor digest` at once, a scheduler retry or a restart must not mail the team twice. The
first process inserts the period's row (the period is unique) or takes over a row whose earlier
attempt failed; every change of state is a conditional UPDATE that must change exactly one row,
so of two processes only one wins. The states:

    claimed -> sending -> sent
         \\         \\-> uncertain   (the line dropped after the message was handed over)
          \\-> failed              (nothing was accepted: the next run may try again)
          \\-> skipped             (nothing new and MONITOR_DIGEST_ONLY_WHEN_NEW: done for the week)

A claim whose process died is taken over after `stale_after`; one that died while handing the
message over becomes uncertain instead, since the server may have it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.models import DigestLog

logger = logging.getLogger(__name__)

Status = Literal["claimed", "sending", "sent", "failed", "uncertain", "skipped"]
_digests = DigestLog.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claim:
    """This process's right to send `period`'s digest."""

    id: int
    period: str
    token: str
    attempt: int  # 1 for the first attempt at the period, 2 for the next ...
    resend: bool  # forced although it was sent (or may have been)


@dataclass(frozen=True)
class Refusal:
    """Why no claim was given: the period is sent, being sent by another process, or uncertain."""

    period: str
    status: Status
    location: str
    error: str | None
    claimed_at: datetime | None


def _insert_claim(conn: Connection, period: str, token: str, now: datetime) -> int | None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(_digests)
        .values(period=period, status="claimed", claim_token=token, claimed_at=now, attempts=1, created_at=now)
        .on_conflict_do_nothing(index_elements=["period"])
        .returning(_digests.c.id)
    )
    return conn.execute(stmt).scalar()


def claim_period(engine: Engine, period: str, now: datetime, stale_after: timedelta,
                 force: bool = False) -> Claim | Refusal:
    """Claim `period` for this process, or say why not. `force` resends a sent or uncertain
    digest (the operator checked), but never one another process is sending right now."""
    token = secrets.token_hex(16)
    with engine.begin() as conn:
        new_id = _insert_claim(conn, period, token, now)
    if new_id is not None:
        return Claim(new_id, period, token, 1, False)
    with engine.connect() as conn:
        row = conn.execute(select(_digests).where(_digests.c.period == period)).one()
    status: Status = row.status
    stale = row.claimed_at is None or row.claimed_at < now - stale_after
    if status in ("claimed", "sending") and stale:
        if status == "sending":
            # It died while the server was receiving the message: it may have arrived.
            _change(engine, row, "uncertain", error="the sending process stopped while handing the message "
                                                    "to the mail server")
            return _refusal(engine, period)
        logger.warning("Taking over a stale digest claim period=%s claimed_at=%s", period, row.claimed_at)
    elif status in ("claimed", "sending") or (status in ("sent", "uncertain", "skipped") and not force):
        return Refusal(period, status, row.location, row.error, row.claimed_at)
    # A digest that was sent and is sent again on purpose is a new message; one retried after a
    # failure or an uncertain delivery is the same message (a client that gets both shows one).
    resend = status == "sent" or bool(row.sent_at)
    if not _change(engine, row, "claimed", token=token, now=now):
        return _refusal(engine, period)  # another process took it a moment before us
    return Claim(row.id, period, token, row.attempts + 1, resend)


def _refusal(engine: Engine, period: str) -> Refusal:
    with engine.connect() as conn:
        row = conn.execute(select(_digests).where(_digests.c.period == period)).one()
    return Refusal(period, row.status, row.location, row.error, row.claimed_at)


def _change(engine: Engine, seen: Any, status: Status, token: str | None = None, now: datetime | None = None,
            error: str | None = None) -> bool:
    """Move the row from the state we saw to `status`; False if someone changed it meanwhile."""
    values: dict[str, Any] = {"status": status, "error": error}
    if token is not None:
        values.update(claim_token=token, claimed_at=now, attempts=seen.attempts + 1)
    with engine.begin() as conn:
        changed = conn.execute(
            update(_digests)
            .where(_digests.c.id == seen.id, _digests.c.status == seen.status,
                   _digests.c.attempts == seen.attempts)
            .values(**values)
        ).rowcount
    return changed == 1


def record(engine: Engine, claim: Claim, status: Status, **values: Any) -> bool:
    """Set the claimed row's state (and columns such as location, message_id, sent_at, error);
    False if the claim was taken over meanwhile, which the caller reports."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(_digests).where(_digests.c.id == claim.id, _digests.c.claim_token == claim.token)
            .values(status=status, **values)
        ).rowcount
    if changed != 1:
        logger.warning("Lost the digest claim period=%s status=%s", claim.period, status)
    return changed == 1
