"""The triage flow in Debian's Chromium (Playwright, launched by path): log in, open the top
alert, see its evidence, assign, snooze and dismiss it, and find each step in the log as admin;
a viewer cannot act or see evidence; anonymous visitors are sent to login; hostile text stays
text; screenshots of the queue and a supplier page are not blank. SQLite only: the HTTP tests
cover both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import ORG, PASSWORD

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def log_in(page, name: str) -> None:
    page.goto("/login")
    page.get_by_label("Användarnamn").fill(name)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/alerts")


def not_blank(path: Path) -> bool:
    """More than a handful of distinct colours: text, table lines and the chart, not an empty page."""
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    return len(colours) > 20


def test_an_analyst_works_the_top_alert_and_the_admin_finds_each_step_in_the_log(page, tmp_path):
    log_in(page, "anna")
    page.screenshot(path=tmp_path / "queue.png", full_page=True)
    page.locator("#alert-queue tbody tr").first.get_by_role("link").click()
    page.wait_for_url(f"**/suppliers/{ORG}")
    assert page.locator("table.evidence").first.get_by_text("V-WATCHED").is_visible()
    assert page.locator("#observations").get_by_text("O-OCT").is_visible()
    page.screenshot(path=tmp_path / "supplier.png", full_page=True)

    page.locator('form[data-action="assign"] input[name="assignee"]').fill("Bertil")
    page.locator('form[data-action="assign"]').get_by_role("button").click()
    page.locator("#alert-assignee").get_by_text("Bertil").wait_for()
    page.locator('form[data-action="snooze"] input[name="until"]').fill("2099-01-31")
    page.locator('form[data-action="snooze"] input[name="reason"]').fill("väntar på IVO")
    page.locator('form[data-action="snooze"]').get_by_role("button").click()
    page.locator("#alert-snooze").get_by_text("väntar på IVO").wait_for()
    page.locator('form[data-action="dismiss"] select').select_option("forklarad")
    page.locator('form[data-action="dismiss"] textarea').fill("nytt låssystem i oktober")
    page.locator('form[data-action="dismiss"]').get_by_role("button").click()
    page.locator('#alert-state[data-state="avskriven"]').wait_for()
    assert page.errors == []

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/login")
    log_in(page, "adam")
    page.get_by_role("link", name="Logg").click()
    page.get_by_label("Vem").fill("anna")
    page.get_by_role("button", name="Visa").click()
    actions = page.locator("#audit td.action").all_inner_texts()
    for step in ("evidence.view", "alert.assign", "alert.snooze", "alert.dismiss"):
        assert step in actions
    assert not_blank(tmp_path / "queue.png") and not_blank(tmp_path / "supplier.png")


def test_a_viewer_gets_no_buttons_no_evidence_and_a_forged_post_is_refused(page):
    log_in(page, "vera")
    page.goto(f"/suppliers/{ORG}")
    assert page.locator("form.action").count() == 0
    assert page.get_by_text("V-WATCHED").count() == 0
    csrf = page.locator('header input[name="csrf_token"]').input_value()
    forged = page.request.post(f"/suppliers/{ORG}/dismiss", form={"reason": "datafel", "text": "x", "csrf_token": csrf})
    assert forged.status == 403


def test_an_anonymous_visitor_lands_on_the_login_page(page):
    page.goto(f"/suppliers/{ORG}")
    assert page.url.endswith(f"/login?next=%2Fsuppliers%2F{ORG}")
    assert page.get_by_role("button", name="Logga in").is_visible()


def test_a_wrong_csrf_token_is_refused(page):
    log_in(page, "anna")
    page.goto(f"/suppliers/{ORG}")
    page.eval_on_selector('form[data-action="note"] input[name="csrf_token"]', "e => e.value = 'forged'")
    page.eval_on_selector("body", "e => e.removeAttribute('hx-headers')")
    page.locator('form[data-action="note"] textarea').fill("hej")
    with page.expect_response(lambda r: r.url.endswith("/note")) as response:
        page.locator('form[data-action="note"]').get_by_role("button").click()
    assert response.value.status == 403


def test_a_hostile_article_title_shows_as_text(page, scenario):
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from monitor.models import Article, ArticleMatch, Supplier

    hostile = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    now = datetime.now(UTC)
    with scenario.begin() as conn:
        supplier_id = conn.execute(select(Supplier.__table__.c.id)  # type: ignore[attr-defined]
                                   .where(Supplier.__table__.c.org_number == ORG)).scalar_one()  # type: ignore[attr-defined]
        article_id = conn.execute(insert(Article.__table__).values(  # type: ignore[attr-defined]
            identity="hostile", url="https://news.example/a", title=hostile, summary="", content_hash="h",
            first_seen_at=now, published_at=now, updated_at=now).returning(Article.__table__.c.id)).scalar_one()  # type: ignore[attr-defined]
        conn.execute(insert(ArticleMatch.__table__).values(  # type: ignore[attr-defined]
            article_id=article_id, supplier_id=supplier_id, reason="exact_name", confidence=1.0, risk=2.0,
            keywords=[], matched_at=now))
    log_in(page, "anna")
    page.goto(f"/suppliers/{ORG}")
    assert page.locator("#media a").inner_text() == hostile
    assert page.title() != "pwned" and page.locator("#media img").count() == 0
