"""The demo's local news: feeds written, served on 127.0.0.1, polled, stored once, and scored.

Misconduct stories raise their planted supplier's risk; the praised supplier and the generic
"trygg hemtjänst" story raise nobody's. Loopback only: nothing here reaches the internet.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from monitor.config import PROJECT_DIR
from monitor.demo import DemoDataset, generate_municipality
from monitor.demo.news import (
    TRYGG_NAME,
    DemoArticle,
    demo_articles,
    poll_demo_news,
    read_demo_suppliers,
    serve_demo_news,
    write_demo_news,
)
from monitor.imports import SPECS, import_csv
from monitor.media.feeds import load_feeds
from monitor.media.keywords import load_media_rules, score_article_by_supplier
from monitor.media.matching import SupplierName
from monitor.models import Article, ArticleMatch, ArticleSource, Supplier
from monitor.pseudonyms import Pseudonymiser

RULES = load_media_rules(PROJECT_DIR / "rules")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoDataset:
    return generate_municipality(tmp_path_factory.mktemp("demo"), scale=0.2, weeks=2)


def stories(demo: DemoDataset) -> list[DemoArticle]:
    return demo_articles(read_demo_suppliers(demo.files["suppliers"]), demo.planted, 2026, demo.start, demo.weeks)


def test_feeds_are_deterministic_rss_dated_inside_the_demo(demo: DemoDataset, tmp_path: Path) -> None:
    first = write_demo_news(tmp_path / "a", demo, seed=7)
    again = write_demo_news(tmp_path / "b", demo, seed=7)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert len(first) == 3
    begin = datetime.combine(demo.start, datetime.min.time(), tzinfo=UTC) - timedelta(hours=2)
    end = begin + timedelta(weeks=demo.weeks, hours=2)
    for path in first:
        channel = ET.parse(path).getroot().find("channel")
        assert channel is not None and channel.findtext("title")
        items = channel.findall("item")
        assert items
        for item in items:
            assert begin <= parsedate_to_datetime(item.findtext("pubDate") or "") < end
            assert item.findtext("guid") == item.findtext("link")


def test_story_mix(demo: DemoDataset) -> None:
    articles = stories(demo)
    kinds = Counter(a.kind for a in articles)
    assert 3 <= kinds["misconduct"] <= 4 and kinds["praise"] == 1 and kinds["generic"] == 1 and kinds["local"] >= 3
    schemes = {demo.planted[a.org_number] for a in articles if a.kind == "misconduct" and a.org_number}
    assert {"visit_during_absence", "door_observation", "staff_overlap"} <= schemes
    assert sum(len(a.feeds) > 1 for a in articles) == 1
    praised = next(a for a in articles if a.kind == "praise")
    assert praised.org_number not in demo.planted
    generic = next(a for a in articles if a.kind == "generic")
    assert "trygg hemtjänst" in generic.text.casefold() and TRYGG_NAME.casefold() not in generic.text.casefold()


def test_served_polled_stored_once_and_scored(engine: Engine, demo: DemoDataset, tmp_path: Path,
                                               pseudonymise: Pseudonymiser) -> None:
    imported = import_csv(engine, SPECS["suppliers"], demo.files["suppliers"], pseudonymise=pseudonymise)
    assert imported.rows_rejected == 0
    write_demo_news(tmp_path / "news", demo)
    now = datetime.combine(demo.start + timedelta(weeks=demo.weeks), datetime.min.time(), tzinfo=UTC)
    with serve_demo_news(tmp_path / "news") as feeds_file:
        feeds = load_feeds(feeds_file).feeds
        assert len(feeds) == 3 and all(f.url.startswith("http://127.0.0.1:") for f in feeds)
        summary = poll_demo_news(engine, feeds_file, now=now, media_rules=RULES)
    assert summary.feeds == 3 and summary.feeds_failed == 0, summary.errors
    expected = stories(demo)
    assert summary.articles == summary.new_articles == len(expected)
    assert summary.merged == 1
    assert "3 news feed(s)" in str(summary)
    assert f"{summary.matches} mention(s) of a supplier" in str(summary)

    with Session(engine) as session:  # matched at the poll, before any scoring run
        matched = {(m.article_id, m.supplier_id) for m in session.exec(select(ArticleMatch)).all()}
    assert summary.matches == len(matched) >= sum(a.kind in ("misconduct", "praise") for a in stories(demo))

    with Session(engine) as session:
        stored = session.exec(select(Article)).all()
        sources = Counter(s.article_id for s in session.exec(select(ArticleSource)).all())
        suppliers = session.exec(select(Supplier)).all()
    by_title = {a.title: a for a in stored}
    assert len(by_title) == len(stored)
    shared = next(a for a in expected if len(a.feeds) > 1)
    assert sources[by_title[shared.title].id] == 2
    assert sorted(sources.values()) == [1] * (len(expected) - 1) + [2]

    matcher = RULES.build_matcher(SupplierName(s.id, s.org_number, s.name, tuple(s.aliases)) for s in suppliers)
    org_of = {s.id: s.org_number for s in suppliers}
    trygg = next(s.org_number for s in suppliers if s.name == TRYGG_NAME)

    def risks(article: DemoArticle) -> dict[str, float]:
        row = by_title[article.title]
        text = f"{row.title}\n\n{row.summary}"
        return {org_of[sid]: r.risk for sid, r in score_article_by_supplier(text, matcher.find(text), RULES).items()}

    for article in expected:
        found = risks(article)
        if article.kind == "misconduct":
            assert found.get(article.org_number or "", 0) > 0.3, (article.title, found)
            assert set(found) == {article.org_number}
        elif article.kind == "praise":
            assert found.get(article.org_number or "", 0) == 0, (article.title, found)
        else:
            assert not any(found.values()), (article.title, found)
            assert trygg not in found
