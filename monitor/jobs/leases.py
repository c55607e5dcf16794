"""Who may run a job now: a named lease held in the database, so two processes (two terminals,
a scheduler and a person, two replicas) never run the same job at once.

A lease is a row per job name with its holder and an expiry. Taking it is a conditional write
that must change exactly one row; a holder that dies leaves a lease that runs out (or, on the
same machine, one whose process is gone, taken over at once; one whose process still runs
there is kept however old). A running job renews its lease as it goes, so a long run keeps it
and a dead one elsewhere loses it within `ttl`.

The lease is read before it is written: on SQLite a writer waits for another's transaction,
and a busy job's lease must be told apart from a free one without waiting for it.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.db import utcnow
from monitor.models import Lease
from monitor.timestamps import local_text

logger = logging.getLogger(__name__)
_leases = Lease.__table__  # type: ignore[attr-defined]


class LeaseBusy(Exception):
    """Another process holds the lease: the message says who and since when."""

    def __init__(self, name: str, holder: str, since: datetime) -> None:
        super().__init__(f"{name} is already running (started {local_text(since)} by {holder}); "
                         "wait for it to finish, or try again later")
        self.name, self.holder, self.since = name, holder, since


@dataclass
class LeaseHolder:
    """A taken lease: `renew` it while working, it is released when the `with` block ends."""

    engine: Engine
    name: str
    holder: str
    ttl: timedelta

    def renew(self, now: datetime | None = None) -> None:
        if self.engine.dialect.name == "sqlite":
            # The job's own transaction holds SQLite's only write lock, so a renewal from a second
            # connection would wait for itself. SQLite is one machine: a holder that is still
            # running there keeps its lease however old (see `_alive_here`).
            return
        now = now or utcnow()
        with self.engine.begin() as conn:
            kept = conn.execute(
                update(_leases).where(_leases.c.name == self.name, _leases.c.holder == self.holder)
                .values(expires_at=now + self.ttl)
            ).rowcount
        if kept != 1:
            logger.warning("Lost a lease name=%s holder=%s", self.name, self.holder)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_state(holder: str) -> bool | None:
    """True if the holder is a process on this machine that runs, False if it ran here and is
    gone, None if it is elsewhere (only its expiry can tell)."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _held(row: object, holder: str, now: datetime) -> bool:
    """Whether another holder still has the lease: a live process here, or an unexpired lease
    of a process elsewhere."""
    if row.holder == holder:  # type: ignore[attr-defined]
        return False
    state = holder_state(row.holder)  # type: ignore[attr-defined]
    return state is True or (state is None and row.expires_at > now)  # type: ignore[attr-defined]


def acquire(engine: Engine, name: str, ttl: timedelta, holder: str | None = None,
            now: datetime | None = None) -> LeaseHolder:
    """Take the lease `name` for `ttl`, or raise LeaseBusy naming who has it."""
    holder, now = holder or this_process(), now or utcnow()
    with engine.connect() as conn:
        row = conn.execute(select(_leases).where(_leases.c.name == name)).first()
    if row is not None and _held(row, holder, now):
        raise LeaseBusy(name, row.holder, row.acquired_at)
    values = {"holder": holder, "acquired_at": now, "expires_at": now + ttl}
    with engine.begin() as conn:
        if row is None:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            inserted = conn.execute(
                dialect.insert(_leases).values(name=name, **values).on_conflict_do_nothing(index_elements=["name"])
                .returning(_leases.c.name)
            ).scalar()
            got = int(inserted is not None)
        else:
            # Only if it is still the lease we judged free: of two takers, one wins.
            got = conn.execute(
                update(_leases).where(_leases.c.name == name, _leases.c.holder == row.holder,
                                      _leases.c.acquired_at == row.acquired_at).values(**values)
            ).rowcount
    if got != 1:
        with engine.connect() as conn:
            now_held = conn.execute(select(_leases).where(_leases.c.name == name)).one()
        raise LeaseBusy(name, now_held.holder, now_held.acquired_at)
    if row is not None and row.holder != holder:
        logger.warning("Took over a lease name=%s from=%s", name, row.holder)
    return LeaseHolder(engine, name, holder, ttl)


def release(lease: LeaseHolder) -> None:
    with lease.engine.begin() as conn:
        conn.execute(delete(_leases).where(_leases.c.name == lease.name, _leases.c.holder == lease.holder))


@contextmanager
def leased(engine: Engine, name: str, ttl: timedelta, holder: str | None = None) -> Iterator[LeaseHolder]:
    """`with leased(engine, "score", ttl) as lease:` runs the block holding the lease."""
    lease = acquire(engine, name, ttl, holder)
    try:
        yield lease
    finally:
        release(lease)
