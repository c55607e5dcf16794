"""Feeds reach public addresses only, checked where the connection opens (redirects and DNS too),
unless the operator allows private ones for a feed or for all.

The servers here are real, on loopback. A "public" server is one on 127.0.0.2 that the check is
told to treat as public, the way a news site is; DNS answers come from `fake_dns`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import Session, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.media import addresses
from monitor.media.addresses import address_kind, url_refusal
from monitor.media.feeds import parse_feeds
from monitor.media.poller import PollSummary, poll_feeds
from monitor.models import Article

FEED = (Path(__file__).parent.parent / "data" / "feeds" / "rss20.xml").read_bytes()
NOW = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)
HINT = ("set allow_private_network: true for this feed (or MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS=1 for all) "
        "if it is meant")
PUBLIC_HOST = "127.0.0.2"


@pytest.fixture
def local_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    yield server
    server.stop()


@pytest.fixture
def public_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    real = addresses.address_kind
    monkeypatch.setattr(addresses, "address_kind",
                        lambda address: None if str(address) == PUBLIC_HOST else real(address))
    server = HTTPServer(host=PUBLIC_HOST, port=0)
    server.start()
    yield server
    server.stop()


class FakeDns:
    """host -> its answers, one per lookup (the last one repeats); every lookup is recorded."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    dns = FakeDns()
    monkeypatch.setattr(addresses, "resolve_host", dns.resolve)
    return dns


def poll(engine, url: str, allow_feed: bool = False, allow_all: bool = False) -> PollSummary:
    config = parse_feeds({"settings": {"timeout_seconds": 5},
                          "feeds": [{"name": "Nyheter", "url": url, "allow_private_network": allow_feed}]})
    return poll_feeds(engine, config, now=NOW, poll_all=True, allow_private_networks=allow_all)


def stored(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Article)).all())


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"), ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"),
        ("fc00::1", "private"), ("ff02::1", "multicast"), ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"), ("::7f00:1", "reserved"), ("2002:a00:1::1", "private"),
        ("93.184.216.34", None), ("2606:4700:4700::1111", None),
    ],
)
def test_it_names_the_kind_of_every_address_that_is_not_public(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1:{port}", "127.0.0.1 is a loopback address"),
        ("[::1]:{port}", "::1 is a loopback address"),
        ("2130706433:{port}", "2130706433 is 127.0.0.1, a loopback address"),
        ("0x7f.1:{port}", "0x7f.1 is 127.0.0.1, a loopback address"),
        ("[::ffff:127.0.0.1]:{port}", "::ffff:127.0.0.1 is a loopback address"),
        ("0.0.0.0:{port}", "0.0.0.0 is an unspecified address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        ("10.20.30.40:5432", "10.20.30.40 is a private address"),
        ("localhost:{port}", "localhost resolves to "),
    ],
    ids=["loopback", "ipv6-loopback", "decimal", "hex-short", "ipv4-mapped", "unspecified", "metadata-service",
         "private", "localhost"],
)
def test_it_refuses_a_feed_at_a_private_address_without_connecting(engine, local_server, host, reason):
    summary = poll(engine, f"http://{host.format(port=local_server.port)}/feed")
    (outcome,) = summary.outcomes
    assert outcome.error.startswith(f"refused: {reason}") and outcome.error.endswith(HINT)
    assert local_server.log == [] and stored(engine) == 0


@pytest.mark.parametrize(("allow_feed", "allow_all"), [(True, False), (False, True)], ids=["per-feed", "global"])
def test_the_operator_can_allow_a_feed_on_a_private_address(engine, local_server, allow_feed, allow_all):
    summary = poll(engine, local_server.url_for("/feed"), allow_feed=allow_feed, allow_all=allow_all)
    assert summary.ok == 1 and stored(engine) == 3


def test_it_refuses_a_redirect_to_a_private_address(engine, public_server, local_server):
    public_server.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": local_server.url_for("/feed")})
    (outcome,) = poll(engine, public_server.url_for("/feed")).outcomes
    assert outcome.error == f"refused after a redirect: 127.0.0.1 is a loopback address; {HINT}"
    assert len(public_server.log) == 1 and local_server.log == []


