"""The digest's top line, data period and alert sections: what changed in the alerts this week."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select, update

from monitor.alerting.mail import load_strings
from monitor.alerting.sections import build_sections
from monitor.alerts import lifecycle
from monitor.alerts.states import SYSTEM
from monitor.config import PROJECT_DIR
from monitor.models import Alert, ScoringRun, Supplier, SupplierScore
from tests.alerting.test_digest import outbox, parse, send
from tests.conftest import HONEST, SUSPECT

_alerts = Alert.__table__  # type: ignore[attr-defined]
_runs = ScoringRun.__table__  # type: ignore[attr-defined]
_scores = SupplierScore.__table__  # type: ignore[attr-defined]
_suppliers = Supplier.__table__  # type: ignore[attr-defined]


def digest(engine: Engine, settings, now) -> tuple[str, str, str]:
    send(engine, settings, now)
    (eml,) = outbox(settings)
    return parse(eml.read_bytes())


def test_the_top_line_counts_one_new_alert_and_names_the_visits_it_covers(scored, settings, now):
    _, text, html = digest(scored(), settings, now)
    line = "1 nytt larm, 0 stigande, 0 väckta ur snooze; 0 under granskning"
    for part in (text, html):
        assert line in part
        assert "besök 13 jul – 6 okt" in part
    # It is the first thing after the heading.
    assert text.splitlines()[2] == line


def test_the_top_line_and_period_are_in_english_when_the_language_is_english(scored, settings, now):
    _, text, html = digest(scored(), settings.model_copy(update={"language": "en"}), now)
    for part in (text, html):
        assert "1 new alert, 0 rising, 0 woken from snooze; 0 in review" in part
        assert "visits 13 Jul – 6 Oct" in part
        assert "New alerts (1)" in part


def rescore(engine: Engine) -> None:
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config
    from monitor.scoring import run_scoring

    rules_dir = PROJECT_DIR / "rules"
    run_scoring(engine, load_rules(rules_dir), load_scoring_config(rules_dir))


def dismiss_reasons() -> dict[str, str]:
    from monitor.ranking.score import load_scoring_config

    return load_scoring_config(PROJECT_DIR / "rules").alerts.dismiss_reasons


def test_a_dismissed_supplier_is_not_announced_as_new_again_but_listed_as_closed(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        reasons = dismiss_reasons()
        lifecycle.dismiss(conn, SUSPECT["org_number"], "Karin", next(iter(reasons)), "Granskat", reasons)
    rescore(engine)  # the same evidence scored again: the alert stays dismissed
    _, text, html = digest(engine, settings, now)
    for part in (text, html):
        assert "0 nya larm" in part
        assert "Nya larm" not in part
        assert "Stängda denna vecka (1)" in part
        assert "avskriven" in part


def test_a_woken_supplier_says_why_it_woke(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        lifecycle.review(conn, SUSPECT["org_number"], "Karin")
        lifecycle.snooze(conn, SUSPECT["org_number"], "Karin", now + timedelta(days=30), "väntar på IVO")
        alert = lifecycle.load_alert(conn, SUSPECT["org_number"], for_change=True)
        # What a scoring run does when the score rose enough (monitor.alerts.sync).
        lifecycle.change_alert(conn, alert, SYSTEM, "wake", {"snoozed_until": None}, "score rose", None,
                               {"kind": "score_rise", "from": 40.0, "to": 70.0})
    _, text, html = digest(engine, settings, now)
    for part in (text, html):
        assert "0 nya larm, 0 stigande, 1 väckt ur snooze; 1 under granskning" in part
        assert "Väckta ur snooze (1)" in part
        assert "varför: risken steg från 40 till 70" in part


def test_a_snoozed_supplier_stays_out_of_the_sections(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        lifecycle.review(conn, SUSPECT["org_number"], "Karin")
        lifecycle.snooze(conn, SUSPECT["org_number"], "Karin", now + timedelta(days=30), "väntar på IVO")
    _, text, _ = digest(engine, settings, now)
    assert "Fortfarande öppna" not in text and "Väckta ur snooze" not in text


def test_a_supplier_in_review_whose_score_rose_is_rising_with_its_change(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        lifecycle.review(conn, SUSPECT["org_number"], "Karin")
        supplier_id = conn.execute(select(_suppliers.c.id).where(
            _suppliers.c.org_number == SUSPECT["org_number"])).scalar_one()
        conn.execute(update(_scores).where(_scores.c.supplier_id == supplier_id).values(score=50.0))
    rescore(engine)
    _, text, html = digest(engine, settings, now)
    for part in (text, html):
        assert "0 nya larm, 1 stigande, 0 väckta ur snooze; 1 under granskning" in part
        assert "Stigande (1)" in part
        assert "(+20)" in part and "under granskning, Karin" in part
    assert "Risk (0–100): 70 (+20) – under granskning, Karin" in text


def test_a_supplier_still_open_shows_its_state_and_assignee(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        lifecycle.review(conn, SUSPECT["org_number"], "Karin", assignee="Sven")
        lifecycle.escalate(conn, SUSPECT["org_number"], "Karin", "polisanmälan")
    _, text, html = digest(engine, settings, now)
    for part in (text, html):
        assert "Fortfarande öppna (1)" in part
        assert "eskalerad, Sven" in part
        assert "0 under granskning" in part


REASONS = [{"source": "rule", "id": f"r{i}", "title": f"Skäl {i}", "detail": f"detalj {i}", "points": float(i)}
           for i in range(1, 6)]


def with_reasons(engine: Engine, reasons: list[dict]) -> Engine:
    with engine.begin() as conn:
        supplier_id = conn.execute(select(_suppliers.c.id).where(
            _suppliers.c.org_number == SUSPECT["org_number"])).scalar_one()
        conn.execute(update(_alerts).where(_alerts.c.supplier_id == supplier_id).values(reasons=reasons))
    return engine


def test_it_shows_the_two_strongest_reasons_and_links_the_rest_to_the_supplier_page(scored, settings, now):
    engine = with_reasons(scored(), REASONS)
    linked = settings.model_copy(update={"base_url": "https://monitor.kommun.example/"})
    _, text, html = digest(engine, linked, now)
    page = f"https://monitor.kommun.example/suppliers/{SUSPECT['org_number']}"
    for part in (text, html):
        assert "Skäl 5" in part and "Skäl 4" in part and "Skäl 3" not in part
        assert "och 3 skäl till" in part
    assert f'<a href="{page}">och 3 skäl till</a>' in html
    assert f"och 3 skäl till: {page}" in text


def test_without_a_base_url_the_remaining_reasons_are_counted_but_not_linked(scored, settings, now):
    _, text, html = digest(with_reasons(scored(), REASONS), settings, now)
    assert "och 3 skäl till" in html and "/suppliers/" not in html and "/suppliers/" not in text


def test_a_reason_with_markup_is_escaped_in_html_and_kept_as_written_in_text(scored, settings, now):
    markup = [{"source": "rule", "id": "x", "title": "<img src=x onerror=alert(1)>", "detail": "a & b",
               "points": 9.0}]
    _, text, html = digest(with_reasons(scored(), markup), settings, now)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x onerror=alert(1)>" in text


def test_sections_are_empty_for_a_week_without_alerts(engine, settings, now):
    t = load_strings(PROJECT_DIR / "alerts", "sv")
    with engine.connect() as conn:
        sections = build_sections(conn, t, "sv", now, {}, None)
    assert not sections.anything_new and sections.still_open == [] and sections.in_review == 0
    assert HONEST  # the persona suppliers exist, but none has an alert


# --- only when something is new ---------------------------------------------------------------


def quiet_week(engine: Engine) -> Engine:
    """The only alert is already in review: nothing new, rising or woken."""
    with engine.begin() as conn:
        lifecycle.review(conn, SUSPECT["org_number"], "Karin")
    return engine


def digest_status(engine: Engine) -> str:
    from monitor.models import DigestLog

    log = DigestLog.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return conn.execute(select(log.c.status)).scalar_one()


def test_with_only_when_new_a_quiet_week_sends_nothing_and_is_not_tried_again(scored, settings, now):
    engine = quiet_week(scored())
    only_new = settings.model_copy(update={"digest_only_when_new": True})
    assert send(engine, only_new, now).status == "skipped"
    assert outbox(settings) == [] and digest_status(engine) == "skipped"
    # The scheduler's next attempt that week leaves it be, even if something turned up meanwhile.
    again = send(engine, only_new, now + timedelta(hours=1))
    assert again.status == "skipped" and again.location is None and outbox(settings) == []


def test_with_only_when_new_a_week_with_a_new_alert_is_sent(scored, settings, now):
    outcome = send(scored(), settings.model_copy(update={"digest_only_when_new": True}), now)
    assert outcome.status == "sent" and len(outbox(settings)) == 1


def test_a_quiet_week_is_sent_when_the_setting_is_off_or_the_digest_is_forced(scored, settings, now):
    engine = quiet_week(scored())
    assert send(engine, settings, now).status == "sent"
    (eml,) = outbox(settings)
    _, text, _ = parse(eml.read_bytes())
    assert "0 nya larm, 0 stigande, 0 väckta ur snooze; 1 under granskning" in text


def test_force_sends_a_skipped_week(scored, settings, now):
    engine = quiet_week(scored())
    only_new = settings.model_copy(update={"digest_only_when_new": True})
    send(engine, only_new, now)
    forced = send(engine, only_new, now, force=True)
    assert forced.status == "sent" and len(outbox(settings)) == 1 and digest_status(engine) == "sent"


def test_the_setting_is_read_from_the_environment(settings):
    from monitor.config import load_settings

    loaded = load_settings({"MONITOR_DATABASE_URL": "sqlite://", "MONITOR_DIGEST_ONLY_WHEN_NEW": "true",
                            "MONITOR_BASE_URL": "https://monitor.kommun.example"})
    assert loaded.digest_only_when_new is True and loaded.base_url == "https://monitor.kommun.example"
    assert settings.digest_only_when_new is False and settings.base_url is None


# --- media headlines --------------------------------------------------------------------------


def with_headlines(engine: Engine, now) -> Engine:
    """A media reason on the alert: one article with a link, one whose "link" is a script."""
    from sqlalchemy import insert

    from monitor.models import Article, ArticleSource, Feed

    articles, sources, feeds = Article.__table__, ArticleSource.__table__, Feed.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        feed_id = conn.execute(insert(feeds).values(name="Lokal<tidning>", url="https://tidning.example/rss",
                                                    tags=[]).returning(feeds.c.id)).scalar_one()
        ids = []
        for n in (1, 2):
            article_id = conn.execute(insert(articles).values(
                identity=str(n) * 64, title=f"artikel {n}", title_key=f"artikel {n}", content_hash=str(n) * 64,
                published_at=now, first_seen_at=now, updated_at=now).returning(articles.c.id)).scalar_one()
            conn.execute(insert(sources).values(article_id=article_id, feed_id=feed_id, entry_key=str(n) * 64,
                                                content_hash=str(n) * 64))
            ids.append(article_id)
    media = {"source": "media", "id": "media", "title": "Media", "detail": "", "points": 50.0, "article_count": 2,
             "articles": [
                 {"article_id": ids[0], "title": "<b>Fusk</b> i hemtjänsten", "published": "2026-12-02",
                  "url": "https://tidning.example/a?x=1&y=2", "keywords": []},
                 {"article_id": ids[1], "title": "Klicka här", "published": "2026-11-30",
                  "url": "javascript:alert(1)", "keywords": []},
                 {"article_id": ids[1], "title": "Trick", "published": "2026-11-30",
                  "url": 'https://tidning.example/"><script>x</script>', "keywords": []}]}
    return with_reasons(engine, [media])


def test_media_headlines_are_links_with_outlet_and_date_escaped_in_html(scored, settings, now):
    _, text, html = digest(with_headlines(scored(), now), settings, now)
    assert ('I media: <a href="https://tidning.example/a?x=1&amp;y=2">&lt;b&gt;Fusk&lt;/b&gt; i hemtjänsten</a>'
            in html)
    assert "(Lokal&lt;tidning&gt;, 2 dec 2026)" in html
    assert "<b>Fusk</b>" not in html and "<tidning>" not in html
    # An address that is not http(s) is shown as text, never as a link.
    assert "javascript:" not in html and "I media: Klicka här" in html
    assert ("I media: <b>Fusk</b> i hemtjänsten (Lokal<tidning>, 2 dec 2026) https://tidning.example/a?x=1&y=2"
            in text)
    assert "I media: Klicka här (Lokal<tidning>, 30 nov 2026)\n" in text
    # An address with quotes and brackets stays one attribute.
    assert '<a href="https://tidning.example/%22%3E%3Cscript%3Ex%3C/script%3E">Trick</a>' in html
    assert "<script>" not in html


# --- risk-trend chart -------------------------------------------------------------------------


def test_the_trend_chart_has_alt_text_and_each_course_in_numbers_in_both_parts(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        conn.execute(update(_scores).values(score=50.0))  # the first run, lower
    rescore(engine)
    _, text, html = digest(engine, settings, now)
    alt = "Risktrend för 1 öppet larm över 2 körningar (siffrorna står under bilden)"
    course = f"{SUSPECT['name']} 50 → 70"
    assert f"{alt}:\n{course}" in text
    assert f'alt="{alt}"' in html and 'src="cid:trend.' in html and course in html


def test_there_is_no_chart_when_no_alert_is_open(scored, settings, now):
    engine = scored()
    with engine.begin() as conn:
        reasons = dismiss_reasons()
        lifecycle.dismiss(conn, SUSPECT["org_number"], "Karin", next(iter(reasons)), "Granskat", reasons)
    send(engine, settings, now)
    (eml,) = outbox(settings)
    assert b"image/png" not in eml.read_bytes() and b"cid:" not in eml.read_bytes()


def test_the_css_is_inlined_for_mail_clients_that_drop_stylesheets(scored, settings, now):
    _, _, html = digest(scored(), settings, now)
    assert "<style" not in html
    assert '<span class="muted" style="color: #555;">' in html
    assert '<p class="privacy" style="color: #555;font-size: 12px;margin-top: 24px;">' in html


def test_monitor_digest_and_status_say_a_quiet_week_was_not_sent(scored, settings, now, db_url):
    from typer.testing import CliRunner

    from monitor.cli import app
    from tests.conftest import TEST_KEY

    quiet_week(scored())
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY,
           "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"), "MONITOR_TEMPLATES_DIR": str(PROJECT_DIR / "alerts"),
           "MONITOR_OUTBOX_DIR": str(settings.outbox_dir), "MONITOR_DIGEST_ONLY_WHEN_NEW": "1"}
    result = CliRunner().invoke(app, ["digest"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "skickades inte: inget nytt, stigande eller väckt larm" in " ".join(result.output.split())
    status = CliRunner().invoke(app, ["status"], env=env, catch_exceptions=False)
    assert "inte skickad: inget nytt" in status.output
    assert outbox(settings) == []
