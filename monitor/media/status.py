"""What `monitor feeds status` shows: every feed in feeds.yaml, and every feed polled before, with its health.

Read only: listing the feeds never changes them (polling syncs feeds.yaml into the database).
A feed disabled in feeds.yaml and never polled is a "disabled example", like the shipped ones;
a feed polled before but missing from the feeds file in use keeps its history on show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from monitor.media.addresses import ALLOW_HINT, url_refusal
from monitor.media.feeds import FeedConfig, FeedsFile
from monitor.models import Feed, Supplier


@dataclass
class FeedStatus:
    name: str
    url: str
    # healthy | failing | unhealthy | never polled | refused | gone | disabled | disabled example | not listed
    state: str
    detail: str | None = None  # why: the refusal, the 410, a permanent move, what to do
    enabled: bool = False
    allow_private_network: bool = False
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_check_at: datetime | None = None
    due_now: bool = False  # enabled, polled at the next `feeds poll`


def feed_statuses(session: Session, feeds_file: FeedsFile, allow_private_networks: bool = False) -> list[FeedStatus]:
    """One status per feed, by name."""
    rows = {row.name: row for row in session.exec(select(Feed)).all()}
    search = feeds_file.supplier_search
    names = session.exec(select(Supplier.name)).all() if search is not None and search.enabled else []
    statuses = [_status(config, rows.get(config.name), allow_private_networks)
                for config in feeds_file.all_feeds(names)]
    if search is not None and not search.enabled:
        statuses.append(FeedStatus(search.name, search.url_template, "disabled example",
                                   "one feed per supplier"))
    listed = {s.name for s in statuses}
    for name, row in rows.items():
        # A row never polled (an example synced by an older version) has nothing to show.
        if name not in listed and row.last_checked_at is not None:
            gone = _with_history(FeedStatus(name, row.url, "not listed"), row)
            gone.next_check_at = None
            statuses.append(gone)
    return sorted(statuses, key=lambda s: (s.name.casefold(), s.name))


def _status(config: FeedConfig, row: Feed | None, allow_private_networks: bool) -> FeedStatus:
    status = FeedStatus(config.name, config.url, "never polled", enabled=config.enabled,
                        allow_private_network=config.allow_private_network)
    if row is not None and row.url != config.url:
        row = None  # a new URL is a new feed: the old one's errors do not apply
    if row is not None:
        _with_history(status, row)
    polled = row is not None and row.last_checked_at is not None
    refusal = None if config.allow_private_network or allow_private_networks else url_refusal(config.url)
    if not config.enabled:
        status.state = "disabled" if polled else "disabled example"
    elif row is not None and row.disabled_reason:
        status.state, status.detail = "gone", f"{row.disabled_reason}; change its URL in feeds.yaml to try again"
    elif refusal:
        status.state, status.detail = "refused", f"{refusal}; {ALLOW_HINT}"
    elif row is not None and polled:
        if row.consecutive_failures and (row.last_error or "").startswith("refused"):
            status.state = "refused"
            status.detail = (row.last_error or "").removeprefix("refused").removeprefix(":").strip()
        elif row.consecutive_failures:
            status.state = "failing" if row.healthy else "unhealthy"
        else:
            status.state = "healthy"
    if status.state in ("never polled", "healthy", "failing", "unhealthy"):
        status.due_now = status.next_check_at is None
    else:
        status.next_check_at = None
    if row is not None and row.moved_to and status.enabled:
        moved = f"moved permanently to {row.moved_to}: update feeds.yaml"
        status.detail = f"{status.detail}; {moved}" if status.detail else moved
    return status


def _with_history(status: FeedStatus, row: Feed) -> FeedStatus:
    status.last_success_at, status.last_error_at = row.last_success_at, row.last_error_at
    status.last_error, status.failures = row.last_error, row.consecutive_failures
    status.next_check_at = row.next_check_at
    return status
