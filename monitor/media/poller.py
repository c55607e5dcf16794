"""Polling feeds: fetch with httpx, parse with feedparser, store entries, record health.

Each feed's outcome is committed on its own, so a server that fails, hangs or sends garbage
costs only its own feed a poll: the others go on and stored articles are never touched.

Backoff: after a failure the next check is `now + min(max_backoff, interval * 2**error_weight)`,
where each failure adds to `error_weight`: 0.5 for soft errors that usually pass (timeouts,
connection errors, 5xx, 429) and 1 for errors that need a person (404 and other 4xx, a body
that is not a feed, too large). A Retry-After on 429/503 is honoured when it asks for longer
(still capped). At `unhealthy_error_weight` the feed is marked unhealthy and shown so, but it
is still polled at the slow pace: it is never silently dropped. 410 Gone disables it until its
URL in feeds.yaml changes. A success resets the weight.

Every connection, redirects included, goes to a public address only (see `addresses`), unless
the feed says `allow_private_network: true` or MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS is set.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
from feedparser.exceptions import ThingsNobodyCaresAboutButMe
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from monitor.db import utcnow
from monitor.media.addresses import ALLOW_HINT, PrivateAddressError, guarded_transport
from monitor.media.articles import Entry, StoreResult, entry_from_feedparser, store_entries
from monitor.media.feeds import FeedConfig, FeedSettings, FeedsFile
from monitor.media.keywords import MediaRules
from monitor.media.signals import MatchSummary, match_articles
from monitor.models import Feed, Supplier

logger = logging.getLogger(__name__)

SOFT_ERROR = 0.5
HARD_ERROR = 1.0
ERROR_TEXT_CHARS = 500


class FeedError(Exception):
    """A feed could not be read. `weight` feeds the backoff; `gone` disables the feed."""

    def __init__(self, message: str, *, weight: float = HARD_ERROR, status: int | None = None,
                 retry_after: timedelta | None = None, gone: bool = False) -> None:
        super().__init__(message)
        self.message, self.weight, self.status = message, weight, status
        self.retry_after, self.gone = retry_after, gone


@dataclass
class Fetched:
    status: int
    body: bytes | None  # None for 304 Not Modified
    headers: dict[str, str]
    url: str
    moved_to: str | None = None  # the final URL, when a permanent redirect led there


@dataclass
class FeedJob:
    """What a fetch needs, copied out of the row so fetching holds no database session."""

    feed_id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    allow_private_network: bool = False

    @classmethod
    def of(cls, feed: Feed, allow_private_network: bool = False) -> FeedJob:
        assert feed.id is not None
        cached = not feed.ignore_cache_headers
        return cls(feed.id, feed.name, feed.url, feed.etag if cached else None,
                   feed.last_modified if cached else None, allow_private_network)


@dataclass
class PollOutcome:
    feed_id: int
    name: str
    ok: bool
    status: int | None = None
    not_modified: bool = False
    stored: StoreResult = field(default_factory=StoreResult)
    error: str | None = None


@dataclass
class PollSummary:
    outcomes: list[PollOutcome] = field(default_factory=list)
    matched: MatchSummary | None = None  # None when no media.yaml was given

    @property
    def ok(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)

    def total(self, kind: str) -> int:
        return sum(getattr(o.stored, kind) for o in self.outcomes)


# --- fetching -----------------------------------------------------------------------------


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - now)


async def fetch_feed(client: httpx.AsyncClient, job: FeedJob, settings: FeedSettings) -> Fetched:
    """GET the feed (conditional when we have validators), the body capped while streaming."""
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
                         "text/xml;q=0.8, */*;q=0.5"}
    if job.etag:
        headers["If-None-Match"] = job.etag
    if job.last_modified:
        headers["If-Modified-Since"] = job.last_modified
    try:
        async with asyncio.timeout(settings.timeout_seconds):
            async with client.stream("GET", job.url, headers=headers) as response:
                return await _read_response(response, settings)
    except TimeoutError:
        raise FeedError(f"timed out after {settings.timeout_seconds:g} s", weight=SOFT_ERROR) from None
    except PrivateAddressError as exc:
        redirected = exc.host.strip("[]").lower() != (urlsplit(job.url).hostname or "").lower()
        raise FeedError(f"refused{' after a redirect' if redirected else ''}: {exc}; {ALLOW_HINT}") from None
    except httpx.TooManyRedirects:
        raise FeedError("too many redirects") from None
    except httpx.TimeoutException:
        raise FeedError(f"timed out after {settings.timeout_seconds:g} s", weight=SOFT_ERROR) from None
    except httpx.InvalidURL as exc:
        raise FeedError(f"invalid URL: {exc}") from None
    except httpx.DecodingError as exc:
        raise FeedError(f"body could not be decompressed: {exc}") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"connection failed: {type(exc).__name__}: {exc}", weight=SOFT_ERROR) from None


async def _read_response(response: httpx.Response, settings: FeedSettings) -> Fetched:
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    moved = str(response.url) if any(r.status_code in (301, 308) for r in response.history) else None
    if status == 304:
        return Fetched(status, None, headers, str(response.url), moved)
    if status == 410:
        raise FeedError("410 Gone: the server says the feed was removed for good", status=status, gone=True)
    if status in (429, 503):
        wait = retry_after(headers.get("retry-after"), utcnow())
        raise FeedError(f"HTTP {status}" + (f", retry after {int(wait.total_seconds())} s" if wait else ""),
                        status=status, weight=SOFT_ERROR, retry_after=wait)
    if status >= 500:
        raise FeedError(f"HTTP {status} server error", status=status, weight=SOFT_ERROR)
    if not 200 <= status < 300:
        raise FeedError(f"HTTP {status}", status=status)
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise FeedError(f"body of {declared} bytes is over the limit of {settings.max_body_bytes}", status=status)
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():  # decompressed: the cap also stops gzip bombs
        size += len(chunk)
        if size > settings.max_body_bytes:
            raise FeedError(f"body over the limit of {settings.max_body_bytes} bytes", status=status)
        chunks.append(chunk)
    return Fetched(status, b"".join(chunks), headers, str(response.url), moved)


# --- parsing ------------------------------------------------------------------------------


def parse_feed(fetched: Fetched) -> list[Entry]:
    """Entries of a fetched document. feedparser gets a stream, never a string: given bytes
    or str it may treat them as a file name or URL and read or fetch that itself."""
    assert fetched.body is not None
    headers = {k: v for k, v in fetched.headers.items() if k in ("content-type", "content-location",
                                                                  "content-language")}
    headers.setdefault("content-location", fetched.url)
    try:
        parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)
    except Exception as exc:  # feedparser's fallbacks can still raise on pathological input
        raise FeedError(f"not parseable: {type(exc).__name__}: {exc}") from exc
    entries = [e for e in (entry_from_feedparser(raw) for raw in parsed.get("entries", [])) if e is not None]
    if entries:
        # bozo alone (a charset warning, a stray entity) is not a failure when entries came through.
        return entries
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    detail = f" ({_short(problem)})" if problem is not None else ""
    if not parsed.get("version"):
        raise FeedError(f"not a feed: no RSS or Atom found{detail}")
    # An empty feed is fine, unless the parser broke off before even the channel's title: then
    # the entries may be what was lost. (The lenient fallback parser recovers most HTML entities.)
    if problem is not None and not isinstance(problem, ThingsNobodyCaresAboutButMe) and not parsed.get("feed"):
        raise FeedError(f"not parseable and no entries{detail}")
    return []


def _short(value: Any) -> str:
    return " ".join(str(value).split())[:ERROR_TEXT_CHARS]


# --- health -------------------------------------------------------------------------------


def _backoff(feed: Feed, settings: FeedSettings) -> timedelta:
    minutes = min(settings.max_backoff_minutes, feed.interval_minutes * 2 ** feed.error_weight)
    return timedelta(minutes=minutes)


def record_success(feed: Feed, fetched: Fetched, entries_seen: int | None, now: datetime) -> None:
    feed.last_checked_at = feed.last_success_at = now
    feed.last_status = fetched.status
    feed.error_weight, feed.consecutive_failures, feed.healthy = 0.0, 0, True
    feed.next_check_at = now + timedelta(minutes=feed.interval_minutes)
    feed.moved_to = fetched.moved_to
    if fetched.body is not None:
        feed.etag = fetched.headers.get("etag") or None
        feed.last_modified = (fetched.headers.get("last-modified") or "")[:100] or None
        feed.entries_seen = entries_seen or 0


def record_failure(feed: Feed, error: FeedError, now: datetime, settings: FeedSettings) -> None:
    feed.last_checked_at = feed.last_error_at = now
    feed.last_status = error.status
    feed.last_error = error.message[:ERROR_TEXT_CHARS]
    feed.consecutive_failures += 1
    feed.error_weight += error.weight
    feed.healthy = feed.error_weight < settings.unhealthy_error_weight
    wait = _backoff(feed, settings)
    if error.retry_after is not None:
        wait = max(wait, min(error.retry_after, timedelta(minutes=settings.max_backoff_minutes)))
    feed.next_check_at = now + wait
    if error.gone:
        feed.disabled_reason = f"410 Gone on {now:%Y-%m-%d}"
        feed.healthy = False


# --- the feeds table ----------------------------------------------------------------------


def sync_feeds(session: Session, feeds_file: FeedsFile) -> list[Feed]:
    """Make the feeds table match feeds.yaml (by name); rows no longer listed are disabled,
    not deleted, since their articles refer to them. The caller commits."""
    suppliers = session.exec(select(Supplier.name)).all() if feeds_file.supplier_search else []
    wanted = {f.name: f for f in feeds_file.all_feeds(suppliers)}
    rows = {f.name: f for f in session.exec(select(Feed)).all()}
    for name, config in wanted.items():
        row = rows.get(name)
        if row is None and not config.enabled:
            # A feed never enabled has no history to keep: `feeds status` lists it from feeds.yaml,
            # and a database polled with another feeds file does not collect the examples.
            continue
        row = row or Feed(name=name, url=config.url)
        _apply_config(row, config, feeds_file.interval_minutes(config))
        session.add(row)
        rows[name] = row
    for name, row in rows.items():
        if name not in wanted and row.enabled:
            row.enabled = False
            session.add(row)
    session.flush()
    return [rows[name] for name in wanted if name in rows]


def _apply_config(row: Feed, config: FeedConfig, interval: int) -> None:
    if row.url != config.url:
        # A new URL is a new server: old validators, errors and a 410 no longer apply.
        row.url, row.etag, row.last_modified, row.disabled_reason = config.url, None, None, None
        row.error_weight, row.consecutive_failures, row.healthy, row.next_check_at = 0.0, 0, True, None
    if config.ignore_cache_headers:
        row.etag = row.last_modified = None
    row.tags, row.enabled, row.interval_minutes = list(config.tags), config.enabled, interval
    row.ignore_cache_headers = config.ignore_cache_headers


def due_feeds(session: Session, now: datetime, include_not_due: bool = False) -> list[Feed]:
    """Enabled feeds whose next check has come (or all enabled ones); gone feeds never."""
    query = select(Feed).where(col(Feed.enabled), col(Feed.disabled_reason).is_(None))
    if not include_not_due:
        query = query.where(or_(col(Feed.next_check_at).is_(None), col(Feed.next_check_at) <= now))
    return list(session.exec(query.order_by(col(Feed.next_check_at), col(Feed.id))).all())


def claim_feeds(session: Session, now: datetime, settings: FeedSettings, poll_all: bool = False,
                private_allowed: Callable[[str], bool] = lambda _name: False) -> list[FeedJob]:
    """The due feeds (or all enabled), each claimed by moving its next check past this poll.

    The claim is a conditional update on the next check this poller read, so a second poller
    running at the same time (the scheduler and someone at the command line) skips the feeds
    the first one took. If this process dies, the claim runs out and the feed is due again."""
    table = Feed.__table__  # type: ignore[attr-defined]
    lease = now + timedelta(seconds=max(600.0, 3 * settings.timeout_seconds))
    jobs = []
    for feed in due_feeds(session, now, include_not_due=poll_all):
        seen = table.c.next_check_at.is_(None) if feed.next_check_at is None else (
            table.c.next_check_at == feed.next_check_at)
        claimed = session.execute(update(table).where(table.c.id == feed.id, seen).values(next_check_at=lease))
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            jobs.append(FeedJob.of(feed, private_allowed(feed.name)))
    session.commit()
    return jobs


# --- polling ------------------------------------------------------------------------------


def poll_feeds(engine: Engine, feeds_file: FeedsFile, *, now: datetime | None = None, poll_all: bool = False,
               allow_private_networks: bool = False, media_rules: MediaRules | None = None,
               on_outcome: Callable[[PollOutcome], None] | None = None,
               on_start: Callable[[int], None] | None = None) -> PollSummary:
    """Sync feeds.yaml into the database, then poll the due feeds (or all enabled) concurrently.

    `allow_private_networks` (MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS) lets every feed reach
    private addresses; otherwise only feeds with `allow_private_network: true` may. With
    `media_rules` (rules/media.yaml) the articles not yet matched are matched to the suppliers
    afterwards, so they show in `monitor media list` before the next scoring run."""
    now = now or utcnow()
    allowed = {f.name for f in feeds_file.feeds if f.allow_private_network}
    with Session(engine, expire_on_commit=False) as session:
        sync_feeds(session, feeds_file)
        session.commit()
        jobs = claim_feeds(session, now, feeds_file.settings, poll_all,
                           lambda name: allow_private_networks or name in allowed)
    if on_start:
        on_start(len(jobs))
    summary = asyncio.run(_poll_jobs(engine, jobs, feeds_file.settings, now, on_outcome))
    if media_rules is not None:
        # After the feeds' own transactions: a matching problem never costs a stored article.
        with engine.begin() as conn:
            summary.matched = match_articles(conn, media_rules)
    logger.info("Polled feeds ok=%s failed=%s new_articles=%s updated_articles=%s", summary.ok,
                summary.failed, summary.total("new"), summary.total("updated"))
    return summary


async def _poll_jobs(engine: Engine, jobs: Iterable[FeedJob], settings: FeedSettings, now: datetime,
                     on_outcome: Callable[[PollOutcome], None] | None) -> PollSummary:
    summary = PollSummary()
    semaphore = asyncio.Semaphore(settings.max_concurrent_fetches)
    limits = httpx.Limits(max_connections=settings.max_concurrent_fetches,
                          max_keepalive_connections=settings.max_concurrent_fetches)

    def client(allow_private: bool) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent}, follow_redirects=True, max_redirects=settings.max_redirects,
            timeout=httpx.Timeout(settings.timeout_seconds), trust_env=False,
            transport=guarded_transport(limits, allow_private),
        )

    # A feed allowed private addresses gets its own client, so its connections are never the
    # ones another feed's requests reuse.
    async with client(False) as public_only, client(True) as private_allowed:

        async def fetch(job: FeedJob) -> tuple[FeedJob, Fetched | FeedError]:
            async with semaphore:
                try:
                    chosen = private_allowed if job.allow_private_network else public_only
                    return job, await fetch_feed(chosen, job, settings)
                except FeedError as exc:
                    return job, exc
                except Exception as exc:  # a bug must cost one feed, not the whole poll
                    logger.exception("Unexpected error fetching feed feed_id=%s", job.feed_id)
                    return job, FeedError(f"internal error: {type(exc).__name__}: {_short(exc)}")

        for next_done in asyncio.as_completed([fetch(job) for job in jobs]):
            job, result = await next_done
            # Parsing and storing run here, one feed at a time, so database work never races.
            outcome = handle_fetch_result(engine, job, result, settings, now)
            summary.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    return summary


def handle_fetch_result(engine: Engine, job: FeedJob, result: Fetched | FeedError, settings: FeedSettings,
                        now: datetime) -> PollOutcome:
    """Parse, store and record one feed's fetch in its own transaction."""
    outcome = PollOutcome(job.feed_id, job.name, ok=False)
    try:
        if isinstance(result, FeedError):
            raise result
        outcome.status = result.status
        outcome.not_modified = result.body is None
        entries = None if result.body is None else parse_feed(result)
        with Session(engine) as session:
            feed = session.get(Feed, job.feed_id)
            assert feed is not None
            if entries is not None:
                outcome.stored = store_entries(session, job.feed_id, feed.url, entries, now)
            record_success(feed, result, None if entries is None else len(entries), now)
            session.add(feed)
            session.commit()
        outcome.ok = True
        logger.debug("Polled feed feed_id=%s status=%s new=%s", job.feed_id, result.status, outcome.stored.new)
        return outcome
    except FeedError as exc:
        error = exc
        logger.warning("Unable to poll feed feed_id=%s status=%s error=%s", job.feed_id, exc.status, exc.message)
    except Exception as exc:  # storing failed: the feed's transaction is rolled back, others unaffected
        logger.exception("Unexpected error storing feed feed_id=%s", job.feed_id)
        error = FeedError(f"internal error: {type(exc).__name__}: {_short(exc)}")
    error.status = error.status or outcome.status
    outcome.error, outcome.status = error.message, error.status
    with Session(engine) as session:
        feed = session.get(Feed, job.feed_id)
        assert feed is not None
        record_failure(feed, error, now, settings)
        session.add(feed)
        session.commit()
    return outcome
