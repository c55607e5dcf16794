"""Robustness: feedparser's own 2,107 spec documents (../shared/data/feeds-corpus), served from
127.0.0.1 as feeds with the HTTP headers their comments ask for, polled in one run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func
from sqlmodel import Session, col, select
from werkzeug import Request, Response

from monitor.config import PROJECT_DIR
from monitor.media.feeds import parse_feeds
from monitor.media.poller import poll_feeds
from monitor.models import Article, ArticleSource, Feed

CORPUS = PROJECT_DIR.parent / "shared" / "data" / "feeds-corpus" / "feedparser"
LOCAL_FEED = Path(__file__).parent.parent / "data" / "feeds" / "rss20.xml"
NOW = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)
HEADER_LINE = re.compile(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"feed corpus not found at {CORPUS}")


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def serve_corpus_file(request: Request) -> Response:
    path = CORPUS / request.path.removeprefix("/corpus/")
    body = path.read_bytes()
    # The documents name the headers a server should send (a charset, a Content-Location ...).
    headers = {name.decode(): value.decode("latin-1") for name, value in HEADER_LINE.findall(body[:2000])}
    headers.setdefault("Content-Type", "application/xml")
    return Response(body, headers=headers)


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(r"^/corpus/.*")).respond_with_handler(serve_corpus_file)
    server.expect_request("/local/rss20.xml").respond_with_data(LOCAL_FEED.read_bytes(), content_type="application/rss+xml")
    server.start()
    yield server
    server.stop()


def test_every_corpus_feed_is_polled_and_recorded_without_losing_other_feeds_articles(engine, corpus_server):
    files = corpus_files()
    assert len(files) >= 2_000
    local = {"name": "Lokala nyheter", "url": corpus_server.url_for("/local/rss20.xml")}
    corpus = [{"name": str(p.relative_to(CORPUS)), "url": corpus_server.url_for(f"/corpus/{p.relative_to(CORPUS)}")}
              for p in files]
    settings = {"max_concurrent_fetches": 32, "timeout_seconds": 30}
    poll_feeds(engine, parse_feeds({"settings": settings, "feeds": [local]}), now=NOW, allow_private_networks=True)

    summary = poll_feeds(engine, parse_feeds({"settings": settings, "feeds": [local, *corpus]}), now=NOW,
                         poll_all=True, allow_private_networks=True)

    assert len(summary.outcomes) == len(files) + 1
    assert summary.ok > len(files) * 0.95  # most spec documents are feeds; the rest fail and say why
    with Session(engine) as session:
        never_checked = session.exec(select(func.count()).select_from(Feed).where(col(Feed.last_checked_at).is_(None)))
        assert never_checked.one() == 0
        failed_without_reason = session.exec(
            select(Feed.name).where(col(Feed.consecutive_failures) > 0, col(Feed.last_error).is_(None))).all()
        assert failed_without_reason == []
        local_feed = session.exec(select(Feed).where(Feed.name == "Lokala nyheter")).one()
        kept = session.exec(select(func.count()).select_from(ArticleSource).where(
            ArticleSource.feed_id == local_feed.id)).one()
        assert kept == 3 and local_feed.healthy
        assert "<script" not in " ".join(session.exec(select(Article.title)).all()).lower()
