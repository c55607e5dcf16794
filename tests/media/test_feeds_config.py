"""feeds.yaml: defaults, validation errors with file:line, the shipped file, supplier search feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import PROJECT_DIR
from monitor.media.feeds import load_feeds, parse_feeds
from monitor.yamlfile import ConfigFileError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_all_feeds_load_from_the_shipped_file_and_none_is_enabled():
    feeds = load_feeds(PROJECT_DIR / "feeds.yaml")
    assert len(feeds.feeds) >= 5
    assert not any(f.enabled for f in feeds.all_feeds(["Omsorg Alfa AB"]))


def test_it_accepts_the_minimal_file_with_defaults(tmp_path):
    feeds = load_feeds(write(tmp_path, "feeds: [{name: Lokala nyheter, url: https://example.org/rss}]\n"))
    (feed,) = feeds.feeds
    assert (feed.enabled, feed.tags, feeds.interval_minutes(feed)) == (True, (), 60)
    assert feeds.settings.max_concurrent_fetches == 8


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("feeds:\n  - name: A\n    url: ftp://example.org/rss\n", "feeds.yaml:3: feed 'A': field 'feeds.0.url': Value error, must be an http:// or https:// URL"),
        ("feeds:\n  - name: A\n    url: https://a.example/rss\n    intervall: 5\n", "feeds.yaml:4: feed 'A': unknown field 'feeds.0.intervall'"),
        ("feeds:\n  - url: https://a.example/rss\n", "feeds.yaml:2: missing field 'feeds.0.name'"),
        ("settings:\n  timeout_seconds: -1\nfeeds: []\n", "feeds.yaml:2: field 'settings.timeout_seconds': Input should be greater than 0"),
        ("feeds:\n  - {name: A, url: 'https://a.example/1'}\n  - {name: A, url: 'https://a.example/2'}\n", "feed name 'A' appears twice"),
        ("feeds: [{name: A, url: https://a.example/rss}]\nsupplier_search: {url_template: 'https://s.example/rss'}\n", "feeds.yaml:2: field 'supplier_search.url_template': Value error, must contain {query}"),
        ("- just a list\n", "feeds.yaml:1: expected a mapping"),
    ],
    ids=["not-http", "misspelt-field", "no-name", "negative-timeout", "duplicate-name", "template-without-query", "not-a-mapping"],
)
def test_it_reports_the_file_line_and_field_of_a_mistake(tmp_path, text, error):
    with pytest.raises(ConfigFileError) as caught:
        load_feeds(write(tmp_path, text))
    assert error in str(caught.value)


def test_a_supplier_search_template_gives_one_feed_per_supplier():
    feeds = parse_feeds({"supplier_search": {"url_template": "https://s.example/rss?q={query}", "interval_minutes": 360}})
    (feed,) = feeds.all_feeds(["Hemtjänst Beta AB"])
    assert feed.name == "Nyhetssök: Hemtjänst Beta AB"
    assert feed.url == "https://s.example/rss?q=%22Hemtj%C3%A4nst+Beta+AB%22"
    assert feeds.interval_minutes(feed) == 360


def test_feeds_check_names_the_line_of_a_mistake(tmp_path):
    from typer.testing import CliRunner

    from monitor.cli import app

    path = write(tmp_path, "feeds:\n  - name: A\n    url: nope\n")
    result = CliRunner().invoke(app, ["--feeds-file", str(path), "feeds", "check"])
    assert result.exit_code == 2
    assert "feeds.yaml:3: feed 'A'" in result.output
