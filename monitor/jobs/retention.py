"""Retention: visit rows older than MONITOR_RETENTION_MONTHS (default 24) are removed.

A visit row holds a client's pseudonym together with where and when care was given (address and
coordinates): personal data that may be kept only as long as it serves the follow-up (GDPR art.
5.1 e). Findings are not touched: they keep their counts and texts, so older rankings still read
the same; only their drill-down to the removed visits is gone. Each purge is recorded in `purges`.
"""

from __future__ import annotations

import logging
from calendar import monthrange
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert

from monitor.models import Purge, Visit
from monitor.timestamps import STOCKHOLM

logger = logging.getLogger(__name__)


def months_before(now: datetime, months: int) -> datetime:
    """The same local day and time `months` earlier (the 31st becomes the month's last day)."""
    local = now.astimezone(STOCKHOLM)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day, microsecond=0)


def purge_old_visits(engine: Engine, now: datetime, months: int, job_run_id: int | None = None) -> dict[str, Any]:
    """Remove visits that ended before the cutoff, with their addresses and coordinates; record it."""
    cutoff = months_before(now, months)
    visits = Visit.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        removed = conn.execute(delete(visits).where(visits.c.registered_end < cutoff)).rowcount
        conn.execute(insert(Purge.__table__).values(  # type: ignore[arg-type]
            job_run_id=job_run_id, what="visits (with addresses and coordinates)", older_than=cutoff,
            rows_removed=removed, purged_at=now))
    logger.info("Purged old visits older_than=%s removed=%d", cutoff.isoformat(), removed)
    return {"visits_removed": removed, "older_than": cutoff.isoformat()}
