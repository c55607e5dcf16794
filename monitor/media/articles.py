"""Storing feed entries as articles: identity, dedup, updates and stories.

An entry's identity is its GUID, else its normalised URL (tracking parameters stripped),
else a hash of title and text. The same entry seen again in a feed updates its article; the
same URL in another feed adds a source to the same article; another article with a
near-identical title within a few days joins the same story (story_id = the first one's id).

Titles and summaries are stored as plain text and links only as http(s) URLs: feeds are
untrusted, so markup, scripts and `javascript:` links are stripped here, once, and nothing
downstream has to remember to.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from monitor.models import Article, ArticleSource

logger = logging.getLogger(__name__)

STORY_WINDOW = timedelta(days=3)
# Titles this similar (difflib's ratio over the normalised text) are one story told twice.
STORY_TITLE_SIMILARITY = 0.9
# One title may be another plus an outlet's tag of at most this many words, if the shorter has
# at least MIN_CONTAINED_WORDS: "hemtjänstföretag misstänks för fusk i exempelby svt nyheter".
MAX_OUTLET_WORDS, MIN_CONTAINED_WORDS = 3, 6
# Shorter titles ("Nyheter", "Debatt") say too little to call two articles the same story.
MIN_STORY_TITLE_WORDS = 4
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 20_000
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "_gl",
    "cmpid", "xtor", "ns_source", "ns_mchannel", "ns_campaign", "ocid", "at_medium", "at_campaign",
}


class _TextExtractor(HTMLParser):
    """Text content of an HTML fragment, without script/style bodies."""

    SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object"})
    BLOCK = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(value: str | None, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Markup stripped, entities decoded, whitespace collapsed, control characters dropped."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        parser = _TextExtractor()
        try:
            parser.feed(value)
            parser.close()
            value = "".join(parser.parts)
        except Exception:  # HTMLParser is lenient; this is a last resort for odd input
            value = re.sub(r"<[^>]*>", " ", value)
        value = unescape(value)
        # A title like "&lt;script&gt;" decodes to markup: strip again, but only tags.
        value = re.sub(r"<[^>]*>", " ", value)
    value = "".join(ch for ch in value if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return " ".join(value.split())[:limit]


def normalise_url(url: str | None) -> str | None:
    """The URL with tracking parameters, fragment, default port and case noise removed."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    path = parts.path or "/"
    # http and https of the same page are one article; the scheme is not part of the story.
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def title_key(title: str) -> str:
    """Case, accents of punctuation and spacing removed, for comparing titles across outlets."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    words = text.split()
    return " ".join(words)[:500] if len(words) >= MIN_STORY_TITLE_WORDS else ""


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A feed entry reduced to what is stored, text already plain."""

    guid: str | None
    link: str | None
    normalised_url: str | None
    title: str
    summary: str
    published_at: datetime | None

    @property
    def entry_key(self) -> str:
        """Identity within one feed: GUID, else normalised URL, else title and text."""
        if self.guid:
            return _sha("guid:" + self.guid)
        if self.normalised_url:
            return _sha("url:" + self.normalised_url)
        return _sha("text:" + self.title + "\n" + self.summary)

    def identity(self, feed_url: str) -> str:
        """Identity across feeds. A URL-like or tag:/urn: GUID is global by design; a bare one
        ("12345") is only unique within its site, so it is scoped by the feed's host."""
        if self.guid:
            if re.match(r"^(https?://|tag:|urn:)", self.guid, re.IGNORECASE):
                return _sha("guid:" + self.guid)
            return _sha(f"guid:{urlsplit(feed_url).hostname}:{self.guid}")
        return self.entry_key

    @property
    def content_hash(self) -> str:
        return _sha(f"{self.title}\n{self.summary}\n{self.link or ''}")


