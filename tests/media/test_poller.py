"""Polling against a real HTTP server on 127.0.0.1 serving the fixtures in tests/data/feeds/."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from werkzeug import Request, Response

from monitor.media.feeds import parse_feeds
from monitor.media.poller import PollSummary, due_feeds, poll_feeds
from monitor.models import Article, ArticleSource, Feed

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
NOW = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)
RSS = "application/rss+xml; charset=utf-8"


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    # Threaded, so a feed that hangs does not hold up the others' requests.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def feed_server(server: HTTPServer) -> Iterator[HTTPServer]:
    server.clear()
    yield server
    server.clear()


def serve(server: HTTPServer, path: str, fixture: str, content_type: str = RSS, **headers: str) -> str:
    server.expect_request(path).respond_with_data((FEEDS / fixture).read_bytes(), content_type=content_type,
                                                  headers=headers)
    return server.url_for(path)


def poll(engine: Engine, feeds: dict[str, str], now: datetime = NOW, poll_all: bool = True,
         **settings: object) -> PollSummary:
    config = parse_feeds({"settings": {"timeout_seconds": 5, **settings},
                          "feeds": [{"name": name, "url": url} for name, url in feeds.items()]})
    # The test server is on loopback, which feeds may reach only when the operator allows it.
    return poll_feeds(engine, config, now=now, poll_all=poll_all, allow_private_networks=True)


def feed(engine: Engine, name: str) -> Feed:
    with Session(engine) as session:
        return session.exec(select(Feed).where(Feed.name == name)).one()


def titles(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(Article.title)).all())


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(
    ("fixture", "content_type", "title"),
    [
        ("rss20.xml", RSS, "Kommunen granskar hemtjänstföretag efter larm om fusk"),
        ("rss10.xml", "application/rdf+xml", "Beslut om vite mot omsorgsföretag"),
        ("atom.xml", "application/atom+xml", "Kommunen säger upp avtal med Hemtjänst Beta AB"),
        ("latin1.xml", "text/xml; charset=ISO-8859-1", "Äldreomsorg i Växjö får kritik"),
        ("cp1252.xml", "text/xml; charset=windows-1252", "”Fusket kostar miljoner” – säger förvaltningen"),
        ("latin1.xml", "application/xml", "Äldreomsorg i Växjö får kritik"),
        ("mislabelled-cp1252.xml", "text/xml; charset=utf-8", "Kommunen stoppar utbetalningar – ”fel i tidrapporterna”"),
        ("mislabelled-utf8.xml", "application/xml", "Åtal väcks mot ägare av hemtjänstföretag"),
    ],
    ids=["rss2", "rss1", "atom", "latin1-labelled", "cp1252-labelled", "latin1-xml-declaration-only",
         "cp1252-labelled-utf8", "utf8-labelled-latin1"],
)
def test_it_stores_the_entries_of_each_feed_format_and_encoding(engine, feed_server, fixture, content_type, title):
    summary = poll(engine, {"Nyheter": serve(feed_server, "/feed", fixture, content_type)})
    assert summary.failed == 0
    assert title in titles(engine)
    assert feed(engine, "Nyheter").healthy


def test_it_sends_its_user_agent(engine, feed_server):
    poll(engine, {"Nyheter": serve(feed_server, "/feed", "rss20.xml")}, user_agent="Exempelby-monitor/1.0")
    request, _ = feed_server.log[0]
    assert request.headers["User-Agent"] == "Exempelby-monitor/1.0"


def _conditional(body: bytes, etag: str | None = None, modified: str | None = None):
    def handler(request: Request) -> Response:
        if (etag and request.headers.get("If-None-Match") == etag) or (
            modified and request.headers.get("If-Modified-Since") == modified
        ):
            return Response(status=304)
        headers = {k: v for k, v in (("ETag", etag), ("Last-Modified", modified)) if v}
        return Response(body, content_type=RSS, headers=headers)

    return handler


@pytest.mark.parametrize(("etag", "modified"), [('"v1"', None), (None, "Mon, 05 Oct 2026 08:00:00 GMT")],
                         ids=["etag", "last-modified"])
def test_polling_twice_gets_a_304_without_a_body_and_stores_no_duplicates(engine, feed_server, etag, modified):
    body = (FEEDS / "rss20.xml").read_bytes()
    feed_server.expect_request("/feed").respond_with_handler(_conditional(body, etag, modified))
    poll(engine, {"Nyheter": feed_server.url_for("/feed")})
    second = poll(engine, {"Nyheter": feed_server.url_for("/feed")}, now=NOW + timedelta(hours=1))
    assert second.outcomes[0].not_modified
    assert [r.status_code for _, r in feed_server.log] == [200, 304]
    assert feed_server.log[1][1].get_data() == b""
    assert count(engine, Article) == 3


def test_it_sends_no_validators_to_a_feed_set_to_ignore_them(engine, feed_server):
    body = (FEEDS / "rss20.xml").read_bytes()
    feed_server.expect_request("/feed").respond_with_handler(_conditional(body, etag='"v1"'))
    config = {"feeds": [{"name": "Nyheter", "url": feed_server.url_for("/feed"), "ignore_cache_headers": True}]}
    for hour in (0, 1):
        poll_feeds(engine, parse_feeds(config), now=NOW + timedelta(hours=hour), poll_all=True,
                   allow_private_networks=True)
    assert [r.status_code for _, r in feed_server.log] == [200, 200]
    assert count(engine, Article) == 3


def test_without_validators_a_second_poll_still_stores_no_duplicates(engine, feed_server):
    url = serve(feed_server, "/feed", "rss20.xml")
    poll(engine, {"Nyheter": url})
    second = poll(engine, {"Nyheter": url}, now=NOW + timedelta(hours=1))
    assert (second.total("new"), second.total("unchanged")) == (0, 3)
    assert count(engine, Article) == 3
    assert count(engine, ArticleSource) == 3


@pytest.mark.parametrize("status", [301, 302])
def test_it_follows_redirects(engine, feed_server, status):
    feed_server.expect_request("/old").respond_with_data("", status=status, headers={"Location": "/new"})
    serve(feed_server, "/new", "atom.xml", "application/atom+xml")
    assert poll(engine, {"Press": feed_server.url_for("/old")}).ok == 1
    assert count(engine, Article) == 2
    # Only a permanent move asks for feeds.yaml to be updated.
    assert feed(engine, "Press").moved_to == (feed_server.url_for("/new") if status == 301 else None)


def test_it_reads_a_gzipped_body(engine, feed_server):
    feed_server.expect_request("/feed").respond_with_data(
        gzip.compress((FEEDS / "rss20.xml").read_bytes()), content_type=RSS, headers={"Content-Encoding": "gzip"})
    assert poll(engine, {"Nyheter": feed_server.url_for("/feed")}).ok == 1
    assert count(engine, Article) == 3


@pytest.mark.parametrize(
    ("status", "weight", "error"),
    [(404, 1.0, "HTTP 404"), (500, 0.5, "HTTP 500 server error"), (503, 0.5, "HTTP 503")],
    ids=["not-found-is-hard", "server-error-is-soft", "unavailable-is-soft"],
)
def test_a_failing_feed_records_a_weighted_error_and_backs_off(engine, feed_server, status, weight, error):
    feed_server.expect_request("/feed").respond_with_data("nej", status=status)
    poll(engine, {"Trasig": feed_server.url_for("/feed")})
    row = feed(engine, "Trasig")
    assert (row.error_weight, row.consecutive_failures, row.last_error, row.last_status) == (weight, 1, error, status)
    assert row.next_check_at == NOW + timedelta(minutes=60 * 2**weight)
    assert row.healthy and row.last_success_at is None


def test_429_with_retry_after_waits_as_long_as_the_server_asks(engine, feed_server):
    feed_server.expect_request("/feed").respond_with_data("", status=429, headers={"Retry-After": "7200"})
    poll(engine, {"Strypt": feed_server.url_for("/feed")})
    row = feed(engine, "Strypt")
    assert row.next_check_at == NOW + timedelta(hours=2)
    assert "retry after 7200 s" in row.last_error


def test_410_gone_disables_the_feed_and_says_why(engine, feed_server):
    feed_server.expect_request("/feed").respond_with_data("", status=410)
    poll(engine, {"Nedlagd": feed_server.url_for("/feed")})
    row = feed(engine, "Nedlagd")
    assert row.disabled_reason == "410 Gone on 2026-10-12" and not row.healthy
    with Session(engine) as session:
        assert due_feeds(session, NOW + timedelta(days=30), include_not_due=True) == []


def test_a_timeout_is_a_soft_error_and_the_other_feeds_still_poll(engine, feed_server):
    def slow(request: Request) -> Response:
        time.sleep(2)
        return Response((FEEDS / "rss20.xml").read_bytes(), content_type=RSS)

    feed_server.expect_request("/slow").respond_with_handler(slow)
    summary = poll(engine, {"Seg": feed_server.url_for("/slow"), "Press": serve(feed_server, "/atom", "atom.xml")},
                   timeout_seconds=0.3)
    assert (summary.ok, summary.failed) == (1, 1)
    row = feed(engine, "Seg")
    assert (row.last_error, row.error_weight) == ("timed out after 0.3 s", 0.5)
    assert count(engine, Article) == 2


def test_a_feed_that_keeps_failing_becomes_unhealthy_but_is_still_polled(engine, feed_server):
    feed_server.expect_request("/feed").respond_with_data("", status=404)
    for day in range(5):
        poll(engine, {"Trasig": feed_server.url_for("/feed")}, now=NOW + timedelta(days=day), poll_all=False)
    row = feed(engine, "Trasig")
    assert (row.consecutive_failures, row.healthy) == (5, False)
    assert row.next_check_at == NOW + timedelta(days=5)  # capped at a day, never dropped
    with Session(engine) as session:
        assert [f.name for f in due_feeds(session, NOW + timedelta(days=5))] == ["Trasig"]


def test_a_success_after_failures_makes_the_feed_healthy_again(engine, feed_server):
    feed_server.expect_oneshot_request("/feed").respond_with_data("", status=500)
    poll(engine, {"Nyheter": feed_server.url_for("/feed")})
    serve(feed_server, "/feed", "rss20.xml")
    poll(engine, {"Nyheter": feed_server.url_for("/feed")}, now=NOW + timedelta(hours=2))
    row = feed(engine, "Nyheter")
    assert (row.healthy, row.error_weight, row.consecutive_failures) == (True, 0, 0)
    assert row.last_error == "HTTP 500 server error"  # the last error stays visible
    assert row.last_success_at == NOW + timedelta(hours=2)


def test_a_feed_that_turns_to_garbage_keeps_its_stored_articles(engine, feed_server):
    feed_server.expect_oneshot_request("/feed").respond_with_data((FEEDS / "rss20.xml").read_bytes())
    poll(engine, {"Nyheter": feed_server.url_for("/feed")})
    serve(feed_server, "/feed", "not-a-feed.html", "text/html")
    summary = poll(engine, {"Nyheter": feed_server.url_for("/feed")}, now=NOW + timedelta(hours=1))
    assert summary.outcomes[0].error.startswith("not a feed: no RSS or Atom found")
    assert count(engine, Article) == 3
    row = feed(engine, "Nyheter")
    assert row.last_error.startswith("not a feed") and row.last_status == 200


def test_truncated_xml_keeps_the_entries_that_parsed(engine, feed_server):
    summary = poll(engine, {"Avbruten": serve(feed_server, "/feed", "truncated.xml")})
    assert summary.ok == 1
    assert "Nytt äldreboende öppnar i Norra Exempelby" in titles(engine)


def test_duplicate_guids_in_one_feed_are_one_article(engine, feed_server):
    poll(engine, {"Dubbletter": serve(feed_server, "/feed", "duplicate-guids.xml")})
    assert titles(engine) == ["En annan nyhet", "Samma nyhet två gånger"]


def test_an_entry_updated_in_place_updates_its_article(engine, feed_server):
    feed_server.expect_oneshot_request("/feed").respond_with_data((FEEDS / "updated-v1.xml").read_bytes())
    poll(engine, {"Uppdateringar": feed_server.url_for("/feed")})
    serve(feed_server, "/feed", "updated-v2.xml")
    second = poll(engine, {"Uppdateringar": feed_server.url_for("/feed")}, now=NOW + timedelta(hours=1))
    assert (second.total("new"), second.total("updated")) == (0, 1)
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
    assert article.title == "UPPDATERAD: Två gripna för fusk hos hemtjänstföretag"
    assert (article.first_seen_at, article.updated_at) == (NOW, NOW + timedelta(hours=1))


def test_the_same_story_in_two_feeds_is_one_story_with_two_sources(engine, feed_server):
    poll(engine, {"Tidning A": serve(feed_server, "/a", "story-outlet-a.xml"),
                  "Tidning B": serve(feed_server, "/b", "story-outlet-b.xml")})
    with Session(engine) as session:
        articles = session.exec(select(Article)).all()
        by_story = {a.story_id for a in articles if "bidragsbrott" in a.title}
        weather = [a for a in articles if a.title.startswith("Väder")]
        weather_sources = session.exec(select(ArticleSource).where(ArticleSource.article_id == weather[0].id)).all()
    assert len(by_story) == 1  # two outlets' articles (other URLs, near-identical titles), one story
    assert len(weather) == 1 and len(weather_sources) == 2  # same URL once tracking is stripped


def test_an_entity_expansion_bomb_is_defused(engine, feed_server):
    started = time.monotonic()
    poll(engine, {"Bomb": serve(feed_server, "/feed", "entity-bomb.xml")})
    assert time.monotonic() - started < 5
    assert all(len(t) < 100 for t in titles(engine))


def test_a_huge_body_is_refused_while_streaming(engine, feed_server):
    huge = b"<rss version='2.0'><channel>" + b"<item><title>x</title></item>" * 200_000 + b"</channel></rss>"
    feed_server.expect_request("/huge").respond_with_data(gzip.compress(huge), headers={"Content-Encoding": "gzip"})
    summary = poll(engine, {"Enorm": feed_server.url_for("/huge"), "Nyheter": serve(feed_server, "/ok", "rss20.xml")},
                   max_body_bytes=1_000_000)
    assert feed(engine, "Enorm").last_error == "body over the limit of 1000000 bytes"
    assert summary.ok == 1 and count(engine, Article) == 3


def test_html_and_script_in_titles_are_stored_as_plain_text(engine, feed_server):
    poll(engine, {"Fientlig": serve(feed_server, "/feed", "hostile-markup.xml")})
    with Session(engine) as session:
        articles = session.exec(select(Article)).all()
    assert sorted(a.title for a in articles) == ["Larm om fusk", "Rubrik med"]
    assert all("<" not in a.title + a.summary and "alert" not in a.summary for a in articles)


def test_only_http_and_https_links_are_stored(engine, feed_server):
    poll(engine, {"Fientlig": serve(feed_server, "/feed", "hostile-links.xml")})
    with Session(engine) as session:
        links = {a.title: a.url for a in session.exec(select(Article)).all()}
        sources = [s.link for s in session.exec(select(ArticleSource)).all()]
    assert links == {"Skriptlänk": None, "Skriptlänk med versaler och tab": None, "Datalänk": None,
                     "VBScript-länk": None, "Filänk": None, "Vanlig länk": "https://fientlig.example/nyhet-6"}
    assert sorted(filter(None, sources)) == ["https://fientlig.example/nyhet-6"]


def test_feeds_poll_and_status_show_each_feeds_health(db_url, feed_server, tmp_path):
    from typer.testing import CliRunner

    from monitor.cli import app

    feed_server.expect_request("/gone").respond_with_data("", status=410)
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - {{name: Nyheter, url: '{serve(feed_server, '/feed', 'rss20.xml')}'}}\n"
                          f"  - {{name: Nedlagd, url: '{feed_server.url_for('/gone')}'}}\n", encoding="utf-8")
    args = ["--db", db_url, "--feeds-file", str(feeds_file), "feeds"]
    env = {"MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS": "1"}
    polled = CliRunner().invoke(app, [*args, "poll"], env=env, catch_exceptions=False)
    assert polled.exit_code == 1
    assert "Hämtade 2 flöden: 1 OK, 1 misslyckades. Artiklar: 3 nya." in polled.output
    status = CliRunner().invoke(app, [*args, "status"], env=env, catch_exceptions=False).output
    assert "│ Nyheter │ fungerar" in status and "│ Nedlagd │ borta: 410 Gone on" in status


def test_a_second_poller_at_the_same_time_skips_the_feeds_the_first_one_claimed(engine):
    from monitor.media.poller import claim_feeds, sync_feeds

    config = parse_feeds({"feeds": [{"name": "A", "url": "http://127.0.0.1:9/a"},
                                    {"name": "B", "url": "http://127.0.0.1:9/b"}]})
    with Session(engine) as session:
        sync_feeds(session, config)
        session.commit()
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        taken = claim_feeds(first, NOW, config.settings)
        assert sorted(job.name for job in taken) == ["A", "B"]
        assert claim_feeds(second, NOW, config.settings) == []
    # A claim whose poller died runs out: the feeds are due again later.
    with Session(engine, expire_on_commit=False) as later:
        assert len(claim_feeds(later, NOW + timedelta(hours=1), config.settings)) == 2


def test_an_entry_updated_in_place_is_matched_again_with_its_new_text(engine, feed_server):
    from sqlalchemy import insert as sql_insert

    from monitor.config import PROJECT_DIR
    from monitor.media.keywords import load_media_rules
    from monitor.media.signals import match_articles
    from monitor.models import ArticleMatch, Supplier

    with engine.begin() as conn:
        conn.execute(sql_insert(Supplier.__table__), [{"org_number": "559923-3219", "name": "Hemtjänstföretag AB",
                                                      "aliases": ["hemtjänstföretag"], "contract_area": "Hemtjänst",
                                                      "contract_form": "LOV"}])
    rules = load_media_rules(PROJECT_DIR / "rules")
    feed_server.expect_oneshot_request("/feed").respond_with_data((FEEDS / "updated-v1.xml").read_bytes())
    poll(engine, {"Uppdateringar": feed_server.url_for("/feed")})
    with engine.begin() as conn:
        assert match_articles(conn, rules).articles == 1
        assert match_articles(conn, rules).articles == 0

    def words() -> list[str]:
        with Session(engine) as session:
            return sorted(k["term"] for k in session.exec(select(ArticleMatch)).one().keywords)

    assert words() == ["fusk", "misstänkt"]
    serve(feed_server, "/feed", "updated-v2.xml")
    poll(engine, {"Uppdateringar": feed_server.url_for("/feed")}, now=NOW + timedelta(hours=1))
    with engine.begin() as conn:
        assert match_articles(conn, rules).articles == 1
    assert words() == ["fusk"]  # "misstänkt" left the text when it was updated