def test_it_connects_to_the_address_it_checked_and_keeps_the_host_name(engine, public_server, fake_dns):
    public_server.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    fake_dns.answers["news.example"] = [[PUBLIC_HOST]]
    assert poll(engine, f"http://news.example:{public_server.port}/feed").ok == 1
    request, _ = public_server.log[0]
    assert request.headers["Host"] == f"news.example:{public_server.port}"
    assert fake_dns.asked == ["news.example"]


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ([["10.0.0.7"]], "refused: news.example resolves to 10.0.0.7, a private address"),
        ([[PUBLIC_HOST, "127.0.0.1"]], "refused: news.example resolves to 127.0.0.1, a loopback address"),
        ([["::ffff:169.254.169.254"]], "refused: news.example resolves to ::ffff:a9fe:a9fe, a link-local address"),
    ],
    ids=["private", "one-of-several", "ipv4-mapped"],
)
def test_it_refuses_a_host_that_resolves_to_a_private_address(engine, public_server, fake_dns, answers, error):
    fake_dns.answers["news.example"] = answers
    (outcome,) = poll(engine, f"http://news.example:{public_server.port}/feed").outcomes
    assert outcome.error == f"{error}; {HINT}"
    assert public_server.log == []


def test_a_dns_answer_that_changes_after_a_good_one_is_refused_at_the_next_connection(engine, public_server,
                                                                                   fake_dns):
    public_server.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    fake_dns.answers["news.example"] = [[PUBLIC_HOST], ["127.0.0.1"]]  # DNS rebinding
    url = f"http://news.example:{public_server.port}/feed"
    assert poll(engine, url).ok == 1
    (outcome,) = poll(engine, url).outcomes
    assert outcome.error.startswith("refused: news.example resolves to 127.0.0.1, a loopback address")
    assert len(public_server.log) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
        ("http://2130706433/", "2130706433 is 127.0.0.1, a loopback address"),
        ("http://[::1]/rss", "::1 is a loopback address"),
        ("http://intranet.localhost/rss", "intranet.localhost is a loopback name"),
        ("https://www.svt.se/nyheter/rss.xml", None),
    ],
)
def test_it_refuses_private_addresses_as_written_without_asking_dns(url, reason):
    assert url_refusal(url) == reason


FEEDS_YAML = """\
feeds:
  - name: Nyheter
    url: https://nyheter.example/rss
    enabled: false
  - name: Databasen
    url: http://127.0.0.1:5432/
  - name: Intranät
    url: http://intranet.example/rss
"""


def feeds_check(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["--feeds-file", str(path), "feeds", "check"], env=env)
    return result.exit_code, " ".join(result.output.split())


def test_feeds_check_says_which_feeds_are_refused_and_why(tmp_path, fake_dns):
    fake_dns.answers["intranet.example"] = [["192.168.10.5"]]
    code, output = feeds_check(tmp_path, FEEDS_YAML)
    assert code == 2
    assert (f"feeds.yaml:6: feed 'Databasen': refused: 127.0.0.1 is a loopback address; {HINT}") in output
    assert (f"feeds.yaml:8: feed 'Intranät': refused: intranet.example resolves to 192.168.10.5, a private "
            f"address; {HINT}") in output


@pytest.mark.parametrize(
    ("text", "env"),
    [
        (FEEDS_YAML.replace("5432/\n", "5432/\n    allow_private_network: true\n")
         .replace("example/rss\n", "example/rss\n    allow_private_network: true\n"), None),
        (FEEDS_YAML, {"MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS": "1"}),
    ],
    ids=["per-feed", "global"],
)
def test_feeds_check_accepts_private_feeds_the_operator_allowed(tmp_path, fake_dns, text, env):
    fake_dns.answers["intranet.example"] = [["192.168.10.5"]]
    code, output = feeds_check(tmp_path, text, env)
    assert (code, output) == (0, f"3 flöden OK i {tmp_path / 'feeds.yaml'} (2 påslagna)")


def test_feeds_status_says_why_a_feed_is_refused(db_url, tmp_path, engine, local_server):
    path = tmp_path / "feeds.yaml"
    path.write_text(f"feeds:\n  - {{name: Lokalt, url: '{local_server.url_for('/feed')}'}}\n", encoding="utf-8")
    args = ["--db", db_url, "--feeds-file", str(path), "feeds"]
    assert CliRunner().invoke(app, [*args, "poll"]).exit_code == 1
    output = CliRunner().invoke(app, [*args, "status"]).output
    assert f"refused: 127.0.0.1 is a loopback address; {HINT}" in output
    assert local_server.log == []


def test_feeds_status_says_why_the_last_poll_was_refused(db_url, tmp_path, fake_dns):
    fake_dns.answers["news.example"] = [["10.0.0.7"]]
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {name: Nyheter, url: 'http://news.example/rss'}\n", encoding="utf-8")
    args = ["--db", db_url, "--feeds-file", str(path), "feeds"]
    assert CliRunner().invoke(app, [*args, "poll"]).exit_code == 1
    output = CliRunner().invoke(app, ["--lang", "en", *args, "status"]).output
    assert f"│ Nyheter │ refused: news.example resolves to 10.0.0.7, a private address; {HINT} │" in output
