"""feeds.yaml: the media feeds to poll and how, validated with `file:line` errors.

A minimal file is `feeds: [{name: Lokala nyheter, url: https://example.org/rss}]`; every
setting has a default. A `supplier_search` template expands into one feed per contracted
supplier (a news-search URL with the supplier's name in it) when the feeds are synced.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.media.addresses import ALLOW_HINT, url_refusal, url_refusals
from monitor.yamlfile import ConfigFileError, first_error, load_yaml, node_line

DEFAULT_USER_AGENT = "monitor-media-poller/0.1 (municipal supplier follow-up; +https://example.org/monitor)"


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value


class FeedSettings(BaseModel):
    """How all feeds are fetched; each value can be left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = Field(DEFAULT_USER_AGENT, min_length=1, pattern=r"^[\x20-\x7e]+$",
                            description="User-Agent header sent to servers (printable ASCII).")
    timeout_seconds: float = Field(20.0, gt=0, le=300, description="Whole-fetch limit per feed.")
    max_concurrent_fetches: int = Field(8, ge=1, le=200, description="Feeds fetched at the same time.")
    default_interval_minutes: int = Field(60, ge=1, description="How often a feed is polled unless it says.")
    max_body_bytes: int = Field(5_000_000, ge=1_000, description="Larger (decompressed) bodies are refused.")
    max_backoff_minutes: int = Field(24 * 60, ge=1, description="Longest wait after failures.")
    unhealthy_error_weight: float = Field(
        5.0, gt=0, description="Weighted errors in a row (404 = 1, timeout or 5xx = 0.5) that mark a feed unhealthy."
    )
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per fetch.")


class FeedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=300, description="Unique name, shown in status and digests.")
    url: str = Field(description="The RSS/Atom URL (http or https).")
    interval_minutes: int | None = Field(None, ge=1, description="Poll interval; default from settings.")
    enabled: bool = True
    tags: tuple[str, ...] = Field((), description="Free labels, e.g. lokal, nationell, myndighet.")
    ignore_cache_headers: bool = Field(
        False, description="Never send If-None-Match/If-Modified-Since (for servers whose 304s lie)."
    )
    allow_private_network: bool = Field(
        False, description="May reach loopback, private and link-local addresses (an intranet feed)."
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _http_url(value)


class SupplierSearch(BaseModel):
    """One news-search feed per supplier, e.g. a search engine's RSS for the supplier's name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("Nyhetssök: {supplier}", description="Feed name; {supplier} is the supplier's name.")
    url_template: str = Field(description="URL with {query}: the supplier's name, URL-encoded and quoted.")
    interval_minutes: int | None = Field(None, ge=1)
    enabled: bool = True
    tags: tuple[str, ...] = ("sök",)

    @field_validator("url_template")
    @classmethod
    def _has_query(cls, value: str) -> str:
        if "{query}" not in value:
            raise ValueError("must contain {query}")
        _http_url(value.replace("{query}", "q"))
        return value

    def feed_for(self, supplier_name: str) -> FeedConfig:
        query = quote_plus(f'"{supplier_name}"')
        return FeedConfig(
            name=self.name.replace("{supplier}", supplier_name)[:300],
            url=self.url_template.replace("{query}", query),
            interval_minutes=self.interval_minutes,
            enabled=self.enabled,
            tags=self.tags,
        )


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    settings: FeedSettings = Field(default_factory=FeedSettings)
    feeds: tuple[FeedConfig, ...] = ()
    supplier_search: SupplierSearch | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> FeedsFile:
        seen: set[str] = set()
        for feed in self.feeds:
            if feed.name in seen:
                raise ValueError(f"feed name {feed.name!r} appears twice")
            seen.add(feed.name)
        return self

    def interval_minutes(self, feed: FeedConfig) -> int:
        return feed.interval_minutes or self.settings.default_interval_minutes

    def all_feeds(self, supplier_names: Iterable[str] = ()) -> list[FeedConfig]:
        """The listed feeds plus, if configured, a search feed per supplier (listed names win)."""
        feeds = list(self.feeds)
        if self.supplier_search is not None:
            names = {f.name for f in feeds}
            for supplier in sorted(set(supplier_names)):
                feed = self.supplier_search.feed_for(supplier)
                if feed.name not in names:
                    feeds.append(feed)
                    names.add(feed.name)
        return feeds


def parse_feeds(data: Any) -> FeedsFile:
    """Validate already-parsed YAML data (tests and callers without a file)."""
    return FeedsFile.model_validate(data or {})


def load_feeds(path: Path) -> FeedsFile:
    """feeds.yaml, validated; any problem is one ConfigFileError line naming file and line."""
    data, tree = load_yaml(path)
    if data is not None and not isinstance(data, dict):
        raise ConfigFileError(f"{path}:1: expected a mapping with 'feeds:' (and optionally 'settings:')")
    try:
        return parse_feeds(data)
    except ValidationError as exc:
        loc, problem = first_error(exc)
        where = node_line(tree, *loc) or 1
        feed = _feed_name(data, loc)
        if feed:
            problem = f"feed {feed!r}: {problem}"
        raise ConfigFileError(f"{path}:{where}: {problem}") from exc


def refused_feeds(path: Path, feeds_file: FeedsFile, allow_private_networks: bool = False,
                  resolve: bool = True) -> list[str]:
    """`file:line: feed 'X': refused: why; what to do` for each feed the poller would refuse.

    A private address or a localhost name is refused as written; with `resolve`, the hosts of
    enabled feeds are looked up too (a host that does not resolve now is left to the poll)."""
    if allow_private_networks:
        return []
    _, tree = load_yaml(path)
    checked: list[tuple[list[str | int], str, str, bool]] = [
        (["feeds", i, "url"], f"feed {feed.name!r}", feed.url, feed.enabled)
        for i, feed in enumerate(feeds_file.feeds) if not feed.allow_private_network
    ]
    if feeds_file.supplier_search is not None:
        search = feeds_file.supplier_search
        checked.append((["supplier_search", "url_template"], "supplier_search",
                        search.url_template.replace("{query}", "q"), search.enabled))
    enabled = [url for _, _, url, on in checked if on]
    resolved = dict(zip(enabled, url_refusals(enabled, resolve=resolve), strict=True))
    problems = []
    for loc, what, url, on in checked:
        why = resolved[url] if on else url_refusal(url)
        if why:
            problems.append(f"{path}:{node_line(tree, *loc) or 1}: {what}: refused: {why}; {ALLOW_HINT}")
    return problems


def _feed_name(data: Any, loc: list[str | int]) -> str | None:
    if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
        try:
            name = data["feeds"][loc[1]].get("name")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return name if isinstance(name, str) else None
    return None
