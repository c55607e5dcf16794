"""Articles that name a supplier become media signals in its risk score; false matches can be ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import PROJECT_DIR
from monitor.findings.rules import load_rules
from monitor.media.keywords import load_media_rules
from monitor.media.signals import match_articles, media_signals
from monitor.models import Article
from monitor.ranking.score import load_scoring_config
from monitor.scoring import run_scoring
from tests.conftest import HONEST, SUSPECT, TEST_KEY

RULES_DIR = PROJECT_DIR / "rules"
runner = CliRunner()
AS_OF = datetime(2026, 10, 30, tzinfo=UTC)


def _articles(engine, *items: tuple[str, str, str]) -> None:
    _articles_from(engine, 1, *items)


FRAUD = ("Hemtjänst Beta AB polisanmäld för fusk", "Kommunen har polisanmält Hemtjänst Beta AB efter att "
         "besök registrerats hos brukare som låg på sjukhus.", "2026-10-20")
PRAISE = ("Omsorg Alfa prisas", "Omsorg Alfa AB prisas av brukarna för sin kontinuitet. Inga anmälningar har "
          "kommit in under året.", "2026-10-21")


@pytest.fixture
def news(with_suppliers):
    _articles(with_suppliers, FRAUD, PRAISE)
    return with_suppliers


def test_it_raises_the_named_suppliers_risk_and_not_the_praised_ones(news):
    with news.begin() as conn:
        match_articles(conn, load_media_rules(RULES_DIR))
        signals = media_signals(conn, AS_OF, 28)
        ids = dict(conn.exec_driver_sql("select org_number, id from suppliers").fetchall())
    assert set(signals) == {ids[SUSPECT["org_number"]]}
    (article,) = signals[ids[SUSPECT["org_number"]]].articles
    assert article["title"] == FRAUD[0] and {"fusk", "polisanmälan"} <= set(article["keywords"])
    assert 0 < signals[ids[SUSPECT["org_number"]]].strength <= 1


def test_it_shows_the_article_as_a_reason_in_the_ranking(news):
    outcome = run_scoring(news, load_rules(RULES_DIR), load_scoring_config(RULES_DIR),
                          media_rules=load_media_rules(RULES_DIR))
    top = outcome.ranking[0]
    assert top.org_number == SUSPECT["org_number"] and top.score > 0
    (reason,) = top.reasons
    assert reason["source"] == "media" and reason["title"] == "Uppmärksammad i media"
    assert FRAUD[0] in reason["detail"] and "fusk" in reason["detail"]
    assert next(r for r in outcome.ranking if r.org_number == HONEST["org_number"]).score == 0


def test_it_lets_an_older_article_count_less(with_suppliers):
    _articles(with_suppliers, (*FRAUD[:2], "2026-08-01"))
    with with_suppliers.begin() as conn:
        match_articles(conn, load_media_rules(RULES_DIR))
        old = max(s.strength for s in media_signals(conn, AS_OF, 28).values())
    assert 0 < old < 0.5


def test_it_stops_counting_an_ignored_article_after_the_next_score(news, db_url):
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY, "MONITOR_RULES_DIR": str(RULES_DIR)}
    assert runner.invoke(app, ["score"], env=env).exit_code == 0
    listed = json.loads(runner.invoke(app, ["media", "list", "--format", "json"], env=env).stdout)
    fraud = next(a for a in listed if a["title"] == FRAUD[0])
    assert (fraud["supplier_org_number"], fraud["risk"] > 0, fraud["ignored"]) == (SUSPECT["org_number"], True, False)
    assert {"title", "url", "published", "sources", "match_reason", "confidence", "keywords", "risk"} <= set(fraud)
    result = runner.invoke(app, ["media", "ignore", str(fraud["article_id"]), "--reason", "Annat bolag"], env=env)
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["score"], env=env).exit_code == 0
    ranking = json.loads(runner.invoke(app, ["rank", "--format", "json"], env=env).stdout)
    assert all(r["score"] == 0 for r in ranking)
    listed = json.loads(runner.invoke(app, ["media", "list", "--format", "json"], env=env).stdout)
    assert next(a for a in listed if a["article_id"] == fraud["article_id"])["ignore_reason"] == "Annat bolag"


def test_it_says_so_when_asked_to_ignore_an_article_that_names_nobody(news, db_url):
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_RULES_DIR": str(RULES_DIR)}
    result = runner.invoke(app, ["media", "ignore", "999", "--reason", "x"], env=env)
    assert result.exit_code == 2 and "names no supplier" in result.stderr


def test_ignoring_an_article_ignores_its_story_in_every_feed(with_suppliers):
    copy = (FRAUD[0] + " (TT)", FRAUD[1], FRAUD[2])
    _articles(with_suppliers, FRAUD, copy)
    with with_suppliers.begin() as conn:
        conn.exec_driver_sql("update articles set story_id = (select min(id) from articles)")
        rules = load_media_rules(RULES_DIR)
        match_articles(conn, rules)
        first = conn.exec_driver_sql("select min(id) from articles").scalar()
        from monitor.media.signals import ignore_article

        ignore_article(conn, first, "Annat bolag")
        match_articles(conn, rules)
        assert media_signals(conn, AS_OF, 28) == {}


def _match(engine, rules=None) -> int:
    with engine.begin() as conn:
        return match_articles(conn, rules or load_media_rules(RULES_DIR)).articles


def test_it_matches_an_article_once_until_the_register_or_media_yaml_changes(news):
    assert _match(news) == 2
    assert _match(news) == 0  # nothing new: the nightly run reads no article again
    _articles_from(news, 3, ("Hemtjänst Beta AB anmäls igen", "Ny anmälan om fusk.", "2026-10-25"))
    assert _match(news) == 1
    with news.begin() as conn:
        conn.exec_driver_sql("update suppliers set aliases = '[\"Betas hemtjänst\"]' where name = 'Hemtjänst Beta AB'")
    assert _match(news) == 3  # a changed register applies to old articles too
    rules = load_media_rules(RULES_DIR)
    changed = rules.model_copy(update={"praise": rules.praise.model_copy(update={"terms": ("prisas", "hyllas")})})
    assert _match(news, changed) == 3
    assert _match(news, changed) == 0


def _articles_from(engine, first: int, *items: tuple[str, str, str]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Article.__table__), [
            {"identity": f"{n:064d}", "title": title, "summary": summary, "content_hash": f"{n:064d}",
             "published_at": datetime.fromisoformat(day).replace(tzinfo=UTC), "title_key": title.lower()[:500],
             "first_seen_at": AS_OF, "updated_at": AS_OF}
            for n, (title, summary, day) in enumerate(items, start=first)
        ])


def _strength(engine) -> float:
    with engine.begin() as conn:
        match_articles(conn, load_media_rules(RULES_DIR))
        return max((s.strength for s in media_signals(conn, AS_OF, 28).values()), default=0.0)


def test_a_later_article_that_clears_the_supplier_lowers_the_earlier_ones_weight(with_suppliers):
    _articles(with_suppliers, FRAUD)
    before = _strength(with_suppliers)
    _articles_from(with_suppliers, 2, ("Förundersökningen mot Hemtjänst Beta AB läggs ned",
                                       "Åklagaren hittar inga bevis för fusk.", "2026-10-27"))
    after = _strength(with_suppliers)
    assert 0 < after == pytest.approx(before / 2, rel=0.05)


def test_an_article_that_clears_the_supplier_before_the_story_does_not_lower_it(with_suppliers):
    _articles(with_suppliers, ("Utredningen mot Hemtjänst Beta AB läggs ned", "", "2026-10-01"), FRAUD)
    with with_suppliers.begin() as conn:
        match_articles(conn, load_media_rules(RULES_DIR))
        (signal,) = media_signals(conn, AS_OF, 28).values()
    assert signal.articles[0]["cleared_later"] is False


def test_the_media_reason_quotes_the_sentence_that_carried_the_risk(with_suppliers):
    _articles(with_suppliers, ("Nytt om Hemtjänst Beta AB", "Kommunen har vuxit. Hemtjänst Beta AB misstänks för "
                               "fusk med tiderna, enligt <b>granskningen</b>.", "2026-10-20"))
    outcome = run_scoring(with_suppliers, load_rules(RULES_DIR), load_scoring_config(RULES_DIR),
                          media_rules=load_media_rules(RULES_DIR))
    (reason,) = outcome.ranking[0].reasons
    assert reason["articles"][0]["sentence"] == ("Hemtjänst Beta AB misstänks för fusk med tiderna, enligt "
                                                 "<b>granskningen</b>.")
    assert "»Hemtjänst Beta AB misstänks för fusk" in reason["detail"]


def test_media_explain_shows_the_mention_the_words_for_and_against_and_the_risk(with_suppliers, db_url):
    _articles(with_suppliers, ("Hemtjänst Beta AB polisanmäls för fusk – Omsorg Alfa AB tar över",
                               "Omsorg Alfa AB har inte haft några anmälningar.", "2026-10-20"))
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY, "MONITOR_RULES_DIR": str(RULES_DIR)}
    assert runner.invoke(app, ["score"], env=env).exit_code == 0
    result = runner.invoke(app, ["media", "explain", "1", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    explained = {s["supplier_name"]: s for s in json.loads(result.stdout)["suppliers"]}
    beta, alfa = explained[SUSPECT["name"]], explained[HONEST["name"]]
    assert beta["mentions"][0]["reason"] == "legal_name" and beta["risk"] == beta["stored_risk"] > 0
    assert {k["words"] for k in beta["for_risk"]} == {"polisanmäls", "fusk"}
    assert alfa["risk"] == 0 and {k["why"] for k in alfa["against_risk"]} == {"other party: Omsorg Alfa AB tar över"}
    text = runner.invoke(app, ["media", "explain", "1"], env=env)
    assert text.exit_code == 0
    assert "+ polisanmäls (polisanmälan, sentence 1, clause)" in text.stdout
    assert "other party: Omsorg Alfa AB tar över" in text.stdout
    assert "legal_name 1.00" in text.stdout
    listed = json.loads(runner.invoke(app, ["media", "list", "--format", "json"], env=env).stdout)
    assert {a["supplier_name"]: a["risk_sentence"] for a in listed} == {
        SUSPECT["name"]: "Hemtjänst Beta AB polisanmäls för fusk – Omsorg Alfa AB tar över.", HONEST["name"]: None}


def test_media_explain_names_an_unknown_article_in_one_line(with_suppliers, db_url):
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_RULES_DIR": str(RULES_DIR)}
    result = runner.invoke(app, ["media", "explain", "999"], env=env)
    assert result.exit_code == 2 and "no article with id 999" in result.stderr
