"""The pages as the team uses them, over HTTP (SQLite and PostgreSQL): the queue, a supplier with
its evidence (audit-logged), the actions, the rules, feeds and log pages, and untrusted text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from monitor.alerts.audit import audit_entries
from monitor.config import PROJECT_DIR
from monitor.models import Article, ArticleMatch, Supplier
from monitor.ranking.score import load_scoring_config
from tests.web.conftest import ORG

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def test_the_queue_counts_per_state_and_filters(as_user):
    client, _ = as_user("vera")
    page = client.get("/alerts").text
    assert 'data-state="ny">ny: <span class="count">1</span>' in page
    assert f'data-org="{ORG}"' in page and "Hemtjänst Beta AB" in page
    assert f'data-org="{ORG}"' not in client.get("/alerts?state=avskriven").text
    assert f'data-org="{ORG}"' not in client.get("/alerts?min_score=101").text
    assert f'data-org="{ORG}"' in client.get("/alerts?area=Hemtjänst&min_score=10").text


def test_the_queue_shows_the_change_since_last_week(as_user, scenario, env):
    from monitor.models import ScoringRun
    from tests.conftest import invoke

    runs = ScoringRun.__table__  # type: ignore[attr-defined]
    with scenario.begin() as conn:  # the first run was a week ago
        conn.execute(update(runs).values(finished_at=datetime.now(UTC) - timedelta(days=8)))
    assert invoke(env, "score").exit_code == 0
    client, _ = as_user("vera")
    assert '<td class="num">+0</td>' in client.get("/alerts").text


def test_an_analyst_sees_the_evidence_and_the_look_is_audit_logged(as_user, scenario):
    client, _ = as_user("anna")
    page = client.get(f"/suppliers/{ORG}").text
    assert "V-WATCHED" in page and "O-OCT" in page and "Portobservationer" in page
    assert "Regler" in page and "poäng" in page  # the reasons in `monitor explain`'s words
    assert '<svg class="chart"' in page
    threshold = load_scoring_config(PROJECT_DIR / "rules").alerts.threshold
    assert f"nådde larmgränsen {threshold:g}" in page  # the history words the system's step as `alerts show` does
    with scenario.connect() as conn:
        looks = [r for r in audit_entries(conn) if r.action == "evidence.view"]
    assert [(r.actor, r.object_id) for r in looks] == [("anna", ORG)]


def test_a_viewer_looking_at_a_supplier_leaves_no_evidence_row_in_the_log(as_user, scenario):
    client, _ = as_user("vera")
    assert client.get(f"/suppliers/{ORG}").status_code == 200
    with scenario.connect() as conn:
        assert not [r for r in audit_entries(conn) if r.action == "evidence.view"]


def test_an_unknown_supplier_is_a_404_page(as_user):
    client, _ = as_user("anna")
    assert client.get("/suppliers/000000-0000").status_code == 404


def test_the_actions_change_the_alert_and_each_is_in_the_audit_log_with_the_user(as_user, scenario):
    client, csrf = as_user("anna")
    steps = [("review", {}), ("assign", {"assignee": "Bertil"}),
             ("snooze", {"until": "2099-01-01", "reason": "väntar på IVO"}), ("note", {"text": "Ringt chefen"}),
             ("dismiss", {"reason": "forklarad", "text": "nytt låssystem"})]
    for action, data in steps:
        response = client.post(f"/suppliers/{ORG}/{action}", data={**data, "csrf_token": csrf})
        assert response.status_code == 303, (action, response.text)
    page = client.get(f"/suppliers/{ORG}").text
    assert 'data-state="avskriven"' in page and "Ringt chefen" in page
    with scenario.connect() as conn:
        mine = [(r.actor, r.action) for r in audit_entries(conn) if r.object_type == "alert" and r.actor == "anna"]
    assert mine == [("anna", f"alert.{a}") for a, _ in steps]


def test_an_htmx_action_answers_with_the_alert_panel_alone(as_user):
    client, csrf = as_user("anna")
    response = client.post(f"/suppliers/{ORG}/review", data={"assignee": "anna"},
                           headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert response.text.startswith('<section id="alert"') and 'data-state="under_granskning"' in response.text
    assert "Sparat." in response.text


def test_a_dismissed_alert_says_its_reason_in_words(as_user):
    client, csrf = as_user("anna")
    client.post(f"/suppliers/{ORG}/dismiss", data={"reason": "datafel", "text": "fel i exporten", "csrf_token": csrf})
    dismissal = client.get(f"/suppliers/{ORG}").text.split('id="alert-dismissal">')[1].split("</p>")[0]
    assert "Fel eller luckor i underlaget" in dismissal and "fel i exporten" in dismissal


def test_a_step_the_state_does_not_allow_is_explained_not_taken(as_user):
    client, csrf = as_user("anna")
    response = client.post(f"/suppliers/{ORG}/confirm", data={"csrf_token": csrf},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Ett larm som är ny kan inte bli bekraftad" in response.text and 'data-state="ny"' in response.text
    plain = client.post(f"/suppliers/{ORG}/confirm", data={"csrf_token": csrf})
    assert plain.status_code == 422 and "<h1>Hemtjänst Beta AB</h1>" in plain.text and "kan inte bli bekraftad" in plain.text


def test_untrusted_text_is_shown_as_text_everywhere(as_user, scenario):
    s = Supplier.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with scenario.begin() as conn:
        conn.execute(update(s).where(s.c.org_number == ORG).values(name=HOSTILE))
        supplier_id = conn.execute(select(s.c.id).where(s.c.org_number == ORG)).scalar_one()
        article_id = conn.execute(insert(Article.__table__).values(  # type: ignore[attr-defined]
            identity="hostile", url="javascript:alert(3)", title=HOSTILE, summary="", content_hash="h",
            first_seen_at=now, published_at=now, updated_at=now).returning(Article.__table__.c.id)).scalar_one()  # type: ignore[attr-defined]
        conn.execute(insert(ArticleMatch.__table__).values(  # type: ignore[attr-defined]
            article_id=article_id, supplier_id=supplier_id, reason="exact_name", confidence=1.0, risk=2.0,
            keywords=[], matched_at=now))
    client, csrf = as_user("anna")
    client.post(f"/suppliers/{ORG}/note", data={"text": HOSTILE, "csrf_token": csrf})
    for path in ("/alerts", f"/suppliers/{ORG}"):
        html = client.get(path).text
        assert HOSTILE not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert 'href="javascript:' not in client.get(f"/suppliers/{ORG}").text


def test_the_log_is_for_admins_and_filters(as_user):
    client, csrf = as_user("anna")
    client.post(f"/suppliers/{ORG}/note", data={"text": "en anteckning", "csrf_token": csrf})
    assert client.get("/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    client, _ = as_user("adam")
    page = client.get("/audit?actor=anna&action=alert.").text
    assert '<td class="action">alert.note</td>' in page and "session.login" not in page
    assert "alert.note" not in client.get("/audit?actor=vera").text


def test_the_rules_page_shows_hits_per_run_and_precision(as_user, scenario):
    client, csrf = as_user("anna")
    client.post(f"/suppliers/{ORG}/dismiss", data={"reason": "datafel", "text": "fel i exporten", "csrf_token": csrf})
    page = client.get("/rules").text
    row = page[page.index('data-rule="door-observation-mismatch"'):]
    row = row[:row.index("</tr>")]
    assert '<td class="hits">1</td>' in row
    assert '<td class="num dismissed">1</td>' in row and '<td class="num precision">0 %</td>' in row


def test_the_feeds_page_lists_the_feeds_as_feeds_status_does(as_user):
    client, _ = as_user("vera")
    page = client.get("/feeds").text
    assert "avstängt exempel" in page


def test_the_ui_speaks_english_by_setting(app, scenario, web_settings):
    from fastapi.testclient import TestClient

    from monitor.jobs.schedule import load_schedule
    from monitor.web.app import create_app
    from tests.web.conftest import log_in

    english = create_app(scenario, load_schedule(PROJECT_DIR / "schedule.yaml"), lambda: True,
                         web_settings.model_copy(update={"language": "en"}))
    with TestClient(english, follow_redirects=False) as client:
        assert "Log in" in client.get("/login").text
        log_in(client, "anna")
        page = client.get("/alerts").text
    assert 'lang="en"' in page and "Change since last week" in page and "new: " in page


def test_an_admin_disables_a_user_from_the_users_page_and_their_session_ends(app, as_user, scenario):
    from fastapi.testclient import TestClient

    from tests.web.conftest import log_in

    with TestClient(app, follow_redirects=False) as other:
        log_in(other, "anna")
        client, csrf = as_user("adam")
        assert client.get("/users").status_code == 200
        anna = _user_id(scenario, "anna")
        assert client.post(f"/users/{anna}/disable", data={"csrf_token": csrf}).status_code == 303
        assert 'data-user="anna"' in client.get("/users").text and "avstängd" in client.get("/users").text
        assert other.get("/alerts").status_code == 303
    with scenario.connect() as conn:
        assert ("adam", "user.disable") in [(r.actor, r.action) for r in audit_entries(conn)]


def test_only_admins_see_the_users_page(as_user, scenario):
    client, csrf = as_user("anna")
    assert client.get("/users").status_code == 403
    assert client.post(f"/users/{_user_id(scenario, 'vera')}/disable", data={"csrf_token": csrf}).status_code == 403


def _user_id(engine, name: str) -> int:
    from monitor.web.accounts import find_account

    with engine.connect() as conn:
        account = find_account(conn, name)
    assert account is not None
    return account.id


def test_an_admin_cannot_disable_themselves_and_disabling_twice_records_once(as_user, scenario):
    client, csrf = as_user("adam")
    adam, anna = _user_id(scenario, "adam"), _user_id(scenario, "anna")
    assert client.post(f"/users/{adam}/disable", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/users").status_code == 200  # still logged in, still an admin
    for _ in range(2):
        client.post(f"/users/{anna}/disable", data={"csrf_token": csrf})
    with scenario.connect() as conn:
        assert [r.object_id for r in audit_entries(conn) if r.action == "user.disable"] == ["anna"]


@pytest.mark.parametrize("name", ["ext/kalle", "../users/anna", "anna svensson", "system", ""])
def test_a_user_name_that_would_mean_something_else_in_a_url_or_the_log_is_refused(name):
    from monitor.web.accounts import AccountError, check_name

    with pytest.raises(AccountError):
        check_name(name)
    assert check_name(" åsa.lind-2@huddinge ") == "åsa.lind-2@huddinge"


def test_a_story_marked_as_another_company_shows_as_not_counted_with_its_reason(as_user, scenario):
    s = Supplier.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with scenario.begin() as conn:
        supplier_id = conn.execute(select(s.c.id).where(s.c.org_number == ORG)).scalar_one()
        article_id = conn.execute(insert(Article.__table__).values(  # type: ignore[attr-defined]
            identity="namesake", url="https://news.example/a", title="Beta-ägaren döms för bedrägeri", summary="",
            content_hash="n", first_seen_at=now, published_at=now, updated_at=now,
        ).returning(Article.__table__.c.id)).scalar_one()  # type: ignore[attr-defined]
        conn.execute(insert(ArticleMatch.__table__).values(  # type: ignore[attr-defined]
            article_id=article_id, supplier_id=supplier_id, reason="exact_name", confidence=1.0, risk=2.0,
            keywords=[], matched_at=now, ignored=True, ignore_reason="annan firma med samma namn"))
    client, _ = as_user("vera")
    row = next(r for r in client.get(f"/suppliers/{ORG}").text.split("<tr>") if "Beta-ägaren" in r)
    assert "Felmatchning, räknas inte (annan firma med samma namn)" in row and "2,0" not in row