def _struct_time(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        moment = datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    return moment if 1990 <= moment.year <= 2100 else None


def _clean_ref(value: Any, limit: int) -> str | None:
    """A GUID or link as storable text: PostgreSQL refuses NUL, and control characters are noise."""
    if not isinstance(value, str):
        return None
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C").strip()
    return value[:limit] or None


def web_link(value: str | None) -> str | None:
    """The link if it is an http(s) URL with a host, else None: a `javascript:` or `data:` link
    from a feed would run in the browser of whoever clicks it in the UI or the digest."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def entry_from_feedparser(raw: Any) -> Entry | None:
    """An Entry from one feedparser entry, or None when it has nothing to identify it by."""
    guid = _clean_ref(raw.get("id"), 2000)
    link = web_link(_clean_ref(raw.get("link"), 4000))
    title = plain_text(raw.get("title"), MAX_TITLE_CHARS)
    content = raw.get("content") or []
    body = raw.get("summary") or (content[0].get("value") if content else "")
    summary = plain_text(body)
    if not (guid or link or title or summary):
        return None
    published = _struct_time(raw.get("published_parsed")) or _struct_time(raw.get("updated_parsed"))
    return Entry(guid=guid, link=link, normalised_url=normalise_url(link), title=title, summary=summary,
                 published_at=published)


@dataclass
class StoreResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0  # an article already stored from another feed, now with this one as a source too


def store_entries(session: Session, feed_id: int, feed_url: str, entries: list[Entry], now: datetime) -> StoreResult:
    """Upsert a feed's entries; the caller commits. Duplicates within one document count once
    (the last one wins, as a feed lists its newest version last only by accident either way)."""
    result = StoreResult()
    latest: dict[str, Entry] = {}
    for entry in entries:
        latest[entry.entry_key] = entry
    for key, entry in latest.items():
        outcome = _store_entry(session, feed_id, feed_url, entry, key, now)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _store_entry(session: Session, feed_id: int, feed_url: str, entry: Entry, key: str, now: datetime) -> str:
    source = session.exec(
        select(ArticleSource).where(ArticleSource.feed_id == feed_id, ArticleSource.entry_key == key)
    ).first()
    if source is not None:
        source.last_seen_at = now
        session.add(source)
        # Compared per source: two feeds with different summaries of one article must not
        # overwrite each other on every poll.
        if source.content_hash == entry.content_hash:
            return "unchanged"
        source.content_hash = entry.content_hash
        article = session.get(Article, source.article_id)
        assert article is not None
        _update_article(article, entry, now)
        session.add(article)
        return "updated"

    article = _find_same_article(session, entry, feed_url)
    outcome = "merged"
    if article is None:
        article = _new_article(session, entry, feed_url, now)
        outcome = "new"
    assert article.id is not None
    session.add(ArticleSource(article_id=article.id, feed_id=feed_id, entry_key=key, guid=entry.guid,
                              link=entry.link, content_hash=entry.content_hash, first_seen_at=now,
                              last_seen_at=now))
    session.flush()
    return outcome


def _find_same_article(session: Session, entry: Entry, feed_url: str) -> Article | None:
    article = session.exec(select(Article).where(Article.identity == entry.identity(feed_url))).first()
    if article is None and entry.normalised_url:
        article = session.exec(
            select(Article).where(Article.url_key == _sha(entry.normalised_url)).order_by(col(Article.id))
        ).first()
    return article


def _new_article(session: Session, entry: Entry, feed_url: str, now: datetime) -> Article:
    key = title_key(entry.title)
    article = Article(identity=entry.identity(feed_url), content_hash="", first_seen_at=now, updated_at=now)
    _update_article(article, entry, now)
    session.add(article)
    session.flush()
    article.story_id = _find_story(session, key, entry.published_at or now, article.id) or article.id
    session.add(article)
    return article


def same_story(key: str, other: str) -> bool:
    """Two normalised titles tell the same story: equal, nearly equal (a word changed, an
    ending), or one is the other plus an outlet's tag ("... – SVT Nyheter")."""
    if not key or not other:
        return False
    if key == other:
        return True
    if SequenceMatcher(None, key, other, autojunk=False).ratio() >= STORY_TITLE_SIMILARITY:
        return True
    short, long = sorted((key.split(), other.split()), key=len)
    return (len(short) >= MIN_CONTAINED_WORDS and len(long) - len(short) <= MAX_OUTLET_WORDS
            and long[: len(short)] == short)


def _find_story(session: Session, key: str, when: datetime, own_id: int | None) -> int | None:
    if not key:
        return None
    lo, hi = when - STORY_WINDOW, when + STORY_WINDOW
    candidates = session.exec(
        select(Article).where(
            Article.id != own_id, Article.title_key != "",
            or_(Article.title_key == key, and_(col(Article.published_at) >= lo, col(Article.published_at) <= hi)),
        ).order_by(col(Article.id))
    ).all()
    for other in candidates:
        if abs((other.published_at or other.first_seen_at) - when) <= STORY_WINDOW and same_story(
            key, other.title_key
        ):
            return other.story_id or other.id
    return None


def _update_article(article: Article, entry: Entry, now: datetime) -> None:
    article.title, article.summary, article.content_hash = entry.title, entry.summary, entry.content_hash
    article.title_key = title_key(entry.title)
    if entry.link or article.url is None:
        article.url, article.normalised_url = entry.link, entry.normalised_url
        article.url_key = _sha(entry.normalised_url) if entry.normalised_url else None
    article.published_at = entry.published_at or article.published_at
    article.updated_at = now
    # New text is matched again at the next scoring run.
    article.matched_with = None
